"""Security headers on every response (a part of ASVS V14)."""

import pytest

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


def test_the_map_tile_server_is_a_setting_the_csp_follows(client, make_app):
    # Development default: openstreetmap.org's tiles, allowed by the CSP.
    page = client.get("/opportunities")
    assert (
        "img-src 'self' data: https://tile.openstreetmap.org;"
        in (page.headers["Content-Security-Policy"])
    )
    assert 'content="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in (
        page.get_data(as_text=True)
    )
    other = make_app(
        MAP_TILE_URL="https://{s}.tiles.example.net/th/{z}/{x}/{y}.png",
        MAP_TILE_ATTRIBUTION="© Example Maps",
    )
    page = other.test_client().get("/opportunities")
    policy = page.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tiles.example.net;" in policy
    assert "openstreetmap" not in policy
    html = page.get_data(as_text=True)
    assert 'content="https://{s}.tiles.example.net/th/{z}/{x}/{y}.png"' in html
    assert 'data-attribution="© Example Maps"' in html
    assert "openstreetmap" not in html


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "https://tiles.example.net/tile.png", ""]
)
def test_a_bad_map_tile_url_stops_the_start_naming_the_setting(make_app, url):
    with pytest.raises(RuntimeError, match="MAP_TILE_URL"):
        make_app(MAP_TILE_URL=url)


def test_production_on_openstreetmap_tiles_is_warned_about(caplog):
    with caplog.at_level("WARNING", logger="marketplace"):
        create_app(
            ProductionConfig,
            {"SQLALCHEMY_DATABASE_URI": "sqlite://", **factories.PRODUCTION_SETTINGS},
        )
    assert any("MAP_TILE_URL" in record.getMessage() for record in caplog.records)
    caplog.clear()
    with caplog.at_level("WARNING", logger="marketplace"):
        create_app(
            ProductionConfig,
            {
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "MAP_TILE_URL": "https://tiles.example.net/{z}/{x}/{y}.png",
                **factories.PRODUCTION_SETTINGS,
            },
        )
    assert not any("MAP_TILE_URL" in r.getMessage() for r in caplog.records)
