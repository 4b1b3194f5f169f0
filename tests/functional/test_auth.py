"""Registration, login, logout and password changes through the web pages."""

import re

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import ApiToken, AuditEvent, Consent, Role, User
from tests import factories


def register(client, **overrides):
    data = {
        "display_name": "สมชาย ใจดี",
        "email": "Somchai@Example.org ",
        "password": "ขอมือหน่อยนะครับ2570",
        "confirm": "ขอมือหน่อยนะครับ2570",
        "role": "volunteer",
        "accept_terms": "y",
        "consent_matching": "y",
    }
    data.update(overrides)
    if data["confirm"] == "ขอมือหน่อยนะครับ2570":
        data["confirm"] = data["password"]
    return client.post("/register", data=data)


def test_register_volunteer_with_thai_name(client, app):
    response = register(client)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user.email == "somchai@example.org"
    assert user.display_name == "สมชาย ใจดี"
    assert user.role is Role.VOLUNTEER
    assert user.profile is not None
    assert user.password_hash.startswith("$argon2id$")
    consents = {c.purpose.value: (c.granted, c.notice_version) for c in user.consents}
    version = app.config["NOTICE_VERSION"]
    assert consents == {"terms": (True, version), "matching": (True, version)}
    page = client.get("/").get_data(as_text=True)
    assert "สมชาย ใจดี" in page


def test_register_organizer(client):
    register(client, role="organizer", email="org@example.org")
    user = db.session.scalar(sa.select(User))
    assert user.role is Role.ORGANIZER and user.profile is None
    assert "/organizations/mine" in client.get("/").get_data(as_text=True)


def test_registration_refuses_bad_input_and_keeps_nothing(client):
    cases = [
        {"password": "short1"},
        {"password": "password123"},
        {"password": "qwertyuiop"},
        {"display_name": "1234"},
        {"email": "not-an-email"},
        {"accept_terms": ""},
    ]
    for overrides in cases:
        response = register(client, **overrides)
        assert response.status_code == 200, overrides
        assert "is-invalid" in response.get_data(as_text=True), overrides
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_registration_in_english_explains_a_common_password(client):
    client.post("/language", data={"locale": "en"})
    body = register(client, password="password123").get_data(as_text=True)
    assert "too common" in body


def test_duplicate_email_is_refused(client):
    factories.make_user(email="somchai@example.org")
    db.session.commit()
    body = register(client).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
    assert "is-invalid" in body


def test_login_logout(client, auth):
    factories.make_user(email="a@example.org")
    db.session.commit()
    response = auth.login("A@EXAMPLE.ORG")
    assert response.status_code == 302
    assert 'data-testid="logout"' in client.get("/").get_data(as_text=True)
    auth.logout()
    assert 'data-testid="logout"' not in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused(client, auth):
    factories.make_user(email="a@example.org")
    db.session.commit()
    response = auth.login("a@example.org", "wrong password!!")
    assert response.status_code == 200
    assert 'data-testid="logout"' not in client.get("/").get_data(as_text=True)


def test_login_redirects_only_to_local_pages(client):
    factories.make_user(email="a@example.org")
    db.session.commit()
    data = {"email": "a@example.org", "password": factories.PASSWORD}
    local = client.post("/login", data={**data, "next": "/opportunities"})
    assert local.headers["Location"] == "/opportunities"
    client.post("/logout")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/login", data={**data, "next": target})
        assert response.headers["Location"] == "/", target
        client.post("/logout")


def test_logout_ends_every_session_of_the_user(app, client, auth):
    factories.make_user(email="a@example.org")
    db.session.commit()
    auth.login("a@example.org")
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    assert 'data-testid="logout"' in other.get("/").get_data(as_text=True)
    auth.logout()
    # The copied cookie (another device, or a thief) no longer works.
    assert 'data-testid="logout"' not in other.get("/").get_data(as_text=True)
    assert db.session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.action == "user.logged_out")
    )


def test_change_password_ends_other_sessions_and_tokens(app, client, auth, api):
    user = factories.make_user(email="a@example.org")
    db.session.commit()
    token = api.post(
        "/api/v1/tokens",
        json={"email": "a@example.org", "password": factories.PASSWORD},
    ).get_json()["token"]
    auth.login("a@example.org")
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)

    response = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "a new long passphrase",
            "confirm": "a new long passphrase",
        },
    )
    assert response.status_code == 302
    assert 'data-testid="logout"' in client.get("/").get_data(as_text=True)
    assert 'data-testid="logout"' not in other.get("/").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 401
    db.session.expire_all()
    assert all(t.revoked_at for t in db.session.scalars(sa.select(ApiToken)))
    client.post("/logout")
    assert auth.login("a@example.org", "a new long passphrase").status_code == 302
    assert user.id


def test_change_password_refuses_a_wrong_current_password(client, auth):
    factories.make_user(email="a@example.org")
    db.session.commit()
    auth.login("a@example.org")
    response = client.post(
        "/account/password",
        data={
            "current_password": "not my password",
            "new_password": "a new long passphrase",
            "confirm": "a new long passphrase",
        },
    )
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)


def test_change_password_needs_login(client):
    response = client.get("/account/password")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_forms_refuse_a_post_without_csrf_token(client):
    factories.make_user(email="a@example.org")
    db.session.commit()
    data = {"email": "a@example.org", "password": factories.PASSWORD}
    response = client.post("/login", data=data, csrf=False)
    assert response.status_code == 400
    assert client.post("/logout", csrf=False).status_code == 400
    assert 'data-testid="logout"' not in client.get("/").get_data(as_text=True)


def test_failed_logins_are_rate_limited_per_email(client, auth):
    factories.make_user(email="a@example.org")
    db.session.commit()
    for _ in range(3):  # successes do not count
        assert auth.login("a@example.org").status_code == 302
        auth.logout()
    for _ in range(10):
        assert auth.login("a@example.org", "wrong password!!").status_code == 200
    assert auth.login("a@example.org").status_code == 429
    # Another address is not locked out by someone guessing this one.
    factories.make_user(email="b@example.org")
    db.session.commit()
    assert auth.login("b@example.org").status_code == 302


def test_consents_are_appended_not_rewritten(client):
    register(client, consent_matching="")
    rows = db.session.scalars(sa.select(Consent).order_by(Consent.id)).all()
    assert [(row.purpose.value, row.granted) for row in rows] == [
        ("terms", True),
        ("matching", False),
    ]


def _calendar_feed(client) -> str:
    """Turn the calendar link on and return its path."""
    assert client.post("/me/calendar").status_code == 302
    db.session.expire_all()
    token = db.session.scalar(sa.select(User.calendar_token))
    assert token
    feed = f"/calendar/{token}.ics"
    assert client.get(feed).status_code == 200
    return feed


def _new_calendar_feed_works(client, old: str) -> None:
    assert client.get(old).status_code == 404
    db.session.expire_all()
    token = db.session.scalar(sa.select(User.calendar_token))
    assert token and f"/calendar/{token}.ics" != old
    assert client.get(f"/calendar/{token}.ics").status_code == 200


def test_the_calendar_link_changes_with_the_password(client, auth):
    factories.make_user(email="a@example.org")
    db.session.commit()
    auth.login("a@example.org")
    feed = _calendar_feed(client)
    response = client.post(
        "/account/password",
        data={
            "current_password": factories.PASSWORD,
            "new_password": "a new long passphrase",
            "confirm": "a new long passphrase",
        },
    )
    assert response.status_code == 302
    _new_calendar_feed_works(client, feed)


def test_the_calendar_link_changes_on_log_out_everywhere(client, auth):
    factories.make_user(email="a@example.org")
    db.session.commit()
    auth.login("a@example.org")
    feed = _calendar_feed(client)
    auth.logout()
    _new_calendar_feed_works(client, feed)


def test_the_calendar_link_changes_on_password_reset(app, client, auth):
    from marketplace.auth.reset import make_reset_token

    user = factories.make_user(email="a@example.org")
    db.session.commit()
    auth.login("a@example.org")
    feed = _calendar_feed(client)
    with app.test_request_context():
        token = make_reset_token(db.session.get(User, user.id))
    stranger = app.test_client()
    response = stranger.post(
        f"/reset-password/{token}",
        data={
            "new_password": "a new long passphrase",
            "confirm": "a new long passphrase",
        },
    )
    assert response.status_code == 302
    _new_calendar_feed_works(client, feed)


def test_no_calendar_link_is_made_for_those_without_one(client, auth):
    factories.make_user(email="a@example.org")
    db.session.commit()
    auth.login("a@example.org")
    auth.logout()
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.calendar_token)) is None


def test_matching_consent_is_not_ticked_for_the_person(client):
    page = client.get("/register").get_data(as_text=True)
    tag = re.search(r'<input[^>]*id="consent_matching"[^>]*>', page).group(0)
    assert "checked" not in tag


def test_a_hash_of_other_settings_is_renewed_at_login(app, client, auth):
    from argon2 import PasswordHasher

    user = factories.make_user(email="old@example.org")
    older = PasswordHasher(time_cost=3, memory_cost=16, parallelism=2)
    user.password_hash = older.hash(factories.PASSWORD)
    db.session.commit()
    auth.login("old@example.org")
    db.session.refresh(user)
    hasher = app.extensions["password_hasher"]
    assert not hasher.check_needs_rehash(user.password_hash)
    assert hasher.verify(user.password_hash, factories.PASSWORD)
