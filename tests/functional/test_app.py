"""The application shell: configuration, home page, errors, health."""

from datetime import timedelta

import pytest

from marketplace import create_app
from marketplace.config import ProductionConfig
from marketplace.extensions import db
from marketplace.models import Role, utcnow
from tests import factories


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_has_no_debug_and_secure_cookies(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 32)
    app = create_app(ProductionConfig)
    assert not app.debug and not app.testing
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]


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
