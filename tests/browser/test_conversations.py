"""Messages to a shift: a member writes, the volunteer answers on a phone, and the
answer is in the conversation, unread for another member."""

from datetime import timedelta

from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import Application, ApplicationStatus, Role, utcnow
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE, expect_done, save_screenshot
from tests.browser.test_volunteer_journey import log_in


def test_a_message_and_its_answer_reach_the_shared_inbox(app, live_server, browser):
    member = factories.make_user(Role.ORGANIZER, email="org@example.org", name="คุณแอน")
    other_member = factories.make_user(Role.ORGANIZER, email="org2@example.org")
    organization = factories.make_organization(members=[member, other_member])
    opportunity = factories.make_opportunity(
        organization,
        title="ต้อนรับผู้เข้าชมงาน",
        starts=utcnow().replace(microsecond=0) + timedelta(days=2),
    )
    shift = opportunity.shifts[0]
    volunteer = factories.make_user(email="vol@example.org", name="อาสา มานะ")
    db.session.add(
        Application(
            shift_id=shift.id,
            volunteer_id=volunteer.id,
            status=ApplicationStatus.APPROVED,
        )
    )
    shift.spots_taken = 1
    db.session.commit()
    shift_id, organization_id = shift.id, organization.id

    desk = browser.new_context(viewport=DESKTOP, locale="th-TH")
    phone_context = browser.new_context(viewport=PHONE, locale="th-TH")
    office, phone = desk.new_page(), phone_context.new_page()
    for tab in (office, phone):
        tab.set_default_timeout(10_000)
    try:
        # A member writes to the shift from the opportunity's applicants page.
        log_in(office, live_server, "org@example.org")
        office.goto(f"{live_server}/manage/opportunities/{opportunity.id}/applicants")
        office.get_by_test_id(f"message-shift-{shift_id}").locator("summary").click()
        expect(office.get_by_test_id(f"shift-{shift_id}-to-held")).to_be_checked()
        office.get_by_test_id(f"shift-{shift_id}-body").fill(
            "พบกันที่ประตู 3 ก่อนเวลา 15 นาทีนะคะ"
        )
        with office.expect_navigation():
            office.get_by_test_id(f"shift-{shift_id}-send").click()
        expect_done(office)
        expect(office.get_by_test_id("conversation")).to_contain_text("ประตู 3")

        # The volunteer finds it on My shifts and answers on their phone.
        log_in(phone, live_server, "vol@example.org")
        phone.goto(f"{live_server}/me/shifts")
        with phone.expect_navigation():
            phone.get_by_test_id(f"thread-{shift_id}").click()
        expect(phone.get_by_test_id("thread")).to_contain_text("คุณแอน")
        phone.locator("#body").fill("รับทราบค่ะ จะไปถึงก่อนเวลา")
        with phone.expect_navigation():
            phone.get_by_test_id("send-answer").click()
        expect_done(phone)
        expect(phone.get_by_test_id("thread")).to_contain_text("รับทราบค่ะ")
        save_screenshot(phone, "conversation-thread-phone")

        # Another member sees it unread in the shared inbox, then in the conversation.
        office.context.clear_cookies()
        log_in(office, live_server, "org2@example.org")
        office.goto(f"{live_server}/organizations/{organization_id}/dashboard")
        with office.expect_navigation():
            office.get_by_test_id("inbox").click()
        expect(office.get_by_test_id(f"inbox-unread-{shift_id}")).to_be_visible()
        with office.expect_navigation():
            office.get_by_test_id(f"inbox-{shift_id}").get_by_role("link").click()
        conversation = office.get_by_test_id("conversation")
        expect(conversation).to_contain_text("รับทราบค่ะ จะไปถึงก่อนเวลา")
        expect(conversation).to_contain_text("อาสา มานะ")
        expect(office.locator("[data-testid^=unread-]")).to_have_count(2)
        save_screenshot(office, "conversation-desktop")
    finally:
        desk.close()
        phone_context.close()
