"""CSRF on the API: any cookie that logs a browser in needs the token (finding 3).

A cross-site form can make a browser send its cookies, so an unsafe API call
authenticated by the session cookie or by the "keep me logged in" cookie alone
must carry the CSRF token; a bearer-token call needs none.
"""

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Application, OrganizationStatus, Role
from tests import factories
from tests.functional.test_api_accounts import bearer, error_of, login_token


@pytest.fixture
def shift_id():
    organization = factories.make_organization(
        members=[factories.make_user(Role.ORGANIZER)]
    )
    opportunity = factories.make_opportunity(organization)
    return opportunity.shifts[0].id


def remembered_browser(app, email: str):
    """A browser that kept only the remember cookie (the session cookie is gone)."""
    first = app.test_client()
    response = first.post(
        "/login",
        data={"email": email, "password": factories.PASSWORD, "remember": "y"},
    )
    assert response.status_code == 302
    remember = first.get_cookie("remember_token")
    assert remember is not None
    browser = app.test_client()
    browser.set_cookie("remember_token", remember.value)
    assert browser.get_cookie("session") is None
    return browser


def applications() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Application))


def test_remember_cookie_alone_cannot_apply_cross_site(app, shift_id):
    factories.make_user(email="v@example.org")
    db.session.commit()
    browser = remembered_browser(app, "v@example.org")
    forged = browser.post(f"/api/v1/shifts/{shift_id}/applications", csrf=False)
    assert forged.status_code == 400
    assert error_of(forged)["code"] == "csrf_failed"
    assert applications() == 0
    # The same browser, sending the token a page of ours gave it, may apply.
    done = browser.post(f"/api/v1/shifts/{shift_id}/applications", json={})
    assert done.status_code == 201, done.get_json()
    assert applications() == 1


def test_remember_cookie_alone_cannot_verify_an_organization(app):
    factories.make_user(Role.ORGANIZER, email="staff@example.org", is_staff=True)
    organization = factories.make_organization(status=OrganizationStatus.PENDING)
    db.session.commit()
    browser = remembered_browser(app, "staff@example.org")
    url = f"/api/v1/organizations/{organization.id}/verify"
    forged = browser.post(url, csrf=False)
    assert forged.status_code == 400
    assert error_of(forged)["code"] == "csrf_failed"
    db.session.refresh(organization)
    assert organization.status is OrganizationStatus.PENDING
    assert browser.post(url).status_code == 200
    db.session.refresh(organization)
    assert organization.status is OrganizationStatus.VERIFIED


def test_session_cookie_calls_need_csrf_too(client, auth, shift_id):
    factories.make_user(email="v@example.org")
    db.session.commit()
    auth.login("v@example.org")
    forged = client.post(f"/api/v1/shifts/{shift_id}/applications", csrf=False)
    assert forged.status_code == 400
    assert error_of(forged)["code"] == "csrf_failed"
    assert applications() == 0


def test_bearer_calls_need_no_csrf_token(api, shift_id):
    factories.make_user(email="v@example.org")
    db.session.commit()
    token = login_token(api, "v@example.org")
    done = api.post(
        f"/api/v1/shifts/{shift_id}/applications", json={}, headers=bearer(token)
    )
    assert done.status_code == 201
