"""A volunteer gives feedback, issues a certificate and checks it, in Chromium."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import Certificate, Feedback
from tests import factories
from tests.browser.conftest import expect_done, save_screenshot
from tests.browser.test_volunteer_journey import log_in


def test_feedback_certificate_and_verify(live_server, page):
    viewport = "phone" if page.viewport_size["width"] < 600 else "desktop"
    volunteer = factories.make_user(email="v@example.org", name="วีระ อาสาดี")
    organization = factories.make_organization(name="มูลนิธิป่าชายเลน")
    application = factories.make_past_application(volunteer, organization, hours=3.5)
    factories.make_past_application(
        volunteer, organization, hours=2, days_ago=9, title="เก็บขยะริมหาด"
    )
    db.session.commit()

    log_in(page, live_server, "v@example.org")
    page.goto(f"{live_server}/me/certificates")
    expect(page.get_by_test_id("total-hours")).to_have_text("5.5")
    expect(page.get_by_test_id("feedback-prompt")).to_be_visible()

    # The one-minute survey.
    page.get_by_test_id(f"give-feedback-{application.id}").click()
    page.locator("label[for=rating-4]").click()
    page.locator("#would_volunteer_again-0").check()
    page.locator("#active_citizen-0").check()
    page.locator("#learned_skill-1").check()
    page.locator("#comment").fill("ได้ปลูกต้นโกงกางครั้งแรก")
    save_screenshot(page, f"feedback-{viewport}")
    page.get_by_test_id("send-feedback").click()
    expect_done(page)
    db.session.rollback()
    feedback = db.session.scalar(sa.select(Feedback))
    assert (feedback.rating, feedback.active_citizen) == (5, True)

    # A certificate of every hour, in Thai.
    page.locator("#scope").select_option("all")
    page.locator("#locale-0").check()
    page.get_by_test_id("issue-certificate").click()
    certificate = page.get_by_test_id("certificate")
    expect(certificate).to_be_visible()
    expect(page.get_by_test_id("holder")).to_have_text("วีระ อาสาดี")
    expect(page.get_by_test_id("issued-on")).to_contain_text("พ.ศ.")
    expect(page.get_by_test_id("qr")).to_be_visible()
    code = page.get_by_test_id("code").inner_text()
    save_screenshot(page, f"certificate-{viewport}")
    # Printed (or saved as PDF) it is exactly one A4 landscape page.
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    [box] = set(re.findall(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", pdf))
    assert round(float(box[0])) == 842 and round(float(box[1])) == 595  # A4 wide
    page.emulate_media(media="print")
    expect(page.locator("header")).to_be_hidden()
    save_screenshot(page, f"certificate-print-{viewport}")
    page.emulate_media(media="screen")
    db.session.rollback()
    assert db.session.scalar(sa.select(Certificate.hours)) == 5.5

    # Anyone can check it.
    page.context.clear_cookies()
    page.goto(f"{live_server}/verify/{code}")
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "valid")
    expect(page.get_by_test_id("facts")).to_contain_text("5.5")
    save_screenshot(page, f"certificate-verify-{viewport}")
    page.locator("#code").fill("AAAAAAAA.AAAAAAAAAAAAAAAA")
    page.get_by_test_id("check-code").click()
    expect(page.get_by_test_id("verdict")).to_have_attribute("data-verdict", "invalid")
