"""Hours that count in Chromium: report hours, a member approves, the signed record."""

import re
from datetime import date, timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.certificates import signing
from marketplace.extensions import db
from marketplace.i18n import to_bangkok
from marketplace.models import (
    CertifierRole,
    ReportedHours,
    ReportStatus,
    Role,
    ServiceRecord,
    ServiceRecordItem,
    utcnow,
)
from tests import factories
from tests.browser.conftest import expect_done, save_screenshot
from tests.browser.test_volunteer_journey import log_in


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_report_approve_and_print_the_record(live_server, page):
    viewport = "phone" if page.viewport_size["width"] < 600 else "desktop"
    volunteer = factories.make_user(email="v@example.org", name="วีระ อาสาดี")
    volunteer.profile.student_id = "6512345678"
    member = factories.make_user(
        Role.ORGANIZER, email="m@example.org", name="สมชาย ใจดี"
    )
    organization = factories.make_organization(members=[member], name="มูลนิธิป่าชายเลน")
    attended = factories.make_past_application(volunteer, organization, hours=3)
    attended.attendance_recorded_by_id = member.id
    attended.attendance_recorder_role = CertifierRole.ADMIN
    db.session.commit()
    day = to_bangkok(utcnow()).date() - timedelta(days=1)

    # The volunteer reports hours done outside a listed shift.
    log_in(page, live_server, "v@example.org")
    page.goto(f"{live_server}/me/hours")
    page.locator("#organization_id").select_option(str(organization.id))
    page.locator("#day").fill(day.isoformat())
    page.locator("#hours").fill("2.5")
    page.locator("#activity").fill("ช่วยคัดแยกของบริจาคที่โกดังของมูลนิธิ")
    page.locator("#evidence_url").fill("https://example.org/album")
    save_screenshot(page, f"report-hours-{viewport}")
    page.get_by_test_id("send-report").click()
    expect_done(page)
    db.session.rollback()
    report = db.session.scalar(sa.select(ReportedHours))
    expect(page.get_by_test_id(f"report-{report.id}")).to_contain_text("รอการพิจารณา")

    # A member of the organisation approves them from the dashboard.
    page.context.clear_cookies()
    log_in(page, live_server, "m@example.org")
    page.goto(f"{live_server}/organizations/{organization.id}/dashboard")
    expect(page.get_by_test_id("reported-hours-waiting")).to_contain_text("1")
    page.get_by_test_id("reported-hours").click()
    expect(page.get_by_test_id(f"reported-{report.id}")).to_contain_text("วีระ")
    save_screenshot(page, f"review-hours-{viewport}")
    page.get_by_test_id(f"review-{report.id}").click()
    expect_done(page)
    db.session.rollback()
    assert db.session.get(ReportedHours, report.id).status is ReportStatus.APPROVED

    # They appear on the volunteer's record, apart from attended hours.
    page.context.clear_cookies()
    log_in(page, live_server, "v@example.org")
    page.goto(f"{live_server}/me/service-record")
    expect(page.get_by_test_id("hours-attended")).to_have_text("3")
    expect(page.get_by_test_id("hours-reported")).to_have_text("2.5")
    activities = page.get_by_test_id("record-activities")
    expect(activities).to_contain_text("ช่วยคัดแยกของบริจาค")
    expect(activities).to_contain_text("สมชาย ใจดี, ผู้ดูแลองค์กร")
    save_screenshot(page, f"service-record-{viewport}")
    page.locator("#locale-0").check()
    page.get_by_test_id("issue-record").click()
    expect(page.get_by_test_id("record-page")).to_be_visible()
    expect(page.get_by_test_id("holder")).to_have_text("วีระ อาสาดี")
    expect(page.get_by_test_id("student-id")).to_have_text("6512345678")
    expect(page.get_by_test_id("record-totals")).to_contain_text("5.5")
    expect(page.get_by_test_id("qr")).to_be_visible()
    code = page.get_by_test_id("code").inner_text()
    save_screenshot(page, f"service-record-print-{viewport}")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert _pages(pdf) == 1
    [box] = set(re.findall(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf))
    assert round(float(box[0])) == 595 and round(float(box[1])) == 842  # A4 tall

    # Anyone can check it.
    page.context.clear_cookies()
    page.goto(f"{live_server}/verify/{code}")
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "valid")
    expect(page.get_by_test_id("verify-reported")).to_have_text("2.5")


def _record(volunteer, activities: int) -> str:
    """A signed record of many long activities (the worst case for the layout)."""
    organization = factories.make_organization(
        name="มูลนิธิเพื่อการพัฒนาเด็กและเยาวชนในชุมชนริมคลองแห่งประเทศไทย"
    )
    first = date(2026, 6, 1)
    record = ServiceRecord(
        serial=signing.new_serial(),
        volunteer_id=volunteer.id,
        holder_name=volunteer.display_name,
        student_id="6512345678",
        first_day=first,
        last_day=date(2027, 5, 31),
        hours_attended=float(activities * 3),
        hours_reported=0,
        locale="th",
        items=[
            ServiceRecordItem(
                position=index,
                kind="attended" if index % 2 else "reported",
                organization_id=organization.id,
                day=first + timedelta(days=index),
                organization_name=organization.name_th,
                activity="ช่วยสอนการบ้านและอ่านนิทานให้น้อง ๆ ในชุมชน " * 6,
                hours=3,
                certified_by="นางสาวสมหญิง ใจดีมากเป็นพิเศษ, ผู้ดูแลองค์กร",
            )
            for index in range(activities)
        ],
    )
    db.session.add(record)
    db.session.commit()
    return signing.code_for(record.serial)


def test_twenty_activities_print_on_one_a4_page(live_server, page):
    volunteer = factories.make_user(email="v@example.org", name="วีระ อาสาดี")
    twenty = _record(volunteer, 20)
    twenty_one = _record(volunteer, 21)
    page.goto(f"{live_server}/service-records/{twenty}")
    expect(page.get_by_test_id("record-row")).to_have_count(20)
    assert _pages(page.pdf(prefer_css_page_size=True, print_background=True)) == 1
    page.goto(f"{live_server}/service-records/{twenty_one}")
    expect(page.get_by_test_id("record-page")).to_have_count(2)
    assert _pages(page.pdf(prefer_css_page_size=True, print_background=True)) == 2
