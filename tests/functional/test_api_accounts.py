"""API.md "Accounts": users, tokens, me — paths, fields and status codes."""

from datetime import datetime

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Consent, User
from tests import factories

NEW_USER = {
    "email": "Nok@Example.org",
    "password": "ขอมือหน่อยนะคะ-2570",
    "display_name": "นกน้อย ใจงาม",
    "role": "volunteer",
    "consents": {"terms": True, "matching": True},
}


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    return body["error"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login_token(api, email: str, password: str = factories.PASSWORD) -> str:
    response = api.post("/api/v1/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def test_create_user(api, app):
    response = api.post("/api/v1/users", json=NEW_USER)
    assert response.status_code == 201
    body = response.get_json()
    assert body == {
        "id": body["id"],
        "email": "nok@example.org",
        "display_name": "นกน้อย ใจงาม",
        "role": "volunteer",
    }
    user = db.session.get(User, body["id"])
    assert user.locale == "th"
    purposes = {c.purpose.value for c in db.session.scalars(sa.select(Consent))}
    assert purposes == {"terms", "matching"}


def test_create_user_conflict_on_taken_email(api):
    assert api.post("/api/v1/users", json=NEW_USER).status_code == 201
    again = api.post("/api/v1/users", json={**NEW_USER, "email": "nok@EXAMPLE.org"})
    assert again.status_code == 409
    assert error_of(again)["code"] == "email_taken"


def test_create_user_validation_errors(api):
    cases = {
        "password": {"password": "short"},
        "display_name": {"display_name": "!!!"},
        "email": {"email": "nobody"},
        "consents": {"consents": {"terms": False}},
        "role": {"role": "admin"},
    }
    for field, change in cases.items():
        response = api.post("/api/v1/users", json={**NEW_USER, **change})
        assert response.status_code == 422, field
        error = error_of(response)
        assert error["code"] == "validation_error"
        assert field in error["fields"], (field, error)
    common = api.post("/api/v1/users", json={**NEW_USER, "password": "iloveyou123"})
    assert "password" in error_of(common)["fields"]
    missing = api.post("/api/v1/users", json={"email": "a@example.org"})
    assert missing.status_code == 422
    assert {"password", "display_name", "role", "consents"} <= set(
        error_of(missing)["fields"]
    )
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_malformed_json_is_a_400(api):
    response = api.post(
        "/api/v1/users", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_unknown_api_route_is_json_404(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    wrong_method = api.put("/api/v1/causes")
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["code"] == "method_not_allowed"


def test_token_and_me(api):
    factories.make_user(email="a@example.org", name="อาสา ทดสอบ")
    db.session.commit()
    response = api.post(
        "/api/v1/tokens",
        json={"email": "A@example.org", "password": factories.PASSWORD},
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["expires_at"].endswith("+07:00")
    assert (
        datetime.fromisoformat(body["expires_at"]).utcoffset().total_seconds()
        == 7 * 3600
    )
    me = api.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.get_json() == {
        "id": me.get_json()["id"],
        "email": "a@example.org",
        "display_name": "อาสา ทดสอบ",
        "role": "volunteer",
        "locale": "th",
        "is_staff": False,
    }


def test_a_bearer_request_authenticates_in_one_query(api, count_queries):
    factories.make_user(email="a@example.org")
    db.session.commit()
    token = login_token(api, "a@example.org")
    db.session.remove()  # nothing of the user left in the test's session
    with count_queries() as statements:
        assert api.get("/api/v1/me", headers=bearer(token)).status_code == 200
    # The token and its user in one query; /me itself needs nothing more.
    queries = [s for s in statements if s != "BEGIN"]  # SQLite's explicit BEGIN
    assert len(queries) == 1, queries


def test_tokens_are_stored_hashed(api):
    factories.make_user(email="a@example.org")
    db.session.commit()
    token = login_token(api, "a@example.org")
    stored = db.session.execute(sa.text("SELECT token_hash FROM api_token")).scalar()
    assert token not in stored and len(stored) == 64


def test_wrong_password_gives_401(api):
    factories.make_user(email="a@example.org")
    db.session.commit()
    for email in ("a@example.org", "nobody@example.org"):
        response = api.post(
            "/api/v1/tokens", json={"email": email, "password": "wrong password!"}
        )
        assert response.status_code == 401
        assert error_of(response)["code"] == "invalid_credentials"


def test_me_needs_credentials(api):
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"
    bad = api.get("/api/v1/me", headers=bearer("not-a-token"))
    assert bad.status_code == 401


def test_revoking_the_current_token(api):
    factories.make_user(email="a@example.org")
    db.session.commit()
    token = login_token(api, "a@example.org")
    other = login_token(api, "a@example.org")
    response = api.delete("/api/v1/tokens/current", headers=bearer(token))
    assert response.status_code == 204
    assert api.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert api.get("/api/v1/me", headers=bearer(other)).status_code == 200


def test_token_endpoint_limits_failures_per_email(api):
    factories.make_user(email="a@example.org")
    db.session.commit()
    for _ in range(5):  # successes do not count
        login_token(api, "a@example.org")
    wrong = {"email": "a@example.org", "password": "wrong password!"}
    for _ in range(10):
        assert api.post("/api/v1/tokens", json=wrong).status_code == 401
    limited = api.post(
        "/api/v1/tokens",
        json={"email": "a@example.org", "password": factories.PASSWORD},
    )
    assert limited.status_code == 429
    assert error_of(limited)["code"] == "rate_limited"
    assert "Retry-After" in limited.headers


def test_one_address_may_make_a_hundred_token_requests_a_minute(api):
    for number in range(100):
        factories.make_user(email=f"u{number}@example.org")
    db.session.commit()
    for number in range(100):
        login_token(api, f"u{number}@example.org")


def test_browser_session_calls_need_csrf(client, auth):
    factories.make_user(email="a@example.org")
    db.session.commit()
    auth.login("a@example.org")
    assert client.get("/api/v1/me").get_json()["email"] == "a@example.org"
    refused = client.delete("/api/v1/tokens/current", csrf=False)
    assert refused.status_code == 400
    assert error_of(refused)["code"] == "csrf_failed"


def test_openapi_document_describes_the_accounts_api(api):
    spec = api.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path, method in [
        ("/api/v1/users", "post"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/current", "delete"),
        ("/api/v1/me", "get"),
        ("/api/v1/causes", "get"),
        ("/api/v1/skills", "get"),
        ("/api/v1/places", "get"),
    ]:
        assert method in spec["paths"][path], path
    assert "409" in spec["paths"]["/api/v1/users"]["post"]["responses"]
