"""Co-defining an outcome in Chromium: staff open, a member proposes, staff agree."""

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import Outcome, OutcomeRound, OutcomeStatus, Role
from tests import factories
from tests.browser.conftest import save_screenshot
from tests.browser.test_volunteer_journey import log_in


def test_staff_open_member_proposes_and_endorses_staff_agree(live_server, page):
    viewport = "phone" if page.viewport_size["width"] < 600 else "desktop"
    member = factories.make_user(Role.ORGANIZER, email="m@example.org", name="มาลี")
    factories.make_user(Role.ORGANIZER, email="staff@example.org", is_staff=True)
    factories.make_organization(members=[member], name="มูลนิธิปลูกป่า")
    db.session.commit()

    log_in(page, live_server, "staff@example.org")
    page.goto(f"{live_server}/outcomes/")
    page.get_by_test_id("open-round").click()
    page.locator("#title_th").fill("ผลลัพธ์ด้านสิ่งแวดล้อม")
    page.locator("#cause").select_option("environment")
    page.get_by_test_id("submit-round").click()
    expect(page.get_by_test_id("propose")).to_be_visible()
    round_id = db.session.scalar(sa.select(OutcomeRound.id))
    page.context.clear_cookies()

    log_in(page, live_server, "m@example.org")
    page.goto(f"{live_server}/outcomes/rounds/{round_id}")
    page.get_by_test_id("propose").click()
    page.locator("#name_th").fill("ต้นไม้ที่ปลูกรอดตาย")
    page.locator("input[name=source][value=reported]").check()
    page.locator("#indicator_text").fill("ต้นไม้ที่รอด")
    page.locator("#unit").fill("ต้น")
    page.locator("#target").fill("1000")
    page.get_by_test_id("submit-outcome").click()
    expect(page.locator("[data-testid^=endorse-]")).to_be_visible()
    db.session.rollback()  # end the earlier read, to see the server's writes
    outcome_id = db.session.scalar(sa.select(Outcome.id))
    page.get_by_test_id(f"endorse-{outcome_id}").click()
    expect(page.get_by_test_id(f"endorsed-{outcome_id}")).to_be_visible()
    expect(page.get_by_test_id(f"endorsements-{outcome_id}")).to_contain_text("1")
    save_screenshot(page, f"outcomes-proposed-{viewport}")
    page.context.clear_cookies()

    log_in(page, live_server, "staff@example.org")
    page.goto(f"{live_server}/outcomes/rounds/{round_id}")
    page.get_by_test_id(f"agree-{outcome_id}").click()
    expect(page.get_by_test_id(f"agree-{outcome_id}")).to_have_count(0)
    page.get_by_test_id("close-round").click()
    expect(page.get_by_test_id(f"progress-{outcome_id}")).to_be_visible()
    db.session.rollback()
    assert db.session.get(Outcome, outcome_id).status is OutcomeStatus.AGREED
    save_screenshot(page, f"outcomes-agreed-{viewport}")
