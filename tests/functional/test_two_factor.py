"""Two-step login with TOTP and recovery codes (ASVS 2.2.2, 2.8.x, 2.6.x).

The clock of marketplace.auth.mfa is set by the tests, so that a code never
crosses a 30-second boundary between being made and being checked.
"""

import re

import pyotp
import pytest
import sqlalchemy as sa

from marketplace.auth import mfa
from marketplace.config import TestingConfig
from marketplace.extensions import db
from marketplace.models import RecoveryCode, Role, User
from tests import factories
from tests.functional.test_api_accounts import bearer, error_of

NOW = 1_800_000_000.0  # a fixed instant, on a step boundary
PRIVATE_PAGE = "/account/password"


@pytest.fixture
def clock(monkeypatch):
    """The time the codes are checked at; move it with clock.now = …."""

    class Clock:
        now = NOW + 5

    monkeypatch.setattr(mfa, "_now", lambda: Clock.now)
    return Clock


def code_at(secret: str, when: float) -> str:
    return pyotp.TOTP(secret).at(int(when))


def enrol(client, clock) -> tuple[str, list[str]]:
    """Turn two-step login on for the logged-in client; return secret and codes."""
    page = client.get("/account/two-factor")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', html).group(1)
    done = client.post("/account/two-factor", data={"code": code_at(secret, clock.now)})
    assert done.status_code == 200
    codes = re.findall(
        r"<li class=\"col\">([A-Z0-9]{5}-[A-Z0-9]{5})</li>", done.get_data(as_text=True)
    )
    return secret, codes


def password_step(client, email: str = "s@example.org", **extra):
    return client.post(
        "/login",
        data={"email": email, "password": factories.PASSWORD, **extra},
    )


def logged_in(client) -> bool:
    return client.get(PRIVATE_PAGE).status_code == 200


@pytest.fixture
def staff(client, auth, clock):
    """A staff member who has set up two-step login, logged out again."""
    user = factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    db.session.commit()
    auth.login("s@example.org")
    secret, codes = enrol(client, clock)
    auth.logout()
    return user, secret, codes


def test_enrolment_shows_an_inline_qr_code_and_ten_codes_once(client, auth, clock):
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    db.session.commit()
    auth.login("s@example.org")
    page = client.get("/account/two-factor")
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert (
        "<svg" in html
        and "<script" not in html.split("<main", 1)[-1].split("</main>")[0]
    )
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', html).group(1)
    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 200
    assert "is-invalid" in wrong.get_data(as_text=True)
    user = db.session.scalar(sa.select(User))
    assert not user.has_totp
    done = client.post("/account/two-factor", data={"code": code_at(secret, clock.now)})
    codes = re.findall(
        r"<li class=\"col\">([A-Z0-9]{5}-[A-Z0-9]{5})</li>", done.get_data(as_text=True)
    )
    assert len(set(codes)) == 10
    db.session.expire_all()
    user = db.session.scalar(sa.select(User))
    assert user.has_totp and user.totp_secret == secret
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h for code in codes for h in stored)
    # This browser stays logged in; the codes are never shown again.
    again = client.get("/account/two-factor").get_data(as_text=True)
    assert 'data-testid="totp-on"' in again
    assert not any(code in again for code in codes)


def test_login_asks_for_the_code_after_the_password(client, staff, clock):
    user, secret, _ = staff
    response = password_step(client, next="/account/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code"
    assert not logged_in(client)  # the password alone logs nobody in
    # The code step is still open after that refusal.
    wrong = client.post("/login/code", data={"code": "123456"})
    assert wrong.status_code == 200
    assert "is-invalid" in wrong.get_data(as_text=True)
    assert not logged_in(client)
    clock.now += 30
    right = client.post("/login/code", data={"code": code_at(secret, clock.now)})
    assert right.status_code == 302 and right.headers["Location"] == "/account/password"
    assert logged_in(client)


def test_a_code_works_only_once(app, client, staff, clock):
    _, secret, _ = staff
    clock.now += 30
    code = code_at(secret, clock.now)
    password_step(client)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    other = app.test_client()
    password_step(other)
    replay = other.post("/login/code", data={"code": code})
    assert replay.status_code == 200
    assert not logged_in(other)
    # An older code (still within the drift window) is refused too.
    earlier = other.post("/login/code", data={"code": code_at(secret, clock.now - 30)})
    assert earlier.status_code == 200


def test_a_recovery_code_works_once(app, client, staff):
    user, _, codes = staff
    password_step(client)
    assert (
        client.post("/login/code", data={"code": codes[3].lower()}).status_code == 302
    )
    assert logged_in(client)
    other = app.test_client()
    password_step(other)
    assert other.post("/login/code", data={"code": codes[3]}).status_code == 200
    assert not logged_in(other)
    used = db.session.scalars(
        sa.select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))
    ).all()
    assert len(used) == 1


def test_wrong_codes_are_rate_limited_per_account(app, client, staff, clock):
    _, secret, _ = staff
    app.config["MFA_FAILURE_LIMIT"] = "3 per 15 minutes"
    password_step(client)
    for _ in range(3):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 200
    clock.now += 30
    locked = client.post("/login/code", data={"code": code_at(secret, clock.now)})
    assert locked.status_code == 429
    assert not logged_in(client)
    # A fresh browser does not get a fresh counter: the limit is the account's.
    other = app.test_client()
    password_step(other)
    assert (
        other.post("/login/code", data={"code": code_at(secret, clock.now)}).status_code
        == 429
    )


def test_the_code_step_expires(client, staff, clock):
    _, secret, _ = staff
    password_step(client)
    with client.session_transaction() as session:
        pending = dict(session["pending_login"])
        pending["at"] -= 301
        session["pending_login"] = pending
    clock.now += 30
    response = client.post("/login/code", data={"code": code_at(secret, clock.now)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not logged_in(client)


def test_without_a_password_step_there_is_no_code_step(client):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_tokens_need_the_code_for_accounts_with_two_step_login(api, staff, clock):
    _, secret, codes = staff
    body = {"email": "s@example.org", "password": factories.PASSWORD}
    missing = api.post("/api/v1/tokens", json=body)
    assert missing.status_code == 401
    assert error_of(missing)["code"] == "invalid_credentials"
    wrong = api.post("/api/v1/tokens", json={**body, "totp": "000000"})
    assert wrong.status_code == 401
    clock.now += 30
    right = api.post(
        "/api/v1/tokens", json={**body, "totp": code_at(secret, clock.now)}
    )
    assert right.status_code == 201
    token = right.get_json()["token"]
    assert api.get("/api/v1/me", headers=bearer(token)).status_code == 200
    recovery = api.post("/api/v1/tokens", json={**body, "totp": codes[0]})
    assert recovery.status_code == 201


@pytest.fixture
def strict(make_app):
    """An app as production runs it: staff must enrol."""
    return make_app(TestingConfig, STAFF_MFA_REQUIRED=True)


def test_staff_must_enrol_before_anything_else(app, strict, clock):
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    factories.make_user(Role.VOLUNTEER, email="v@example.org")
    db.session.commit()
    browser = strict.test_client()
    response = password_step(browser)
    assert response.headers["Location"] == "/account/two-factor"
    for page in ("/", "/staff/approvals", PRIVATE_PAGE, "/organizations/mine"):
        blocked = browser.get(page)
        assert blocked.status_code == 302, page
        assert blocked.headers["Location"] == "/account/two-factor"
    api = strict.test_client(use_cookies=False)
    token = api.post(
        "/api/v1/tokens",
        json={"email": "s@example.org", "password": factories.PASSWORD},
    ).get_json()["token"]
    refused = api.get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "mfa_enrolment_required"
    # Enrolment opens everything.
    enrol(browser, clock)
    assert browser.get(PRIVATE_PAGE).status_code == 200
    # Volunteers are not asked.
    volunteer = strict.test_client()
    assert password_step(volunteer, "v@example.org").headers["Location"] == "/"
    assert volunteer.get(PRIVATE_PAGE).status_code == 200


def test_staff_may_log_in_without_a_second_factor_in_development(client, auth):
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    db.session.commit()
    assert auth.login("s@example.org").headers["Location"] == "/"
    assert logged_in(client)


def test_two_logins_racing_with_one_code_let_only_one_in(staff, clock):
    from sqlalchemy.orm.attributes import set_committed_value

    user, secret, _ = staff
    clock.now += 30
    code = code_at(secret, clock.now)
    user = db.session.get(User, user.id)
    assert mfa.verify_second_factor(user, code)
    db.session.commit()
    # The other request read the account before the first one wrote its step.
    set_committed_value(user, "totp_last_step", user.totp_last_step - 1)
    assert not mfa.verify_second_factor(user, code)


def test_create_staff_resets_a_lost_second_factor(app, client, staff):
    user, _, _ = staff
    result = app.test_cli_runner().invoke(
        args=["create-staff", "s@example.org", "--password", "a long staff passphrase"]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert not user.has_totp and user.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count(RecoveryCode.id))) == 0
    response = client.post(
        "/login",
        data={"email": "s@example.org", "password": "a long staff passphrase"},
    )
    assert response.headers["Location"] == "/"


def test_openapi_documents_the_totp_field(api):
    spec = api.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    token_in = next(
        schema for name, schema in schemas.items() if name.startswith("TokenCreate")
    )
    assert "totp" in token_in["properties"]
