"""The audit log reads as sentences in the reader's language, with names, not ids."""

from marketplace.applications import services as workflow
from marketplace.audit import record_event
from marketplace.extensions import db
from marketplace.models import Application, ApplicationStatus, Role
from marketplace.privacy.services import log_staff_view
from tests import factories


def _accepted(organization, number):
    volunteer = factories.make_user(
        email=f"v{number}@example.org", name=f"อาสา {number}"
    )
    shift = factories.make_opportunity(organization, title=f"งานที่ {number}").shifts[0]
    application = Application(
        shift=shift, volunteer=volunteer, status=ApplicationStatus.ACCEPTED
    )
    shift.spots_taken = 1
    db.session.add(application)
    db.session.flush()
    return application


def _staff(auth):
    staff = factories.make_user(
        Role.ORGANIZER, email="s@example.org", is_staff=True, name="ทีมงาน"
    )
    db.session.commit()
    auth.login("s@example.org")
    return staff


def test_events_read_as_sentences_with_names(client, auth):
    staff = _staff(auth)
    organization = factories.make_organization(name="มูลนิธิรักษ์น้ำ")
    application = _accepted(organization, 1)
    workflow.reject_application(staff, application, "ไม่ตรงเงื่อนไข\nขอบคุณ")
    db.session.commit()
    page = client.get("/staff/audit").get_data(as_text=True)
    assert "ไม่อนุมัติการจับคู่" in page  # the sentence, in Thai
    assert "งานที่ 1 · อาสา 1" in page  # the object by name
    assert "ไม่ตรงเงื่อนไข" in page and "\\u0e44" not in page
    assert "<code>" not in page
    client.post("/language", data={"locale": "en"})
    english = client.get("/staff/audit").get_data(as_text=True)
    assert "did not approve a match" in english


def test_personal_data_views_are_grouped_and_kept_apart(client, auth):
    staff = _staff(auth)
    organization = factories.make_organization()
    application = _accepted(organization, 1)
    for _ in range(5):
        log_staff_view(staff, "applicants", [application.volunteer_id])
    log_staff_view(staff, "check_in", [application.volunteer_id])
    record_event(staff, "organization.verified", organization)
    db.session.commit()
    page = client.get("/staff/audit").get_data(as_text=True)
    assert 'data-action="personal_data.viewed"' not in page
    assert 'data-action="organization.verified"' in page
    grouped = client.get("/staff/audit?action=personal_data.viewed").get_data(
        as_text=True
    )
    assert grouped.count('data-action="personal_data.viewed"') == 2
    assert "ดูหน้า “applicants” 5 ครั้ง" in grouped
    assert "s@example.org" in grouped
    nobody = client.get(
        "/staff/audit?action=personal_data.viewed&actor=nobody"
    ).get_data(as_text=True)
    assert 'data-action="personal_data.viewed"' not in nobody


def test_audit_page_queries_do_not_grow(client, auth, count_queries):
    staff = _staff(auth)
    organization = factories.make_organization()

    def add(start, count):
        for number in range(start, start + count):
            application = _accepted(organization, number)
            workflow.approve_application(staff, application)
            record_event(staff, "organization.verified", organization)
        db.session.commit()

    add(0, 2)
    client.get("/staff/audit")
    with count_queries() as few:
        client.get("/staff/audit")
    add(2, 12)
    with count_queries() as many:
        page = client.get("/staff/audit").get_data(as_text=True)
    assert page.count('data-action="application.approved"') == 14
    assert len(many) == len(few), many


def test_strange_filters_are_harmless(client, auth):
    _staff(auth)
    for query in (
        "?page=99999999999999999999",
        "?action=no.such",
        "?actor=" + "x" * 5000,
    ):
        assert client.get("/staff/audit" + query).status_code == 200
    for query in ("?action=%00", "?actor=%00"):
        assert client.get("/staff/audit" + query).status_code == 400


def test_every_recorded_action_reads_as_a_sentence():
    import re
    from pathlib import Path

    from marketplace.staff.audit_text import ACTIONS

    source = Path(__file__).parents[2] / "marketplace"
    written = set()
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        written.update(re.findall(r'record_event\(\s*[^,()]+,\s*"([a-z_.]+)"', text))
        written.update(re.findall(r'"([a-z_]+\.[a-z_]+)" if \w+ else "', text))
        named = r'= "((?:organization|user|application)\.[a-z_]+)"'
        written.update(re.findall(named, text))
    assert written and written <= set(ACTIONS), written - set(ACTIONS)
