"""The impact pages in Chromium: charts and the map render, on a phone and a desktop."""

from datetime import timedelta

from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import Application, ApplicationStatus, Attendance, Role, utcnow
from tests import factories
from tests.browser.conftest import save_screenshot
from tests.browser.test_volunteer_journey import log_in


def served_world() -> None:
    organization = factories.make_organization(name="มูลนิธิป่าชุมชน")
    for days_ago, causes in ((20, ("environment",)), (6, ("education",))):
        opportunity = factories.make_opportunity(
            organization,
            causes=causes,
            starts=utcnow().replace(microsecond=0) - timedelta(days=days_ago),
        )
        shift = opportunity.shifts[0]
        for _ in range(2):
            db.session.add(
                Application(
                    shift=shift,
                    volunteer=factories.make_user(),
                    status=ApplicationStatus.APPROVED,
                    attendance=Attendance.ATTENDED,
                    hours=3,
                )
            )
            shift.spots_taken += 1
    factories.make_user(Role.ORGANIZER, email="staff@example.org", is_staff=True)
    db.session.commit()


def test_public_and_staff_impact_pages(live_server, page):
    viewport = "phone" if page.viewport_size["width"] < 600 else "desktop"
    served_world()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/impact")
    expect(page.get_by_test_id("n-hours")).to_have_text("12")
    expect(page.get_by_test_id("chart-causes")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("chart-weeks")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("impact-map")).to_have_attribute("data-ready", "true")
    expect(page.locator(".leaflet-marker-icon, .marker-cluster").first).to_be_visible()
    save_screenshot(page, f"impact-public-{viewport}")

    page.select_option("#cause", "education")
    page.get_by_test_id("apply-filters").click()
    expect(page).to_have_url(
        f"{live_server}/impact?cause=education&organization=&province=&first_day=&last_day="
    )
    expect(page.get_by_test_id("n-hours")).to_have_text("6")

    log_in(page, live_server, "staff@example.org")
    page.goto(f"{live_server}/staff/impact")
    expect(page.get_by_test_id("funnel-steps")).to_be_visible()
    expect(page.get_by_test_id("funnel-4")).to_have_text("4")
    expect(page.get_by_test_id("chart-causes")).to_have_attribute("data-ready", "true")
    save_screenshot(page, f"impact-staff-{viewport}")
    page.emulate_media(media="print")
    expect(page.get_by_test_id("impact-filters")).to_be_hidden()
    assert errors == []
