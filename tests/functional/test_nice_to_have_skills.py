"""Skills an opportunity requires vs. would like (issue 11, bug 5).

Required skills filter; nice-to-have skills only raise the score. The API's
`skills` stays the required ones (the contract), `nice_to_have_skills` the others.
"""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.auth.services import record_consents
from marketplace.extensions import db
from marketplace.models import (
    AvailabilityWindow,
    ConsentPurpose,
    Opportunity,
    Role,
    Skill,
    utcnow,
)
from marketplace.models.taxonomy import opportunity_skill
from tests import factories
from tests.functional.test_api_accounts import bearer, login_token
from tests.functional.test_api_organizations import opportunity_body
from tests.functional.test_recommendations import next_weekday, recommended


def skills(*slugs: str) -> list[Skill]:
    return list(db.session.scalars(sa.select(Skill).where(Skill.slug.in_(slugs))))


def make_teacher(email: str, *slugs: str):
    """A consenting volunteer free on Saturdays near CentralWorld."""
    volunteer = factories.make_user(email=email)
    profile = volunteer.profile
    profile.skills = skills(*slugs)
    profile.lat, profile.lon, profile.max_distance_km = 13.7466, 100.5393, 15
    profile.availability = [
        AvailabilityWindow(weekday=5, start_minute=540, end_minute=1020)
    ]
    record_consents(volunteer, {ConsentPurpose.MATCHING: True}, "test")
    return volunteer


@pytest.fixture
def world(api):
    """Two teachers (one also does first aid), an organisation and its member."""
    plain = make_teacher("plain@example.org", "teaching")
    medic = make_teacher("medic@example.org", "teaching", "first-aid")
    member = factories.make_user(Role.ORGANIZER, email="m@example.org")
    organization = factories.make_organization(members=[member])
    db.session.commit()
    return {
        "organization": organization,
        "plain": plain,
        "medic": medic,
        "member": bearer(login_token(api, "m@example.org")),
    }


def test_a_missing_nice_to_have_skill_ranks_lower_but_does_not_filter(api, world):
    organization = world["organization"]
    saturday = next_weekday(5, 10)
    camp = factories.make_opportunity(
        organization,
        title="ค่ายอ่านหนังสือ",
        skills=("teaching",),
        nice_to_have=("first-aid",),
        starts=saturday,
    )
    factories.make_opportunity(
        organization,
        title="ต้องปฐมพยาบาล",
        skills=("teaching", "first-aid"),
        starts=saturday,
    )
    db.session.commit()
    plain = bearer(login_token(api, "plain@example.org"))
    items = recommended(api, plain)
    # The required first aid filters; the nice-to-have one does not.
    assert [item["opportunity"]["title"] for item in items] == ["ค่ายอ่านหนังสือ"]
    assert items[0]["opportunity"]["skills"] == ["teaching"]
    assert items[0]["opportunity"]["nice_to_have_skills"] == ["first-aid"]
    assert items[0]["components"]["skills"] == pytest.approx(0.5)
    assert "คุณมีทักษะที่ต้องการ 1 จาก 2 อย่าง" in items[0]["reasons"]
    medic = bearer(login_token(api, "medic@example.org"))
    held = {item["opportunity"]["title"]: item for item in recommended(api, medic)}
    assert set(held) == {"ค่ายอ่านหนังสือ", "ต้องปฐมพยาบาล"}
    assert held["ค่ายอ่านหนังสือ"]["components"]["skills"] == 1.0
    assert held["ค่ายอ่านหนังสือ"]["score"] > items[0]["score"]
    # Seen from the shift: both teachers are suggested, the one with first aid first.
    url = f"/api/v1/shifts/{camp.shifts[0].id}/suggested-volunteers"
    suggested = api.get(url, headers=world["member"]).get_json()["items"]
    assert [item["volunteer"]["id"] for item in suggested] == [
        world["medic"].id,
        world["plain"].id,
    ]
    assert suggested[0]["score"] > suggested[1]["score"]


def test_the_api_round_trips_nice_to_have_skills(api, world):
    organization = world["organization"]
    body = opportunity_body(
        organization.id,
        skills=["teaching"],
        nice_to_have_skills=["first-aid", "teaching", "photography"],
    )
    created = api.post("/api/v1/opportunities", json=body, headers=world["member"])
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    # `skills` stays the required ones; one given as both is required.
    assert item["skills"] == ["teaching"]
    assert sorted(item["nice_to_have_skills"]) == ["first-aid", "photography"]
    url = f"/api/v1/opportunities/{item['id']}"
    assert (
        api.get(url).get_json()["nice_to_have_skills"] == (item["nice_to_have_skills"])
    )
    # PATCH one list: the other stays as it was.
    patched = api.patch(
        url, json={"nice_to_have_skills": ["cooking"]}, headers=world["member"]
    )
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["skills"] == ["teaching"]
    assert patched.get_json()["nice_to_have_skills"] == ["cooking"]
    # Making a nice-to-have skill required moves it.
    patched = api.patch(url, json={"skills": ["cooking"]}, headers=world["member"])
    assert patched.get_json()["skills"] == ["cooking"]
    assert patched.get_json()["nice_to_have_skills"] == []
    flags = dict(
        db.session.execute(
            sa.select(Skill.slug, opportunity_skill.c.required)
            .join(opportunity_skill, opportunity_skill.c.skill_id == Skill.id)
            .where(opportunity_skill.c.opportunity_id == item["id"])
        ).all()
    )
    assert flags == {"cooking": True}
    unknown = api.patch(
        url, json={"nice_to_have_skills": ["no-such-skill"]}, headers=world["member"]
    )
    assert unknown.status_code == 422
    assert "nice_to_have_skills" in unknown.get_json()["error"]["fields"]
    listed = api.get("/api/v1/opportunities").get_json()["items"]
    assert listed[0]["skills"] == ["cooking"]
    assert listed[0]["nice_to_have_skills"] == []
    spec = api.get("/api/openapi.json").get_json()
    assert "nice_to_have_skills" in str(spec["components"]["schemas"])


def test_the_form_saves_the_flags_and_the_page_shows_both(client, auth, world):
    organization = world["organization"]
    auth.login("m@example.org")
    new = client.get(f"/organizations/{organization.id}/opportunities/new")
    page = new.get_data(as_text=True)
    assert 'name="nice_to_have_skills"' in page and 'name="skills"' in page
    day = (utcnow() + timedelta(days=9)).date().isoformat()
    response = client.post(
        f"/organizations/{organization.id}/opportunities/new",
        data={
            "title": "ค่ายศิลปะ",
            "description": "วาดภาพกับน้อง ๆ",
            "causes": ["education"],
            "skills": ["teaching"],
            "nice_to_have_skills": ["photography", "first-aid"],
            "languages": ["th"],
            "place": "เซ็นทรัลเวิลด์",
            "approval_mode": "first_come",
            "shifts-0-day": day,
            "shifts-0-start": "09:00",
            "shifts-0-end": "12:00",
            "shifts-0-capacity": "4",
            "action": "publish",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    opportunity = db.session.scalar(sa.select(Opportunity))
    assert [s.slug for s in opportunity.required_skills] == ["teaching"]
    assert {s.slug for s in opportunity.nice_to_have_skills} == {
        "photography",
        "first-aid",
    }
    edit = client.get(f"/manage/opportunities/{opportunity.id}/edit")
    html = edit.get_data(as_text=True)
    # The edit form ticks each skill in its own list.
    assert _ticked(html, "nice_to_have_skills", "photography")
    assert _ticked(html, "skills", "teaching")
    assert not _ticked(html, "skills", "photography")
    shown = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert 'class="list-unstyled skills-needed"' in shown
    assert 'class="list-unstyled skills-nice"' in shown


def _ticked(html: str, name: str, value: str) -> bool:
    """Whether the checkbox `name`=`value` is ticked in the page."""
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return "checked" in tag
    return False


def reasons_on_home(client) -> list[str]:
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="recommended"' not in html
    assert "Complete your profile" not in html
    return re.findall(r'data-reason="([a-z_]+)"', html)


def test_the_empty_home_page_says_what_to_change(client, auth, world):
    organization = world["organization"]
    saturday = next_weekday(5, 10)
    auth.login("plain@example.org")
    assert reasons_on_home(client) == ["nothing_fits"]  # nothing is open at all
    # Sundays only: the volunteer is free on Saturdays.
    sunday = factories.make_opportunity(
        organization, title="วันอาทิตย์", starts=next_weekday(6, 10)
    )
    db.session.commit()
    assert reasons_on_home(client) == ["availability"]
    # Saturday, but in Chiang Mai: beyond the 15 km the volunteer travels.
    db.session.delete(sunday)
    far = factories.make_opportunity(organization, title="เชียงใหม่", starts=saturday)
    far.lat, far.lon = 18.7883, 98.9853
    db.session.commit()
    assert reasons_on_home(client) == ["distance"]
    # Saturday, near, but cooking is required.
    db.session.delete(far)
    factories.make_opportunity(
        organization, title="ครัว", skills=("cooking",), starts=saturday
    )
    db.session.commit()
    assert reasons_on_home(client) == ["skills"]
    # No weekly times at all.
    profile = world["plain"].profile
    profile.availability = []
    db.session.commit()
    assert reasons_on_home(client) == ["no_windows"]
    auth.logout()
    # In English too.
    auth.login("medic@example.org")
    client.post("/language", data={"locale": "en"})
    html = client.get("/").get_data(as_text=True)
    assert "require skills you have not listed. Add the skills you have." in html
    client.post("/language", data={"locale": "th"})
    html = client.get("/").get_data(as_text=True)
    assert "ต้องใช้ทักษะที่คุณยังไม่ได้ระบุ" in html
