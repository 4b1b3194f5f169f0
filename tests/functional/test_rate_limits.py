"""Rate limits on sign-up, password reset and applications, per address and user."""

from datetime import timedelta

import pytest

from marketplace.auth.sessions import issue_token
from marketplace.extensions import db
from marketplace.models import utcnow
from tests import factories


def address(ip: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}}


def register_api(api, number: int, json_email: str | None = None, **kwargs):
    return api.post(
        "/api/v1/users",
        json={
            "email": json_email or f"new{number}@example.org",
            "password": "ขอมือหน่อยนะครับ2570",
            "display_name": "สมชาย ใจดี",
            "role": "volunteer",
            "consents": {"terms": True},
        },
        **kwargs,
    )


def assert_api_429(response) -> None:
    assert response.status_code == 429
    assert response.json["error"]["code"] == "rate_limited"
    assert response.json["error"]["message"]
    assert "Retry-After" in response.headers


def assert_web_429(response) -> None:
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "<html" in page and 'href="/"' in page
    assert "Retry-After" in response.headers


def test_registration_is_limited_per_address_on_web_and_api(app, client, api):
    app.config["REGISTRATION_LIMIT"] = "3 per hour"
    assert client.post("/register", data={}).status_code == 200  # invalid: counts
    assert register_api(api, 1).status_code == 201
    assert register_api(api, 2).status_code == 201
    assert_api_429(register_api(api, 3))
    assert_web_429(client.post("/register", data={}))
    assert client.get("/register").status_code == 200  # reading is never limited
    assert register_api(api, 4, **address("192.0.2.9")).status_code == 201


def test_password_reset_is_limited_per_address_and_per_email(app, client):
    app.config["PASSWORD_RESET_LIMIT"] = "2 per hour"
    app.config["PASSWORD_RESET_ADDRESS_LIMIT"] = "2 per hour"
    for email in ("a@example.org", "b@example.org"):
        assert client.post("/forgot-password", data={"email": email}).status_code == 302
    assert_web_429(client.post("/forgot-password", data={"email": "c@example.org"}))
    # One inbox cannot be flooded from many addresses either.
    for ip in ("192.0.2.1", "192.0.2.2"):
        response = client.post(
            "/forgot-password", data={"email": "victim@example.org"}, **address(ip)
        )
        assert response.status_code == 302
    response = client.post(
        "/forgot-password", data={"email": "Victim@example.org"}, **address("192.0.2.3")
    )
    assert_web_429(response)


@pytest.fixture
def shifts():
    organization = factories.make_organization()
    return [
        factories.make_opportunity(
            organization, starts=utcnow() + timedelta(days=2 + n), capacity=5
        ).shifts[0]
        for n in range(4)
    ]


def bearer(app, user) -> dict:
    raw, _ = issue_token(user, app.config["API_TOKEN_LIFETIME"])
    return {"Authorization": f"Bearer {raw}"}


def test_applications_are_limited_per_volunteer_on_web_and_api(
    app, api, client, auth, shifts
):
    app.config["APPLICATION_LIMIT"] = "2 per hour"
    volunteer = factories.make_user(email="v@example.org")
    other = factories.make_user(email="w@example.org")
    headers, other_headers = bearer(app, volunteer), bearer(app, other)
    db.session.commit()
    url = "/api/v1/shifts/{}/applications"
    assert (
        api.post(url.format(shifts[0].id), json={}, headers=headers).status_code == 201
    )
    assert (
        api.post(url.format(shifts[0].id), json={}, headers=headers).status_code == 409
    )
    assert_api_429(api.post(url.format(shifts[1].id), json={}, headers=headers))
    auth.login("v@example.org")
    assert_web_429(client.post(f"/shifts/{shifts[2].id}/apply", data={}))
    # Another volunteer behind the same address is not held back.
    response = api.post(url.format(shifts[1].id), json={}, headers=other_headers)
    assert response.status_code == 201


def test_applications_have_a_wider_ceiling_per_address(app, api, shifts):
    app.config["APPLICATION_ADDRESS_LIMIT"] = "3 per hour"
    people = [factories.make_user(email=f"v{n}@example.org") for n in range(4)]
    headers = [bearer(app, person) for person in people]
    db.session.commit()
    url = f"/api/v1/shifts/{shifts[0].id}/applications"
    codes = [api.post(url, json={}, headers=h).status_code for h in headers[:3]]
    assert codes == [201, 201, 201]
    assert_api_429(api.post(url, json={}, headers=headers[3]))
    other = api.post(url, json={}, headers=headers[3], **address("192.0.2.7"))
    assert other.status_code == 201


def test_forwarded_for_is_ignored_without_trusted_proxies(app, make_app):
    direct = make_app(REGISTRATION_LIMIT="1 per hour")
    client = direct.test_client(use_cookies=False)
    first = client.post(
        "/api/v1/users", json={}, headers={"X-Forwarded-For": "1.1.1.1"}
    )
    assert first.status_code == 422
    forged = client.post(
        "/api/v1/users", json={}, headers={"X-Forwarded-For": "2.2.2.2"}
    )
    assert forged.status_code == 429


def test_forwarded_for_from_a_trusted_proxy_is_the_client(app, make_app):
    proxied = make_app(REGISTRATION_LIMIT="1 per hour", TRUSTED_PROXIES=1)
    client = proxied.test_client(use_cookies=False)
    for ip in ("198.51.100.1", "198.51.100.2"):
        response = client.post(
            "/api/v1/users", json={}, headers={"X-Forwarded-For": ip}
        )
        assert response.status_code == 422, ip
    again = client.post(
        "/api/v1/users", json={}, headers={"X-Forwarded-For": "198.51.100.1"}
    )
    assert again.status_code == 429
    # Only the last hop counts: a client cannot prepend its own address.
    spoofed = client.post(
        "/api/v1/users",
        json={},
        headers={"X-Forwarded-For": "203.0.113.50, 198.51.100.2"},
    )
    assert spoofed.status_code == 429


# Other spellings of one address: a fullwidth letter, the ideographic full stop,
# capitals. Each must hit the counter of x@example.org (finding 4).
SPELLINGS = ("x@ｅxample.org", "x@example。org", "X@EXAMPLE.ORG", "ｘ@example.org")


def test_a_locked_email_is_locked_in_every_spelling(app, client, api):
    app.config["LOGIN_FAILURE_LIMIT"] = "3 per 15 minutes"
    factories.make_user(email="x@example.org")
    db.session.commit()
    wrong = {"email": "x@example.org", "password": "not the password"}
    for _ in range(3):
        assert client.post("/login", data=wrong).status_code == 200
    assert_web_429(client.post("/login", data=wrong))
    for spelling in SPELLINGS:
        right = {"email": spelling, "password": factories.PASSWORD}
        assert_web_429(client.post("/login", data=right))
        assert_api_429(api.post("/api/v1/tokens", json=right))
    other = {"email": "y@example.org", "password": "not the password"}
    assert client.post("/login", data=other).status_code == 200


def test_api_failures_count_for_every_spelling(app, api):
    app.config["LOGIN_FAILURE_LIMIT"] = "4 per 15 minutes"
    factories.make_user(email="x@example.org")
    db.session.commit()
    for spelling in SPELLINGS:
        wrong = {"email": spelling, "password": "not the password"}
        assert api.post("/api/v1/tokens", json=wrong).status_code == 401
    right = {"email": "x@example.org", "password": factories.PASSWORD}
    assert_api_429(api.post("/api/v1/tokens", json=right))


def test_password_reset_is_limited_per_normalised_email(app, client):
    app.config["PASSWORD_RESET_LIMIT"] = "2 per hour"
    for ip in ("192.0.2.1", "192.0.2.2"):
        response = client.post(
            "/forgot-password", data={"email": "x@example.org"}, **address(ip)
        )
        assert response.status_code == 302
    for number, spelling in enumerate(SPELLINGS, start=10):
        response = client.post(
            "/forgot-password", data={"email": spelling}, **address(f"192.0.2.{number}")
        )
        assert_web_429(response)


def test_registration_refuses_another_spelling_of_a_taken_email(api):
    assert register_api(api, 1).status_code == 201
    for spelling in ("new1@ｅxample.org", "NEW1@example。org", "ｎew1@example.org"):
        response = register_api(api, 1, json_email=spelling)
        assert response.status_code == 409, spelling
        assert response.json["error"]["code"] == "email_taken"
