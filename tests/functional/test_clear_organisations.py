"""What newcomers found unclear as a partner organisation (issue 11, "Clear")."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.expo import EXPO_LAT, EXPO_LON
from marketplace.extensions import db
from marketplace.models import Opportunity, Role, utcnow
from tests import factories


@pytest.fixture
def organizer(auth):
    user = factories.make_user(Role.ORGANIZER, email="o@example.org", name="ผู้ประสานงาน")
    db.session.commit()
    auth.login("o@example.org")
    return user


def _post_opportunity(client, organization, **fields):
    day = (utcnow() + timedelta(days=9)).date().isoformat()
    data = {
        "title": "ต้อนรับผู้เข้างาน",
        "causes": ["community"],
        "approval_mode": "review",
        "shifts-0-day": day,
        "shifts-0-start": "09:00",
        "shifts-0-end": "12:00",
        "shifts-0-capacity": "4",
        "action": "draft",
        **fields,
    }
    return client.post(f"/organizations/{organization.id}/opportunities/new", data=data)


def test_held_at_the_expo_fills_the_expo_place(client, organizer):
    organization = factories.make_organization(members=[organizer])
    form = client.get(f"/organizations/{organization.id}/opportunities/new")
    page = form.get_data(as_text=True)
    assert f'data-expo-lat="{EXPO_LAT}"' in page  # the browser fills the place
    response = _post_opportunity(client, organization, is_expo="y")
    assert response.status_code == 302, response.get_data(as_text=True)
    opportunity = db.session.scalar(sa.select(Opportunity))
    assert (opportunity.lat, opportunity.lon) == (EXPO_LAT, EXPO_LON)
    assert "เซ็นทรัลเวิลด์" in opportunity.location_label


def test_a_place_given_wins_over_the_expo_place(client, organizer):
    organization = factories.make_organization(members=[organizer])
    response = _post_opportunity(client, organization, is_expo="y", place="เชียงใหม่")
    assert response.status_code == 302
    opportunity = db.session.scalar(sa.select(Opportunity))
    assert opportunity.lat != EXPO_LAT


def test_a_shift_may_cross_midnight(client, organizer):
    organization = factories.make_organization(members=[organizer])
    response = _post_opportunity(
        client,
        organization,
        remote="y",
        **{"shifts-0-start": "22:00", "shifts-0-end": "02:00"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    opportunity = db.session.scalar(sa.select(Opportunity))
    shift = opportunity.shifts[0]
    assert shift.ends_at - shift.starts_at == timedelta(hours=4)
    manage = client.get(f"/manage/opportunities/{opportunity.id}/applicants")
    assert "02:00 (วันถัดไป)" in manage.get_data(as_text=True)
    # Saving the form again keeps the shift as it is.
    edit = client.get(f"/manage/opportunities/{opportunity.id}/edit")
    assert 'value="22:00"' in edit.get_data(as_text=True)


def test_a_shift_ending_when_it_starts_is_still_refused(client, organizer):
    organization = factories.make_organization(members=[organizer])
    response = _post_opportunity(
        client,
        organization,
        remote="y",
        **{"shifts-0-start": "10:00", "shifts-0-end": "10:00"},
    )
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Opportunity.id))) == 0


@pytest.mark.parametrize("capacity", ["0", "-1"])
def test_capacity_below_one_is_explained_by_the_field(client, organizer, capacity):
    organization = factories.make_organization(members=[organizer])
    response = _post_opportunity(
        client, organization, remote="y", **{"shifts-0-capacity": capacity}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="shifts-0-capacity-errors"' in page
    assert "อย่างน้อย 1" in page
    assert db.session.scalar(sa.select(sa.func.count(Opportunity.id))) == 0


@pytest.mark.parametrize("capacity", ["0", "-1"])
def test_expo_capacity_below_one_is_explained(client, organizer, capacity):
    organization = factories.make_organization(members=[organizer])
    response = _post_opportunity(
        client,
        organization,
        remote="y",
        expo_morning="y",
        expo_capacity=capacity,
    )
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Opportunity.id))) == 0
