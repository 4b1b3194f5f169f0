"""The application shell: configuration, home page, errors, health."""

import os
import re
import stat
from datetime import timedelta

import pytest
import sqlalchemy as sa

import marketplace
from marketplace import create_app
from marketplace.config import DevelopmentConfig, ProductionConfig, TestingConfig
from marketplace.extensions import db
from marketplace.models import EmailOutbox, Role, utcnow
from tests import factories


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_has_no_debug_and_secure_cookies():
    app = create_app(ProductionConfig, factories.PRODUCTION_SETTINGS)
    assert not app.debug and not app.testing
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]


def production(**settings) -> dict:
    """Settings a production app starts with, changed by `settings`."""
    return {**factories.PRODUCTION_SETTINGS, **settings}


@pytest.mark.parametrize("value", [None, "", "  "])
def test_production_refuses_to_start_without_public_url(value):
    with pytest.raises(RuntimeError, match="PUBLIC_URL is not set"):
        create_app(ProductionConfig, production(PUBLIC_URL=value))


@pytest.mark.parametrize(
    "value",
    [
        "expo.example.org",
        "ftp://expo.example.org",
        "https://",
        "javascript:alert(1)",
        "https://expo.example.org/?next=x",
        "https://user:pw@expo.example.org",
    ],
)
def test_public_url_must_be_a_plain_http_address(value):
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app(ProductionConfig, production(PUBLIC_URL=value))
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app(TestingConfig, {"PUBLIC_URL": value})


def test_production_trusts_only_the_public_host_and_the_extra_ones():
    app = create_app(
        ProductionConfig,
        production(
            PUBLIC_URL="https://expo.example.org:8443/",
            EXTRA_TRUSTED_HOSTS=["10.0.0.5"],
        ),
    )
    assert app.config["PUBLIC_URL"] == "https://expo.example.org:8443"
    assert app.config["TRUSTED_HOSTS"] == ["expo.example.org", "10.0.0.5"]
    client = app.test_client()
    for host, status in [
        ("expo.example.org", 200),
        ("expo.example.org:8443", 200),
        ("10.0.0.5:8000", 200),  # a load balancer's health check
        ("attacker.example", 400),
        ("expo.example.org.attacker.example", 400),
        ("localhost", 400),
    ]:
        response = client.get("/login", headers={"Host": host})
        assert response.status_code == status, host
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    refused = client.get("/api/v1/causes", headers={"Host": "attacker.example"})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "bad_request"


def test_forgot_password_with_a_foreign_host_is_refused_in_production(app, make_app):
    user = factories.make_user(email="somchai@example.org")
    db.session.commit()
    production_app = make_app(ProductionConfig, **factories.PRODUCTION_SETTINGS)
    client = production_app.test_client()
    site = "https://expo.example.org"
    page = client.get("/forgot-password", base_url=site).get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    form = {"email": user.email, "csrf_token": token.group(1)}

    response = client.post(
        "/forgot-password",
        data=form,
        base_url=site,
        headers={"Host": "attacker.example", "Referer": f"{site}/forgot-password"},
        csrf=False,
    )
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "เว็บไซต์นี้ไม่ได้ให้บริการที่ที่อยู่นี้"
    assert db.session.scalars(sa.select(EmailOutbox)).all() == []

    # The same form sent to the real host is taken, and its link is ours.
    response = client.post(
        "/forgot-password",
        data=form,
        base_url=site,
        headers={"Referer": f"{site}/forgot-password"},  # HTTPS: CSRF checks it
        csrf=False,
    )
    assert response.status_code == 302
    (email,) = db.session.scalars(sa.select(EmailOutbox)).all()
    assert f"{site}/reset-password/" in email.body
    assert "attacker" not in email.body


@pytest.mark.parametrize("uri", ["memory://", "memory://?x=1"])
def test_production_refuses_per_worker_rate_limits(uri):
    settings = production(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=uri)
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        create_app(ProductionConfig, settings)


def test_production_starts_with_shared_or_disabled_rate_limits():
    shared = production(
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0"
    )
    assert create_app(ProductionConfig, shared).config["RATELIMIT_ENABLED"]
    off = production(RATELIMIT_ENABLED=False, RATELIMIT_STORAGE_URI="memory://")
    assert not create_app(ProductionConfig, off).config["RATELIMIT_ENABLED"]


def test_development_keeps_per_worker_rate_limits():
    assert DevelopmentConfig.RATELIMIT_STORAGE_URI.startswith("memory://") or (
        "RATELIMIT_STORAGE_URI" in os.environ
    )
    app = create_app(
        DevelopmentConfig,
        {"SECRET_KEY": "x" * 32, "RATELIMIT_STORAGE_URI": "memory://"},
    )
    assert app.config["RATELIMIT_ENABLED"]


@pytest.mark.parametrize(
    ("memory", "passes"), [(19455, 2), (47103, 1), (65536, 0), (8, 10), (7167, 9)]
)
def test_production_refuses_password_hashing_below_owasp(memory, passes):
    settings = production(ARGON2_MEMORY_COST=memory, ARGON2_TIME_COST=passes)
    with pytest.raises(RuntimeError, match="below OWASP's minimum"):
        create_app(ProductionConfig, settings)


@pytest.mark.parametrize(("memory", "passes"), [(19456, 2), (47104, 1), (65536, 3)])
def test_production_hashes_passwords_at_owasp_strength_or_more(memory, passes):
    settings = production(ARGON2_MEMORY_COST=memory, ARGON2_TIME_COST=passes)
    hasher = create_app(ProductionConfig, settings).extensions["password_hasher"]
    assert (hasher.memory_cost, hasher.time_cost) == (memory, passes)
    assert ProductionConfig.ARGON2_MEMORY_COST == 19456  # OWASP's recommendation
    assert (ProductionConfig.ARGON2_TIME_COST, ProductionConfig.ARGON2_PARALLELISM) == (
        2,
        1,
    )


def test_production_refuses_to_start_without_the_thai_catalogue(tmp_path):
    settings = production(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path))
    with pytest.raises(RuntimeError, match="pybabel compile"):
        create_app(ProductionConfig, settings)
    # The shipped catalogue (compiled on install) lets it start.
    create_app(ProductionConfig, production())


def test_development_makes_a_random_key_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.setattr(marketplace, "INSTANCE_DIR", tmp_path / "instance")
    monkeypatch.setattr(DevelopmentConfig, "SECRET_KEY", None)
    first = create_app(DevelopmentConfig).config["SECRET_KEY"]
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 48 and first != "dev-only-not-secret"
    assert create_app(DevelopmentConfig).config["SECRET_KEY"] == first
    key_file.write_text("")
    with pytest.raises(RuntimeError, match="secret_key is empty"):
        create_app(DevelopmentConfig)
    # Another checkout (another instance folder) gets another key.
    monkeypatch.setattr(marketplace, "INSTANCE_DIR", tmp_path / "other")
    assert create_app(DevelopmentConfig).config["SECRET_KEY"] != first


def test_development_uses_secret_key_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setattr(marketplace, "INSTANCE_DIR", tmp_path)
    monkeypatch.setattr(DevelopmentConfig, "SECRET_KEY", "from-the-environment")
    assert create_app(DevelopmentConfig).config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_home_page_presents_the_expo_in_thai(client):
    organizer = factories.make_user(Role.ORGANIZER)
    organization = factories.make_organization(members=[organizer])
    factories.make_opportunity(organization, title="ช่วยงานบูธนิทรรศการ", is_expo=True)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="th">' in page
    assert "เซ็นทรัลเวิลด์" in page
    assert "มิถุนายน" in page
    assert "ช่วยงานบูธนิทรรศการ" in page
    assert organization.name_th in page
    assert "การศึกษา" in page  # the education cause, in Thai


def test_home_page_in_english(client):
    client.post("/language", data={"locale": "en", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "CentralWorld" in page and "June" in page


def test_home_page_empty_state_says_what_to_do(client):
    page = client.get("/").get_data(as_text=True)
    assert 'class="empty-state' in page


def test_navigation_shows_what_the_role_can_do(client, auth):
    factories.make_user(Role.VOLUNTEER, email="v@example.org")
    factories.make_user(Role.ORGANIZER, email="o@example.org")
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    db.session.commit()
    expected = {
        "v@example.org": (set(), {"/organizations/mine", "/staff/"}),
        "o@example.org": ({"/organizations/mine"}, {"/staff/"}),
        "s@example.org": ({"/staff/"}, set()),
    }
    for email, (shown, hidden) in expected.items():
        auth.login(email)
        page = client.get("/").get_data(as_text=True)
        assert all(f'href="{link}"' in page for link in shown), email
        assert not any(f'href="{link}"' in page for link in hidden), email
        auth.logout()


@pytest.mark.parametrize(
    ("locale", "text"), [("th", "ไม่พบหน้านี้"), ("en", "Page not found")]
)
def test_404_page_in_both_languages(client, locale, text):
    client.post("/language", data={"locale": locale})
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


@pytest.mark.parametrize(("locale", "text"), [("th", "สิทธิ์"), ("en", "access")])
def test_403_page_in_both_languages(client, auth, locale, text):
    factories.make_user(email="v@example.org")
    db.session.commit()
    auth.login("v@example.org")
    client.post("/language", data={"locale": locale})
    response = client.get("/staff/")
    assert response.status_code == 403
    assert text in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("locale", "text"), [("th", "เกิดข้อผิดพลาด"), ("en", "Something went wrong")]
)
def test_500_page_in_both_languages(app, client, locale, text):
    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/broken", view_func=broken)
    client.post("/language", data={"locale": locale})
    response = client.get("/broken")
    assert response.status_code == 500
    assert text in response.get_data(as_text=True)


def test_api_errors_are_never_html(app, api):
    def broken():
        raise RuntimeError("a bug")

    app.add_url_rule("/api/v1/broken", view_func=broken)
    response = api.get("/api/v1/broken")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"


def test_opportunity_pages(client):
    organization = factories.make_organization()
    opportunity = factories.make_opportunity(organization, shifts=2)
    past = factories.make_opportunity(organization, starts=utcnow() - timedelta(days=3))
    db.session.commit()
    assert opportunity.title in client.get("/opportunities").get_data(as_text=True)
    page = client.get(f"/opportunities/{opportunity.id}")
    assert page.status_code == 200
    assert client.get(f"/opportunities/{past.id}").status_code == 404
    assert client.get(f"/organizations/{organization.id}").status_code == 200


def test_pending_organisation_is_hidden_from_the_public(client, auth):
    member = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[member], status="pending")
    factories.make_user(Role.ORGANIZER, email="other@example.org")
    db.session.commit()
    url = f"/organizations/{organization.id}"
    assert client.get(url).status_code == 404
    auth.login("other@example.org")
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login("o@example.org")
    assert client.get(url).status_code == 200


def test_pages_have_a_favicon(client):
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in page
    assert client.get("/static/favicon.svg").status_code == 200
