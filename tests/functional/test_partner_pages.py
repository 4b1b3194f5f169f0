"""The organisation's and the staff's journeys through the web pages."""

from datetime import timedelta

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    ApprovalMode,
    Attendance,
    AuditEvent,
    EmailOutbox,
    Notification,
    Opportunity,
    OpportunityStatus,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Role,
    Shift,
    User,
    utcnow,
)
from tests import factories


def test_register_an_organization_and_wait_for_staff(client, organizer):
    response = client.post(
        "/organizations/new",
        data={
            "name_th": "มูลนิธิรักษ์น้ำ",
            "name_en": "Rak Nam Foundation",
            "description": "ดูแลแม่น้ำ",
            "causes": ["environment"],
            "website": "https://example.org/raknam",
            "contact_email": "Contact@Example.org",
        },
    )
    assert response.status_code == 302
    organization = db.session.scalar(sa.select(Organization))
    assert organization.status is OrganizationStatus.PENDING
    assert organization.contact_email == "contact@example.org"
    assert organization.memberships[0].user_id == organizer.id
    dashboard = client.get(f"/organizations/{organization.id}/dashboard")
    assert 'data-testid="publish"' not in dashboard.get_data(as_text=True)
    # A pending organisation may keep drafts but not publish.
    form = client.get(f"/organizations/{organization.id}/opportunities/new")
    assert 'data-testid="publish"' not in form.get_data(as_text=True)


def test_bad_organization_input_is_explained(client, organizer):
    response = client.post(
        "/organizations/new", data={"name_th": "", "website": "not a url"}
    )
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 0


def test_post_opportunity_with_the_expo_days_at_once(client, organizer):
    organization = factories.make_organization(members=[organizer])
    day = (utcnow() + timedelta(days=9)).date().isoformat()
    response = client.post(
        f"/organizations/{organization.id}/opportunities/new",
        data={
            "title": "ต้อนรับผู้เข้างาน",
            "description": "ยืนต้อนรับที่บูธ",
            "causes": ["community"],
            "skills": ["event-staffing"],
            "languages": ["th", "en"],
            "place": "เซ็นทรัลเวิลด์",
            "approval_mode": "first_come",
            "is_expo": "y",
            "shifts-0-day": day,
            "shifts-0-start": "18:00",
            "shifts-0-end": "20:00",
            "shifts-0-capacity": "4",
            "expo_morning": "y",
            "expo_afternoon": "y",
            "expo_capacity": "12",
            "action": "publish",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    opportunity = db.session.scalar(sa.select(Opportunity))
    assert opportunity.status is OpportunityStatus.PUBLISHED
    assert len(opportunity.shifts) == 7
    assert sorted(s.capacity for s in opportunity.shifts) == [4] + [12] * 6
    assert "เซ็นทรัลเวิลด์" in opportunity.location_label


def test_bad_shifts_are_explained_and_nothing_is_saved(client, organizer):
    organization = factories.make_organization(members=[organizer])
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    response = client.post(
        f"/organizations/{organization.id}/opportunities/new",
        data={
            "title": "งานทดสอบ",
            "remote": "y",
            "approval_mode": "review",
            "shifts-0-day": yesterday,
            "shifts-0-start": "10:00",
            "shifts-0-end": "09:00",
            "shifts-0-capacity": "3",
            "action": "draft",
        },
    )
    assert response.status_code == 200
    assert 'class="alert alert-danger' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Opportunity.id))) == 0


def test_edit_never_drops_capacity_below_spots_held(client, organizer):
    organization = factories.make_organization(members=[organizer])
    opportunity = factories.make_opportunity(organization, capacity=3)
    shift = opportunity.shifts[0]
    shift.spots_taken = 2
    db.session.commit()
    page = client.get(f"/manage/opportunities/{opportunity.id}/edit").get_data(
        as_text=True
    )
    assert f'value="{shift.id}"' in page
    start = shift.starts_at + timedelta(hours=7)
    data = {
        "title": opportunity.title,
        "place": opportunity.location_label,
        "approval_mode": "first_come",
        "causes": ["education"],
        "shifts-0-id": str(shift.id),
        "shifts-0-day": start.date().isoformat(),
        "shifts-0-start": start.strftime("%H:%M"),
        "shifts-0-end": (start + timedelta(hours=3)).strftime("%H:%M"),
        "shifts-0-capacity": "1",
    }
    response = client.post(f"/manage/opportunities/{opportunity.id}/edit", data=data)
    assert response.status_code == 200
    assert db.session.get(Shift, shift.id).capacity == 3
    data["shifts-0-capacity"] = "2"
    assert (
        client.post(
            f"/manage/opportunities/{opportunity.id}/edit", data=data
        ).status_code
        == 302
    )
    assert db.session.get(Shift, shift.id).capacity == 2


def _review_application(organization, capacity=1, email="v@example.org"):
    volunteer = factories.make_user(email=email, name="อาสา ใจดี")
    opportunity = factories.make_opportunity(
        organization, approval_mode=ApprovalMode.REVIEW, capacity=capacity
    )
    application = Application(
        shift=opportunity.shifts[0],
        volunteer=volunteer,
        status=ApplicationStatus.PENDING,
        message='=HYPERLINK("http://evil")',
    )
    db.session.add(application)
    db.session.commit()
    return opportunity, application


def test_applicants_accept_decline_and_csv(client, organizer):
    organization = factories.make_organization(members=[organizer])
    opportunity, application = _review_application(organization)
    other = factories.make_user(email="v2@example.org")
    second = Application(
        shift=opportunity.shifts[0], volunteer=other, status=ApplicationStatus.PENDING
    )
    db.session.add(second)
    db.session.commit()
    page = client.get(f"/manage/opportunities/{opportunity.id}/applicants")
    assert "อาสา ใจดี" in page.get_data(as_text=True)
    client.post(
        f"/manage/applications/{application.id}/accept", data={"message": "ยินดี"}
    )
    assert (
        db.session.get(Application, application.id).status is ApplicationStatus.ACCEPTED
    )
    full = client.post(
        f"/manage/applications/{second.id}/accept", data={}, follow_redirects=True
    )
    assert "alert-danger" in full.get_data(as_text=True)
    assert db.session.get(Application, second.id).status is ApplicationStatus.PENDING
    client.post(f"/manage/applications/{second.id}/decline", data={"message": "ขอโทษ"})
    assert db.session.get(Application, second.id).status is ApplicationStatus.DECLINED
    kinds = set(db.session.scalars(sa.select(Notification.kind)))
    assert {"application_accepted", "application_declined"} <= kinds
    assert db.session.scalar(sa.select(sa.func.count(EmailOutbox.id))) >= 2

    csv = client.get(f"/manage/opportunities/{opportunity.id}/applicants.csv")
    assert csv.data.startswith("\ufeff".encode())
    text = csv.data.decode("utf-8-sig")
    assert "อาสา ใจดี" in text and "'=HYPERLINK" in text


def test_check_in_with_hours_and_qr(client, organizer, auth):
    organization = factories.make_organization(members=[organizer])
    opportunity, application = _review_application(organization)
    shift = opportunity.shifts[0]
    shift.starts_at = utcnow() - timedelta(minutes=20)
    shift.ends_at = utcnow() + timedelta(hours=2)
    application.status = ApplicationStatus.APPROVED
    db.session.commit()
    page = client.get(f"/manage/shifts/{shift.id}/check-in").get_data(as_text=True)
    assert f'data-testid="attendee-{application.id}"' in page
    qr = client.get(f"/manage/shifts/{shift.id}/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    client.post(
        f"/manage/applications/{application.id}/attendance",
        data={"attended": "yes", "hours": "2.5"},
    )
    stored = db.session.get(Application, application.id)
    assert stored.attendance is Attendance.ATTENDED and stored.hours == 2.5


def test_volunteer_checks_in_with_the_qr_link(app, client, organizer, auth):
    from itsdangerous import URLSafeSerializer

    organization = factories.make_organization(members=[organizer])
    opportunity, application = _review_application(organization)
    shift = opportunity.shifts[0]
    shift.starts_at = utcnow() + timedelta(minutes=10)
    application.status = ApplicationStatus.APPROVED
    db.session.commit()
    token = URLSafeSerializer(app.config["SECRET_KEY"], salt="shift-check-in").dumps(
        shift.id
    )
    auth.logout()
    auth.login("v@example.org")
    assert client.get(f"/check-in/{shift.id}/forged").status_code == 404
    client.post(f"/check-in/{shift.id}/{token}")
    assert db.session.get(Application, application.id).checked_in_at is not None


def test_staff_verify_reject_and_trust(client, auth):
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    member = factories.make_user(Role.ORGANIZER, email="m@example.org")
    pending = factories.make_organization(
        members=[member], status=OrganizationStatus.PENDING
    )
    other = factories.make_organization(status=OrganizationStatus.PENDING)
    db.session.commit()
    auth.login("s@example.org")
    queue = client.get("/staff/organizations").get_data(as_text=True)
    assert f'data-testid="verify-{pending.id}"' in queue
    client.post(f"/staff/organizations/{pending.id}/verify")
    client.post(f"/staff/organizations/{other.id}/reject", data={"reason": ""})
    assert db.session.get(Organization, other.id).status is OrganizationStatus.PENDING
    client.post(f"/staff/organizations/{other.id}/reject", data={"reason": "ข้อมูลไม่ครบ"})
    client.post(
        f"/staff/organizations/{pending.id}/auto-approve", data={"trusted": "yes"}
    )
    db.session.expire_all()
    assert (
        db.session.get(Organization, pending.id).status is OrganizationStatus.VERIFIED
    )
    assert db.session.get(Organization, pending.id).auto_approve
    assert db.session.get(Organization, other.id).rejection_reason == "ข้อมูลไม่ครบ"
    assert db.session.scalar(
        sa.select(Notification.id).where(
            Notification.user_id == member.id,
            Notification.kind == "organization_verified",
        )
    )
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {
        "organization.verified",
        "organization.rejected",
        "organization.auto_approve",
    } <= actions
    log = client.get("/staff/audit?action=organization.verified").get_data(as_text=True)
    assert 'data-action="organization.verified"' in log
    assert 'data-action="organization.rejected"' not in log


def test_staff_make_an_organisation_a_giving_partner(client, auth):
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    member = factories.make_user(Role.ORGANIZER, email="m@example.org")
    organization = factories.make_organization(members=[member])
    db.session.commit()
    auth.login("s@example.org")
    queue = client.get("/staff/organizations?status=verified").get_data(as_text=True)
    assert f'data-testid="kind-{organization.id}"' in queue
    url = f"/staff/organizations/{organization.id}/kind"
    page = client.post(url, data={"kind": "bank"}, follow_redirects=True)
    assert "กรุณาเลือกจากรายการ" in page.get_data(as_text=True)
    client.post(url, data={"kind": "giving_partner"})
    db.session.expire_all()
    kind = db.session.get(Organization, organization.id).kind
    assert kind is OrganizationKind.GIVING_PARTNER
    # The giving partner's member may now record its pledges.
    auth.logout()
    auth.login("m@example.org")
    assert client.get("/outcomes/pledges").status_code == 200


def test_staff_bulk_approve_and_overview(client, auth, count_queries):
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    organization = factories.make_organization()
    ids = []
    for number in range(4):
        volunteer = factories.make_user(email=f"b{number}@example.org")
        shift = factories.make_opportunity(organization, title=f"งาน {number}").shifts[
            0
        ]
        application = Application(
            shift=shift, volunteer=volunteer, status=ApplicationStatus.ACCEPTED
        )
        application.status_changed_at = utcnow() - timedelta(hours=50 * number)
        shift.spots_taken = 1
        db.session.add(application)
        db.session.flush()
        ids.append(application.id)
    db.session.commit()
    auth.login("s@example.org")
    overview = client.get("/staff/").get_data(as_text=True)
    assert 'data-testid="long-waiting">3<' in overview
    client.get("/staff/approvals")
    with count_queries() as queries:
        page = client.get("/staff/approvals").get_data(as_text=True)
    assert all(f'data-testid="queue-{i}"' in page for i in ids)
    # The queue also loads skills asked for and held, and who accepted.
    assert len(queries) <= 14, queries
    client.post(
        "/staff/approvals", data={"application": ids[:3], "decision": "approve"}
    )
    client.post(
        "/staff/approvals",
        data={"application": ids[3:], "decision": "reject", "reason": "ไม่ตรงเงื่อนไข"},
    )
    statuses = [db.session.get(Application, i).status for i in ids]
    assert statuses == [ApplicationStatus.APPROVED] * 3 + [ApplicationStatus.REJECTED]
    approved = sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "application.approved"
    )
    assert db.session.scalar(approved) == 3


def test_applicants_page_queries_do_not_grow(client, organizer, count_queries):
    organization = factories.make_organization(members=[organizer])
    opportunity = factories.make_opportunity(
        organization, approval_mode=ApprovalMode.REVIEW, capacity=100, shifts=2
    )
    db.session.commit()
    url = f"/manage/opportunities/{opportunity.id}/applicants"

    def add(count, start):
        for number in range(start, start + count):
            volunteer = factories.make_user(email=f"q{number}@example.org")
            for shift in opportunity.shifts:
                db.session.add(
                    Application(
                        shift=shift,
                        volunteer=volunteer,
                        status=ApplicationStatus.PENDING,
                    )
                )
        db.session.commit()

    add(2, 0)
    client.get(url)
    with count_queries() as few:
        client.get(url)
    add(20, 2)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    # 18: one for the opportunity's questions (the applicants' answers), one for
    # the groups' reserved places on its shifts.
    assert len(many) == len(few) and len(many) <= 18, many


def test_approval_by_a_trusted_organisation_is_automatic(api):
    from tests.functional.test_api_accounts import bearer, login_token

    organization = factories.make_organization()
    organization.auto_approve = True
    shift = factories.make_opportunity(organization).shifts[0]
    factories.make_user(email="auto@example.org")
    db.session.commit()
    headers = bearer(login_token(api, "auto@example.org"))
    body = api.post(f"/api/v1/shifts/{shift.id}/applications", json={}, headers=headers)
    assert body.get_json()["status"] == "approved"
    assert db.session.scalar(sa.select(User.id))


def test_members_hear_of_new_applications(client, organizer, auth):
    organization = factories.make_organization(members=[organizer])
    shift = factories.make_opportunity(organization).shifts[0]
    factories.make_user(email="fresh@example.org", name="สมใจ ใหม่")
    db.session.commit()
    assert 'data-testid="unread"' not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login("fresh@example.org")
    client.post(f"/shifts/{shift.id}/apply", data={})
    auth.logout()
    auth.login("o@example.org")
    assert 'data-testid="unread"' in client.get("/").get_data(as_text=True)
    page = client.get("/notifications").get_data(as_text=True)
    assert "สมใจ ใหม่" in page
    client.post("/notifications/read")
    assert 'data-testid="unread"' not in client.get("/").get_data(as_text=True)
    mail = db.session.scalar(
        sa.select(EmailOutbox).where(EmailOutbox.user_id == organizer.id)
    )
    assert "สมใจ ใหม่" in mail.body
