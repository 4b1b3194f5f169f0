"""Minors: date of birth, a guardian's consent, and opportunities' minimum age."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.i18n import to_bangkok
from marketplace.models import (
    Application,
    ApplicationStatus,
    Opportunity,
    Role,
    User,
    utcnow,
)
from marketplace.privacy.minors import age_on
from tests import factories
from tests.functional.test_api_accounts import bearer, login_token


def years_ago(years: int, days: int = 0) -> date:
    """A date of birth that makes someone `years` old today (Bangkok), minus days."""
    today = to_bangkok(utcnow()).date()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    return born + timedelta(days=days)


@pytest.fixture
def setting():
    volunteer = factories.make_user(email="v@example.org", locale="en")
    member = factories.make_user(Role.ORGANIZER, email="m@example.org")
    organization = factories.make_organization(members=[member])
    opportunity = factories.make_opportunity(organization)
    db.session.commit()
    return {
        "volunteer": volunteer,
        "organization": organization,
        "opportunity": opportunity,
        "shift": opportunity.shifts[0],
    }


def set_profile(user_id: int, **values) -> None:
    profile = db.session.get(User, user_id).profile
    for name, value in values.items():
        setattr(profile, name, value)
    db.session.commit()


def applications() -> int:
    return db.session.scalar(sa.select(sa.func.count(Application.id)))


def test_age_counts_whole_years():
    assert age_on(date(2010, 6, 10), date(2028, 6, 9)) == 17
    assert age_on(date(2010, 6, 10), date(2028, 6, 10)) == 18
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_profile_form_records_birth_date_and_guardian_consent(client, auth, setting):
    auth.login("v@example.org")
    page = client.get("/me/profile").get_data(as_text=True)
    assert 'name="date_of_birth"' in page and 'name="guardian_consent"' in page
    form = {
        "max_distance_km": "15",
        "date_of_birth": years_ago(15).isoformat(),
        "guardian_name": "แม่ สมศรี",
        "guardian_contact": "0899999999",
        "guardian_consent": "y",
    }
    assert client.post("/me/profile", data=form).status_code == 302
    profile = db.session.get(User, setting["volunteer"].id).profile
    assert profile.date_of_birth == years_ago(15)
    assert profile.guardian_name == "แม่ สมศรี"
    consented_at = profile.guardian_consent_at
    assert consented_at is not None
    page = client.get("/me/profile").get_data(as_text=True)
    assert 'data-testid="guardian-consent-at"' in page
    # Saving again keeps the time of the consent; unticking it clears it.
    client.post("/me/profile", data=form)
    db.session.expire_all()
    assert db.session.get(
        User, setting["volunteer"].id
    ).profile.guardian_consent_at == (consented_at)
    client.post("/me/profile", data={**form, "guardian_consent": ""})
    db.session.expire_all()
    assert (
        db.session.get(User, setting["volunteer"].id).profile.guardian_consent_at
        is None
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"guardian_name": "", "guardian_consent": "y"}, "guardian_consent"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
    ],
)
def test_bad_age_input_is_explained(client, auth, setting, changes, field):
    auth.login("v@example.org")
    form = {
        "max_distance_km": "15",
        "date_of_birth": years_ago(15).isoformat(),
        "guardian_name": "แม่",
        "guardian_contact": "0899999999",
        **changes,
    }
    response = client.post("/me/profile", data=form)
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, setting["volunteer"].id).profile.date_of_birth is None


def test_a_minor_without_guardian_consent_cannot_apply_on_the_web(
    client, auth, setting
):
    set_profile(setting["volunteer"].id, date_of_birth=years_ago(16))
    auth.login("v@example.org")
    response = client.post(
        f"/shifts/{setting['shift'].id}/apply", data={}, follow_redirects=True
    )
    assert "guardian" in response.get_data(as_text=True)
    assert applications() == 0
    set_profile(
        setting["volunteer"].id,
        guardian_name="พ่อ",
        guardian_contact="0811111111",
        guardian_consent_at=utcnow(),
    )
    client.post(f"/shifts/{setting['shift'].id}/apply", data={})
    assert applications() == 1


def test_the_api_refuses_with_clear_codes(api, setting):
    opportunity = db.session.get(Opportunity, setting["opportunity"].id)
    opportunity.min_age = 16
    db.session.commit()
    url = f"/api/v1/shifts/{setting['shift'].id}/applications"
    headers = bearer(login_token(api, "v@example.org"))

    response = api.post(url, json={}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "date_of_birth_required"

    set_profile(setting["volunteer"].id, date_of_birth=years_ago(16, days=30))
    response = api.post(url, json={}, headers=headers)
    assert response.get_json()["error"]["code"] == "below_minimum_age"

    set_profile(setting["volunteer"].id, date_of_birth=years_ago(16))
    response = api.post(url, json={}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "guardian_consent_required"
    assert applications() == 0

    set_profile(setting["volunteer"].id, date_of_birth=years_ago(18))
    assert api.post(url, json={}, headers=headers).status_code == 201


def test_adults_and_unknown_ages_apply_without_an_age_limit(api, setting):
    url = f"/api/v1/shifts/{setting['shift'].id}/applications"
    headers = bearer(login_token(api, "v@example.org"))
    assert api.post(url, json={}, headers=headers).status_code == 201


def test_accepting_an_invitation_follows_the_same_rule(client, auth, setting):
    set_profile(setting["volunteer"].id, date_of_birth=years_ago(14))
    invitation = Application(
        shift_id=setting["shift"].id,
        volunteer_id=setting["volunteer"].id,
        status=ApplicationStatus.INVITED,
    )
    db.session.add(invitation)
    db.session.commit()
    auth.login("v@example.org")
    client.post(f"/me/applications/{invitation.id}/accept-invitation")
    db.session.expire_all()
    assert db.session.get(Application, invitation.id).status is (
        ApplicationStatus.INVITED
    )


def test_opportunity_form_sets_and_clears_a_minimum_age(client, auth, setting):
    auth.login("m@example.org")
    opportunity = setting["opportunity"]
    url = f"/manage/opportunities/{opportunity.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'name="min_age"' in page
    shift = opportunity.shifts[0]
    start = to_bangkok(shift.starts_at)
    form = {
        "title": opportunity.title,
        "description": opportunity.description,
        "causes": ["education"],
        "skills": ["teaching"],
        "approval_mode": "first_come",
        "remote": "y",
        "min_age": "15",
        "shifts-0-id": str(shift.id),
        "shifts-0-day": start.date().isoformat(),
        "shifts-0-start": start.strftime("%H:%M"),
        "shifts-0-end": to_bangkok(shift.ends_at).strftime("%H:%M"),
        "shifts-0-capacity": str(shift.capacity),
    }
    response = client.post(url, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Opportunity, opportunity.id).min_age == 15
    assert 'value="15"' in client.get(url).get_data(as_text=True)
    client.post(url, data={**form, "min_age": ""})
    db.session.expire_all()
    assert db.session.get(Opportunity, opportunity.id).min_age is None
    bad = client.post(url, data={**form, "min_age": "150"})
    assert bad.status_code == 200 and "is-invalid" in bad.get_data(as_text=True)


def test_the_opportunity_page_and_api_show_the_minimum_age(client, setting):
    opportunity = db.session.get(Opportunity, setting["opportunity"].id)
    assert 'data-testid="min-age"' not in client.get(
        f"/opportunities/{opportunity.id}"
    ).get_data(as_text=True)
    opportunity.min_age = 16
    db.session.commit()
    page = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert 'data-testid="min-age"' in page and "16" in page
    item = client.get(f"/api/v1/opportunities/{opportunity.id}").get_json()
    assert item["min_age"] == 16
