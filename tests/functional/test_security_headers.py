"""Security headers on every response (a part of ASVS V14)."""

from marketplace import create_app
from marketplace.config import ProductionConfig
from marketplace.extensions import db
from tests import factories


def test_headers_on_pages_api_and_errors(client):
    for path in ("/", "/api/v1/causes", "/no/such/page", "/api/v1/nothing"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        for directive in (
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "script-src 'self'",
        ):
            assert directive in policy, (path, directive)
        assert "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
        features = dict(
            item.strip().split("=", 1)
            for item in headers["Permissions-Policy"].split(",")
        )
        # No page uses the camera or the visitor's position: both denied.
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert features[feature] == "()", (path, feature)
        assert "Strict-Transport-Security" not in headers  # development and tests


def test_pages_with_personal_data_are_not_cached(client, auth):
    assert client.get("/").headers.get("Cache-Control") != "no-store"
    factories.make_user(email="a@example.org")
    db.session.commit()
    auth.login("a@example.org")
    assert client.get("/me/profile").headers["Cache-Control"] == "no-store"


def test_production_sends_hsts():
    app = create_app(
        ProductionConfig,
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", **factories.PRODUCTION_SETTINGS},
    )
    response = app.test_client().get(
        "/static/css/app.css", headers={"Host": "expo.example.org"}
    )
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    response.close()


def test_templates_hold_no_inline_script_or_style():
    from pathlib import Path

    for template in (
        Path(__file__).resolve().parents[2].joinpath("templates").rglob("*.html")
    ):
        text = template.read_text()
        assert " style=" not in text, template
        assert "<script>" not in text, template
        assert " on" + "click=" not in text, template
