"""Password reset: same answer for every e-mail, a single-use time-limited link."""

import re
import time

import itsdangerous.timed
import sqlalchemy as sa

from marketplace.auth import reset
from marketplace.auth.services import change_password
from marketplace.auth.sessions import issue_token
from marketplace.extensions import db
from marketplace.models import AuditEvent, EmailOutbox, User
from tests import factories

NEW_PASSWORD = "ช้างเผือกบินข้ามทุ่ง 2570"
_LINK = re.compile(r"https?://[^/\s]+(/reset-password/\S+)")


def ask(client, email: str):
    return client.post("/forgot-password", data={"email": email})


def link_from_outbox() -> str:
    mail = db.session.scalars(sa.select(EmailOutbox)).one()
    found = _LINK.search(mail.body)
    assert found, mail.body
    return found.group(1)


def choose(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        path, data={"new_password": password, "confirm": confirm or password}
    )


def can_log_in(app, email: str, password: str) -> bool:
    fresh = app.test_client()
    fresh.post("/login", data={"email": email, "password": password})
    return fresh.get("/account/password").status_code == 200


def test_login_page_links_to_the_forgot_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in page
    for locale in ("th", "en"):
        client.post("/language", data={"locale": locale})
        response = client.get("/forgot-password")
        assert response.status_code == 200
        assert 'name="email"' in response.get_data(as_text=True)


def test_same_answer_whether_or_not_the_account_exists(client):
    factories.make_user(email="known@example.org")
    known = ask(client, "Known@Example.org")
    unknown = ask(client, "nobody@example.org")
    malformed = ask(client, "not an e-mail")
    assert known.status_code == unknown.status_code == malformed.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert malformed.headers["Location"] == known.headers["Location"]
    mails = db.session.scalars(sa.select(EmailOutbox)).all()
    assert [mail.to_email for mail in mails] == ["known@example.org"]
    page = client.get("/forgot-password").get_data(as_text=True)
    # The flashes of the three requests are identical.
    assert len(set(re.findall(r'role="alert"[^>]*>([^<]+)<', page))) <= 1


def test_the_link_sets_a_new_password_and_ends_everything(app, client):
    user = factories.make_user(email="a@example.org")
    raw, _ = issue_token(user, app.config["API_TOKEN_LIFETIME"])
    db.session.commit()
    elsewhere = app.test_client()
    elsewhere.post(
        "/login", data={"email": "a@example.org", "password": factories.PASSWORD}
    )
    assert elsewhere.get("/account/password").status_code == 200
    ask(client, "a@example.org")
    path = link_from_outbox()
    page = client.get(path)
    assert page.status_code == 200 and 'name="new_password"' in page.get_data(
        as_text=True
    )
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    response = choose(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert can_log_in(app, "a@example.org", NEW_PASSWORD)
    assert not can_log_in(app, "a@example.org", factories.PASSWORD)
    assert elsewhere.get("/account/password").status_code == 302
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 401
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"user.password_reset_requested", "user.password_reset"} <= actions


def test_the_link_works_once(app, client):
    factories.make_user(email="a@example.org")
    ask(client, "a@example.org")
    path = link_from_outbox()
    assert choose(client, path).status_code == 302
    again = choose(client, path, "another long passphrase 99")
    assert again.status_code == 400
    assert "/forgot-password" in again.get_data(as_text=True)
    assert can_log_in(app, "a@example.org", NEW_PASSWORD)


def test_the_link_dies_when_the_password_changes(client):
    user = factories.make_user(email="a@example.org")
    ask(client, "a@example.org")
    path = link_from_outbox()
    change_password(user, factories.PASSWORD, "another long passphrase 99")
    db.session.commit()
    assert client.get(path).status_code == 400
    assert choose(client, path).status_code == 400


def test_the_link_expires(app, client, monkeypatch):
    user = factories.make_user(email="a@example.org")
    lifetime = app.config["PASSWORD_RESET_MINUTES"] * 60
    now = time.time()
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now - lifetime - 5)
    with app.test_request_context():
        old = reset.make_reset_token(user)
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: now - lifetime + 60)
    with app.test_request_context():
        recent = reset.make_reset_token(user)
    monkeypatch.undo()
    assert client.get(f"/reset-password/{old}").status_code == 400
    assert client.get(f"/reset-password/{recent}").status_code == 200


def test_forged_and_foreign_tokens_are_refused(app, client):
    user = factories.make_user(email="a@example.org")
    db.session.commit()
    assert client.get("/reset-password/not-a-token").status_code == 400
    other = itsdangerous.URLSafeTimedSerializer("another key", salt=reset.SALT)
    forged = other.dumps({"u": user.id, "f": "x"})
    assert client.get(f"/reset-password/{forged}").status_code == 400
    # A token signed for another purpose (salt) is no reset link.
    wrong_salt = itsdangerous.URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="shift-check-in"
    ).dumps({"u": user.id, "f": "x"})
    assert client.get(f"/reset-password/{wrong_salt}").status_code == 400


def test_the_new_password_follows_the_registration_policy(app, client):
    factories.make_user(email="a@example.org", name="Somchai Jaidee")
    ask(client, "a@example.org")
    path = link_from_outbox()
    for weak in ("short1", "password123", "a@example.org"):
        response = choose(client, path, weak)
        assert response.status_code == 200, weak
        assert "is-invalid" in response.get_data(as_text=True)
    mismatch = choose(client, path, NEW_PASSWORD, "something else entirely")
    assert mismatch.status_code == 200
    assert can_log_in(app, "a@example.org", factories.PASSWORD)
    assert choose(client, path).status_code == 302  # the link still works


def test_erased_accounts_get_no_mail(client):
    user = factories.make_user(email="a@example.org")
    user.erased_at = user.created_at
    db.session.commit()
    assert ask(client, "a@example.org").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(EmailOutbox.id))) == 0


def test_the_mail_is_in_the_account_language(client):
    factories.make_user(email="a@example.org", locale="en")
    ask(client, "a@example.org")
    mail = db.session.scalars(sa.select(EmailOutbox)).one()
    assert mail.subject == "Good Society Expo: reset your password"
    assert "within 30 minutes" in mail.body
    assert db.session.scalar(sa.select(User.email)) == mail.to_email
