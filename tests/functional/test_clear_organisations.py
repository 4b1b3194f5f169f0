"""What newcomers found unclear as a partner organisation (issue 11, "Clear")."""

import html
import re
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.applications import services as workflow
from marketplace.expo import EXPO_LAT, EXPO_LON
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    Opportunity,
    Organization,
    OrganizationStatus,
    Role,
    User,
    utcnow,
)
from tests import factories
from tests.servers import gunicorn_server


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
    assert 'id="shifts-0-capacity-error"' in page
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


@pytest.fixture
def staff(auth):
    user = factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    db.session.commit()
    return user


def test_a_rejected_organisation_fixes_its_details_and_resubmits(
    client, auth, organizer, staff
):
    organization = factories.make_organization(
        members=[organizer], status=OrganizationStatus.REJECTED, name="มูลนิธิแก้ไข"
    )
    organization.rejection_reason = "ไม่มีเว็บไซต์"
    db.session.commit()
    dashboard = client.get(f"/organizations/{organization.id}/dashboard")
    assert 'data-testid="resubmit"' in dashboard.get_data(as_text=True)
    edit = client.get(f"/organizations/{organization.id}/edit").get_data(as_text=True)
    assert "ไม่มีเว็บไซต์" in edit
    response = client.post(
        f"/organizations/{organization.id}/edit",
        data={"name_th": "มูลนิธิแก้ไข", "website": "https://example.org/fixed"},
        follow_redirects=True,
    )
    assert "มูลนิธิแก้ไข" in response.get_data(as_text=True)
    db.session.expire_all()
    organization = db.session.get(Organization, organization.id)
    assert organization.status is OrganizationStatus.PENDING
    assert organization.website == "https://example.org/fixed"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "organization.resubmitted")
    )
    assert event is not None and event.actor_id == organizer.id
    # The staff see it in the pending tab again, with the earlier reason.
    auth.logout()
    auth.login("s@example.org")
    queue = client.get("/staff/organizations").get_data(as_text=True)
    assert f'data-testid="verify-{organization.id}"' in queue
    assert f'data-testid="resubmitted-{organization.id}"' in queue
    log = client.get("/staff/audit?action=organization.resubmitted")
    assert 'data-action="organization.resubmitted"' in log.get_data(as_text=True)


def test_saving_a_verified_organisation_keeps_it_verified(client, organizer):
    organization = factories.make_organization(members=[organizer])
    db.session.commit()
    client.post(f"/organizations/{organization.id}/edit", data={"name_th": "ชื่อใหม่"})
    db.session.expire_all()
    organization = db.session.get(Organization, organization.id)
    assert organization.status is OrganizationStatus.VERIFIED
    assert organization.name_th == "ชื่อใหม่"


def test_verification_queue_has_status_tabs_and_a_name_search(client, auth, staff):
    pending = factories.make_organization(
        status=OrganizationStatus.PENDING, name="มูลนิธิรักษ์ป่า"
    )
    other = factories.make_organization(
        status=OrganizationStatus.PENDING, name="ชมรมดนตรี"
    )
    verified = factories.make_organization(name="มูลนิธิรักษ์น้ำ")
    rejected = factories.make_organization(
        status=OrganizationStatus.REJECTED, name="สมาคมทดลอง"
    )
    db.session.commit()
    auth.login("s@example.org")

    def shown(url: str) -> set[int]:
        page = client.get(url).get_data(as_text=True)
        return {
            org.id
            for org in (pending, other, verified, rejected)
            if f'data-testid="org-{org.id}"' in page
        }

    assert shown("/staff/organizations") == {pending.id, other.id}
    assert shown("/staff/organizations?status=verified") == {verified.id}
    assert shown("/staff/organizations?status=rejected") == {rejected.id}
    assert shown("/staff/organizations?status=nonsense") == {pending.id, other.id}
    assert shown("/staff/organizations?q=รักษ์") == {pending.id}
    assert shown("/staff/organizations?status=verified&q=รักษ์") == {verified.id}
    assert shown("/staff/organizations?q=Test+Foundation") == {pending.id, other.id}
    assert shown("/staff/organizations?q=100%25") == set()
    page = client.get("/staff/organizations?q=" + "ก" * 3000)
    assert page.status_code == 200


def test_staff_messages_name_the_organisation(client, auth, staff):
    organization = factories.make_organization(
        status=OrganizationStatus.PENDING, name="มูลนิธิเอ็กซ์"
    )
    db.session.commit()
    auth.login("s@example.org")
    page = client.post(
        f"/staff/organizations/{organization.id}/verify", follow_redirects=True
    ).get_data(as_text=True)
    assert "มูลนิธิเอ็กซ์ ได้รับการยืนยันแล้ว" in page


def _flashed(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _kind, message in session.pop("_flashes", [])]


def _confirm_of(page: str, action: str) -> str:
    """The data-confirm question of the form posting to `action`."""
    match = re.search(rf'action="{re.escape(action)}"[^>]*data-confirm="([^"]+)"', page)
    assert match, f"no confirmation on {action}"
    return html.unescape(match.group(1))


def test_withdrawing_asks_first_and_the_message_names_the_shift(app, client, auth):
    factories.make_user(email="v@example.org", name="อาสา")
    organization = factories.make_organization()
    opportunity = factories.make_opportunity(organization, title="ปลูกป่าชายเลน")
    volunteer = db.session.scalar(sa.select(User).where(User.email == "v@example.org"))
    with app.test_request_context():
        application = workflow.apply_to_shift(volunteer, opportunity.shifts[0].id)
        db.session.commit()
    auth.login("v@example.org")
    action = f"/me/applications/{application.id}/withdraw"
    for url in ("/me/shifts", f"/opportunities/{opportunity.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "ปลูกป่าชายเลน" in _confirm_of(page, action)
    client.post(action)
    [message] = _flashed(client)
    assert "ปลูกป่าชายเลน" in message and "ถอนตัว" in message


def test_closing_an_opportunity_asks_first_and_names_it(client, organizer):
    organization = factories.make_organization(members=[organizer])
    opportunity = factories.make_opportunity(organization, title="ห้องสมุดเคลื่อนที่")
    db.session.commit()
    page = client.get(f"/organizations/{organization.id}/dashboard")
    action = f"/manage/opportunities/{opportunity.id}/close"
    assert "ห้องสมุดเคลื่อนที่" in _confirm_of(page.get_data(as_text=True), action)
    client.post(action)
    assert _flashed(client) == ["ปิดรับ “ห้องสมุดเคลื่อนที่” แล้ว จะไม่มีการสมัครใหม่อีก"]


def test_deciding_on_an_applicant_names_the_volunteer(client, organizer):
    organization = factories.make_organization(members=[organizer])
    application = factories.make_pending_application(organization)
    db.session.commit()
    client.post(f"/manage/applications/{application.id}/accept")
    [message] = _flashed(client)
    assert application.volunteer.display_name in message


def test_closing_an_outcome_round_asks_first_and_names_it(client, auth, staff):
    outcome_round = factories.make_outcome_round(title="รอบสิ่งแวดล้อม")
    outcome = factories.make_outcome(outcome_round)
    db.session.commit()
    auth.login("s@example.org")
    page = client.get(f"/outcomes/rounds/{outcome_round.id}").get_data(as_text=True)
    action = f"/outcomes/rounds/{outcome_round.id}/close"
    assert "รอบสิ่งแวดล้อม" in _confirm_of(page, action)
    client.post(f"/outcomes/{outcome.id}/agree")
    _flashed(client)
    client.post(action)
    [message] = _flashed(client)
    assert "รอบสิ่งแวดล้อม" in message


LONG_QUERY = "ปลูกป่า volunteers " * 158  # 3,002 characters


def test_a_3000_character_search_is_a_message_by_the_field(client):
    response = client.get("/opportunities", query_string={"q": LONG_QUERY})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-testid="error-q"' in page
    assert "3,002" in page or "3002" in page
    assert 'aria-describedby="q-error"' in page


@pytest.mark.slow
def test_gunicorn_lets_a_long_search_through_to_the_app(database_url):
    """gunicorn.conf.py raises limit_request_line: 3,000 characters get the message."""
    query = (
        urllib.parse.urlencode(
            {
                "q": "a" * 3000,
                "cause": "education",
                "starts_after": "2027-06-09",
                "starts_before": "2027-06-11",
                "within_km": "25",
            }
        )
        + "&skill=event-staffing" * 60
    )
    assert 4094 < len(f"GET /opportunities?{query} HTTP/1.1") < 8190
    with gunicorn_server(database_url, workers=1) as base:
        response = urllib.request.urlopen(f"{base}/opportunities?{query}")
        with response:
            assert response.status == 200
            assert 'data-testid="error-q"' in response.read().decode()
