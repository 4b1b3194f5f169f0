"""Hours that count: reporting hours, their review, who certified, signed records."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from marketplace.applications import services as workflow
from marketplace.certificates import queries as certificate_queries
from marketplace.certificates import services as certificate_services
from marketplace.errors import Forbidden, ValidationFailed
from marketplace.extensions import db
from marketplace.i18n import BANGKOK, to_bangkok
from marketplace.impact.indicators import indicator_values
from marketplace.models import (
    Application,
    Attendance,
    CertifierRole,
    Notification,
    Opportunity,
    ReportedHours,
    ReportStatus,
    Role,
    ServiceRecord,
    Shift,
    utcnow,
)
from marketplace.privacy.services import erase_user, export_user_data
from marketplace.service_hours import queries, services
from tests import factories


@pytest.fixture(autouse=True)
def in_request(app):
    """Services build translated messages, as they do inside a request."""
    with app.test_request_context():
        yield


def _today() -> date:
    return to_bangkok(utcnow()).date()


def _attended(volunteer, organization, hours: float, day: date) -> Application:
    """An attended shift that started at 09:00 (Bangkok) on a day."""
    application = factories.make_past_application(volunteer, organization, hours=hours)
    starts = datetime.combine(day, time(9), BANGKOK)
    application.shift.starts_at = starts
    application.shift.ends_at = starts + timedelta(hours=4)
    db.session.flush()
    return application


def _report(volunteer, organization, hours, day, status=ReportStatus.APPROVED):
    report = ReportedHours(
        volunteer_id=volunteer.id,
        organization_id=organization.id,
        day=day,
        hours=hours,
        hours_reported=hours,
        activity="ช่วยแพ็กของ",
        status=status,
    )
    db.session.add(report)
    db.session.flush()
    return report


def _report_post(client, organization_id, day, hours, activity="สอนหนังสือ", **more):
    return client.post(
        "/me/hours",
        data={
            "organization_id": str(organization_id),
            "day": day.isoformat(),
            "hours": str(hours),
            "activity": activity,
            **more,
        },
    )


# --- Reporting ---------------------------------------------------------------------


def test_a_volunteer_reports_hours_and_the_members_hear_of_it(client, volunteer):
    member = factories.make_user(Role.ORGANIZER, email="m@example.org")
    organization = factories.make_organization(members=[member])
    db.session.commit()
    response = _report_post(
        client,
        organization.id,
        _today() - timedelta(days=2),
        2.5,
        evidence_url="https://example.org/album",
    )
    assert response.status_code == 302
    report = db.session.scalar(sa.select(ReportedHours))
    assert (report.status, report.hours, report.volunteer_id) == (
        ReportStatus.PENDING,
        2.5,
        volunteer.id,
    )
    note = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == member.id)
    )
    assert note.kind == "hours_reported"
    page = client.get("/me/hours")
    assert f'data-testid="report-{report.id}"' in page.text


@pytest.mark.parametrize(
    ("days_ago", "hours", "evidence", "field", "message"),
    [
        (-1, 2, "", "day", "The day cannot be in the future."),
        (400, 2, "", "day", "You can report hours of the last 12 months only."),
        (1, 25, "", "hours", "Hours must be more than 0 and at most 24."),
        (1, 0, "", "hours", "Hours must be more than 0 and at most 24."),
        (1, 2, "javascript:alert(1)", "evidence_url", "https://"),
        (1, 2, "ftp://example.org/x", "evidence_url", "https://"),
    ],
)
def test_reported_hours_follow_the_rules(
    client, volunteer, days_ago, hours, evidence, field, message
):
    organization = factories.make_organization()
    db.session.commit()
    client.post("/language", data={"locale": "en"})
    response = _report_post(
        client,
        organization.id,
        _today() - timedelta(days=days_ago),
        hours,
        evidence_url=evidence,
    )
    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(sa.select(sa.func.count(ReportedHours.id))) == 0


def test_a_day_holds_24_hours_with_attended_shifts_and_other_reports(volunteer):
    organization = factories.make_organization()
    day = _today() - timedelta(days=3)
    _attended(volunteer, organization, 4, day)
    _report(volunteer, organization, 18, day, ReportStatus.PENDING)
    _report(volunteer, organization, 10, day, ReportStatus.DECLINED)  # not counted
    data = services.ReportInput(organization.id, day, 2.5, "ช่วยงาน")
    with pytest.raises(ValidationFailed) as refused:
        services.report_hours(volunteer, data)
    assert "hours" in refused.value.fields
    data.hours = 2
    assert services.report_hours(volunteer, data).hours == 2


def test_only_verified_organisations_take_reported_hours(volunteer):
    pending = factories.make_organization(status="pending")
    data = services.ReportInput(pending.id, _today(), 1, "ช่วยงาน")
    with pytest.raises(ValidationFailed) as refused:
        services.report_hours(volunteer, data)
    assert "organization_id" in refused.value.fields


# --- Reviewing ---------------------------------------------------------------------


@pytest.fixture
def reported(people):
    report = _report(
        people["volunteer"],
        people["org"],
        3,
        _today() - timedelta(days=1),
        ReportStatus.PENDING,
    )
    db.session.commit()
    return report


def _review(client, report, **data):
    return client.post(f"/reported-hours/{report.id}/review", data={**data})


def test_a_member_approves_and_is_named_as_certifier(client, auth, people, reported):
    auth.login("member@example.org")
    page = client.get(f"/organizations/{reported.organization_id}/reported-hours")
    assert f'data-testid="reported-{reported.id}"' in page.text
    response = _review(client, reported, decision="approve")
    assert response.status_code == 302
    db.session.refresh(reported)
    assert reported.status is ReportStatus.APPROVED
    assert reported.reviewed_by_id == people["member"].id
    assert reported.reviewer_role is CertifierRole.ADMIN
    [activity] = queries.activities(people["volunteer"].id)
    assert (activity.kind, activity.hours) == ("reported", 3)
    assert activity.certified_by.startswith("สมาชิก, ")
    note = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == people["volunteer"].id)
    )
    assert note.kind == "hours_approved"


def test_changing_or_declining_needs_a_reason_the_volunteer_sees(
    client, auth, people, reported
):
    auth.login("member@example.org")
    assert _review(client, reported, decision="change", hours="2").status_code == 422
    assert _review(client, reported, decision="decline").status_code == 422
    db.session.refresh(reported)
    assert reported.status is ReportStatus.PENDING
    response = _review(
        client, reported, decision="change", hours="2", reason="เลิกงานก่อนเวลา"
    )
    assert response.status_code == 302
    db.session.refresh(reported)
    assert (reported.status, reported.hours, reported.hours_reported) == (
        ReportStatus.APPROVED,
        2,
        3,
    )
    note = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == people["volunteer"].id)
    )
    assert note.kind == "hours_changed" and note.data["reason"] == "เลิกงานก่อนเวลา"
    auth.logout()
    auth.login("volunteer@example.org")
    assert "เลิกงานก่อนเวลา" in client.get("/me/hours").text


def test_another_organisations_member_and_staff_cannot_review(
    client, auth, people, reported
):
    for email in ("other@example.org", "staff@example.org"):
        auth.login(email)
        page = client.get(f"/organizations/{reported.organization_id}/reported-hours")
        assert page.status_code in (403, 404)
        response = client.post(
            f"/reported-hours/{reported.id}/review",
            data={"decision": "approve"},
        )
        assert response.status_code == 404
        auth.logout()
    auth.login("volunteer@example.org")
    response = client.post(
        f"/reported-hours/{reported.id}/review",
        data={"decision": "approve"},
    )
    assert response.status_code == 403
    db.session.refresh(reported)
    assert reported.status is ReportStatus.PENDING


def test_nobody_certifies_their_own_reported_hours(people):
    member = people["member"]
    report = _report(member, people["org"], 2, _today(), ReportStatus.PENDING)
    with pytest.raises(Forbidden) as refused:
        services.review_report(member, report, services.APPROVE)
    assert refused.value.code == "own_hours"
    assert report.status is ReportStatus.PENDING


def test_recording_attendance_names_the_member_and_their_role(people):
    volunteer = people["volunteer"]
    application = factories.make_past_application(
        volunteer, people["org"], attended=None
    )
    workflow.record_attendance(people["member"], application, True, 2)
    assert application.attendance_recorded_by_id == people["member"].id
    assert application.attendance_recorder_role is CertifierRole.ADMIN
    [activity] = queries.activities(volunteer.id)
    assert activity.certified_by.startswith("สมาชิก, ")


def test_attendance_recorded_before_shows_an_unknown_certifier(people):
    factories.make_past_application(people["volunteer"], people["org"], hours=2)
    [activity] = queries.activities(people["volunteer"].id)
    assert activity.certifier is None and activity.certified_by == "ไม่ได้บันทึกไว้"


# --- Totals ------------------------------------------------------------------------


def _direct_sums(volunteer_id, first, last, organization_id=None):
    """Attended and approved reported hours, straight from the tables."""
    starts = datetime.combine(first, time(), BANGKOK)
    ends = datetime.combine(last + timedelta(days=1), time(), BANGKOK)
    attended = (
        sa.select(sa.func.coalesce(sa.func.sum(Application.hours), 0))
        .join(Shift, Shift.id == Application.shift_id)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .where(
            Application.volunteer_id == volunteer_id,
            Application.attendance == Attendance.ATTENDED,
            Application.certification_withdrawn_at.is_(None),
            Shift.starts_at >= starts,
            Shift.starts_at < ends,
        )
    )
    reported = sa.select(sa.func.coalesce(sa.func.sum(ReportedHours.hours), 0)).where(
        ReportedHours.volunteer_id == volunteer_id,
        ReportedHours.status == ReportStatus.APPROVED,
        ReportedHours.withdrawn_at.is_(None),
        ReportedHours.day >= first,
        ReportedHours.day <= last,
    )
    if organization_id is not None:
        attended = attended.where(Opportunity.organization_id == organization_id)
        reported = reported.where(ReportedHours.organization_id == organization_id)
    return float(db.session.scalar(attended)), float(db.session.scalar(reported))


@pytest.fixture
def history(people):
    """Hours in and out of an academic year, with rows that must not count."""
    volunteer, org, other_org = people["volunteer"], people["org"], people["other_org"]
    year_first, year_last = services.academic_year_of(_today())
    inside = year_first + timedelta(days=3)
    before = year_first - timedelta(days=1)
    _attended(volunteer, org, 3, inside)
    _attended(volunteer, other_org, 2.5, inside + timedelta(days=1))
    _attended(volunteer, org, 4, before)
    _report(volunteer, org, 1.5, inside)
    _report(volunteer, other_org, 2, inside + timedelta(days=2))
    _report(volunteer, org, 5, before)
    _report(volunteer, org, 7, inside, ReportStatus.PENDING)
    _report(volunteer, org, 6, inside, ReportStatus.DECLINED)
    withdrawn = _report(volunteer, org, 2, inside + timedelta(days=4))
    withdrawn.withdrawn_at = utcnow()
    noshow = factories.make_past_application(volunteer, org, attended=False)
    noshow.shift.starts_at = datetime.combine(inside, time(14), BANGKOK)
    other = factories.make_user(email="someone@example.org")
    _attended(other, org, 6, inside)
    _report(other, org, 3, inside)
    db.session.commit()
    return {"year": (year_first, year_last), "volunteer": volunteer}


def test_totals_equal_direct_database_sums(people, history):
    volunteer = history["volunteer"]
    year_first, year_last = history["year"]
    periods = [
        (year_first, year_last),
        (year_first - timedelta(days=30), year_last),
        (year_first + timedelta(days=4), year_first + timedelta(days=4)),
    ]
    for first, last in periods:
        for organization_id in (None, people["org"].id, people["other_org"].id):
            found = queries.activities(volunteer.id, first, last, organization_id)
            sums = queries.totals(found)
            direct = _direct_sums(volunteer.id, first, last, organization_id)
            assert (sums.attended, sums.reported) == pytest.approx(direct)
    sums = queries.totals(queries.activities(volunteer.id, year_first, year_last))
    assert (sums.attended, sums.reported) == (5.5, 3.5)


def test_certificates_and_impact_count_reported_hours_apart(people, history):
    volunteer = history["volunteer"]
    served = certificate_queries.hours_served(volunteer.id)
    assert (served.hours, served.reported) == (9.5, 8.5)
    line = served.for_organization(people["org"].id)
    far = date(2000, 1, 1)
    assert (line.hours, line.reported) == pytest.approx(
        _direct_sums(volunteer.id, far, _today(), people["org"].id)
    )
    certificate = certificate_services.issue_certificate(volunteer, None, "th")
    assert (certificate.hours, certificate.hours_reported) == (9.5, 8.5)
    assert indicator_values(["reported_hours"])["reported_hours"] == 11.5


def test_the_record_page_shows_the_academic_year(client, auth, people, history):
    auth.login("volunteer@example.org")
    page = client.get("/me/service-record")
    assert page.status_code == 200
    assert 'data-testid="hours-attended">5.5<' in page.text
    assert 'data-testid="hours-reported">3.5<' in page.text
    year_first, _last = history["year"]
    custom = client.get(
        f"/me/service-record?start={year_first - timedelta(days=30)}"
        f"&end={year_first - timedelta(days=1)}"
    )
    assert 'data-testid="hours-attended">4<' in custom.text
    reversed_days = client.get(
        f"/me/service-record?start={year_first}&end={year_first - timedelta(days=1)}"
    )
    assert reversed_days.status_code == 422


# --- The signed record --------------------------------------------------------------


def _issue(client, first, last, locale="th"):
    return client.post(
        "/me/service-record",
        data={
            "locale": locale,
            "start": first.isoformat(),
            "end": last.isoformat(),
        },
    )


def test_a_signed_record_verifies_with_its_totals(client, auth, people, history):
    people["volunteer"].profile.student_id = "6512345678"
    db.session.commit()
    auth.login("volunteer@example.org")
    first, last = history["year"]
    response = _issue(client, first, last)
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[1]
    record = db.session.scalar(sa.select(ServiceRecord))
    assert (record.hours_attended, record.hours_reported, len(record.items)) == (
        5.5,
        3.5,
        4,
    )
    printed = client.get(f"/service-records/{code}")
    assert printed.status_code == 200
    assert "6512345678" in printed.text and 'data-testid="qr"' in printed.text
    # The same facts give the same record.
    assert _issue(client, first, last).headers["Location"].endswith(code)
    assert db.session.scalar(sa.select(sa.func.count(ServiceRecord.id))) == 1
    auth.logout()
    verdict = client.get(f"/verify/{code}")
    assert 'data-verdict="valid"' in verdict.text
    assert 'data-testid="verify-attended">5.5<' in verdict.text
    assert 'data-testid="verify-reported">3.5<' in verdict.text


def test_forged_and_revoked_records_fail_verification(client, auth, people, history):
    volunteer = history["volunteer"]
    record = services.issue_record(volunteer, *history["year"], "en")
    db.session.commit()
    code = services.signing.code_for(record.serial)
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert client.get(f"/verify/{forged}").status_code == 404
    other_serial = services.signing.code_for("AAAAAAAA")
    assert client.get(f"/verify/{other_serial}").status_code == 404
    assert services.record_by_code(forged) is None
    auth.login("staff@example.org")
    response = client.post(
        f"/service-records/{code}/revoke",
        data={"reason": "ออกให้ผิดคน"},
    )
    assert response.status_code == 302
    auth.logout()
    verdict = client.get(f"/verify/{code}")
    assert 'data-verdict="revoked"' in verdict.text and "ออกให้ผิดคน" in verdict.text


def test_a_withdrawn_activity_is_named_on_verify(client, auth, people, history):
    volunteer = history["volunteer"]
    record = services.issue_record(volunteer, *history["year"], "th")
    db.session.commit()
    code = services.signing.code_for(record.serial)
    auth.login("member@example.org")
    application_id = next(i.application_id for i in record.items if i.application_id)
    response = client.post(
        f"/applications/{application_id}/certification/withdraw",
        data={"reason": "บันทึกผิดคน"},
    )
    assert response.status_code == 302
    auth.logout()
    verdict = client.get(f"/verify/{code}")
    assert 'data-testid="withdrawn"' in verdict.text and "บันทึกผิดคน" in verdict.text
    # It no longer counts, and a new record leaves it out.
    sums = queries.totals(queries.activities(volunteer.id, *history["year"]))
    assert sums.attended == 2.5


def test_another_organisation_cannot_withdraw(client, auth, people, history):
    application = db.session.scalar(
        sa.select(Application)
        .join(Shift)
        .join(Opportunity)
        .where(Opportunity.organization_id == people["org"].id)
        .limit(1)
    )
    auth.login("other@example.org")
    response = client.post(
        f"/applications/{application.id}/certification/withdraw",
        data={"reason": "ไม่ใช่ของเรา"},
    )
    assert response.status_code == 404
    db.session.refresh(application)
    assert application.certification_withdrawn_at is None


def test_the_record_as_csv_for_people_and_for_machines(client, auth, history):
    record = services.issue_record(history["volunteer"], *history["year"], "th")
    db.session.commit()
    code = services.signing.code_for(record.serial)
    machine = client.get(f"/service-records/{code}.csv?format=machine")
    rows = list(csv.reader(io.StringIO(machine.text.lstrip("\ufeff"))))
    assert rows[0][:6] == [
        "date",
        "organization",
        "activity",
        "hours",
        "kind",
        "certified_by",
    ]
    assert sum(float(row[3]) for row in rows[1:]) == 9
    assert {row[4] for row in rows[1:]} == {"attended", "reported"}
    human = client.get(f"/service-records/{code}.csv")
    assert human.status_code == 200 and "วันที่" in human.text.splitlines()[0]


# --- API ---------------------------------------------------------------------------


def test_api_service_record(api, api_volunteer):
    volunteer, headers = api_volunteer
    organization = factories.make_organization()
    day = _today() - timedelta(days=2)
    _attended(volunteer, organization, 3, day)
    _report(volunteer, organization, 1.5, day)
    db.session.commit()
    first, last = day - timedelta(days=1), day
    response = api.get(
        f"/api/v1/me/service-record?from={first}&to={last}", headers=headers
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"hours_attended", "hours_reported", "items", "code"}
    assert (body["hours_attended"], body["hours_reported"]) == (3, 1.5)
    assert set(body["items"][0]) == {
        "date",
        "organization",
        "activity",
        "hours",
        "kind",
        "certified_by",
    }
    assert {item["kind"] for item in body["items"]} == {"attended", "reported"}
    record = services.record_by_code(body["code"])
    assert record is not None and record.hours == 4.5
    again = api.get(
        f"/api/v1/me/service-record?from={first}&to={last}", headers=headers
    )
    assert again.get_json()["code"] == body["code"]
    assert api.get("/api/v1/me/service-record", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("from=2027-13-01&to=2028-01-01", 400),
        ("from=yesterday", 400),
        ("from=2027-06-02&to=2027-06-01", 422),
        ("from=2020-06-01&to=2027-06-01", 422),
    ],
)
def test_api_service_record_refuses_bad_periods(api, api_volunteer, query, status):
    _volunteer, headers = api_volunteer
    response = api.get(f"/api/v1/me/service-record?{query}", headers=headers)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] in ("bad_request", "validation_error")


def test_api_service_record_is_for_volunteers(api):
    from tests.functional.test_api_accounts import bearer, login_token

    factories.make_user(Role.ORGANIZER, email="o@example.org")
    db.session.commit()
    headers = bearer(login_token(api, "o@example.org"))
    assert api.get("/api/v1/me/service-record", headers=headers).status_code == 403
    assert api.get("/api/v1/me/service-record").status_code == 401


# --- Privacy -----------------------------------------------------------------------


def test_export_and_erasure_cover_reported_hours_and_the_student_id(people, history):
    volunteer = history["volunteer"]
    volunteer.profile.student_id = "6512345678"
    record = services.issue_record(volunteer, *history["year"], "th")
    db.session.commit()
    exported = export_user_data(volunteer)
    assert exported["profile"]["student_id"] == "6512345678"
    assert len(exported["reported_hours"]) == 6
    assert exported["service_records"][0]["student_id"] == "6512345678"
    erase_user(volunteer, None, "test")
    db.session.commit()
    db.session.refresh(volunteer.profile)
    db.session.refresh(record)
    assert volunteer.profile.student_id is None
    assert record.student_id is None and record.revoked_at is not None
    activities = db.session.scalars(
        sa.select(ReportedHours.activity).where(
            ReportedHours.volunteer_id == volunteer.id
        )
    ).all()
    assert set(activities) == {""}
