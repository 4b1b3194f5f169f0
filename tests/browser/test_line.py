"""LINE Login in Chromium against the stand-in: a new account, and linking one."""

import re

from playwright.sync_api import expect

from marketplace.extensions import db
from tests import factories
from tests.browser.conftest import expect_done, save_screenshot
from tests.browser.test_account_journey import open_account_menu


def test_sign_up_with_line(live_server, line, phone):
    person = line.add_user("มะลิ ใจงาม")
    line.login_as = person.user_id
    phone.goto(live_server + "/register")
    phone.get_by_test_id("line-login").click()  # → LINE → back to the short form
    expect(phone).to_have_url(re.compile(r"/login/line/sign-up$"))
    expect(phone.get_by_label("ชื่อของคุณ")).to_have_value("มะลิ ใจงาม")
    phone.get_by_label(re.compile("ยอมรับข้อตกลง")).check()
    save_screenshot(phone, "line-sign-up-th-phone")
    phone.get_by_test_id("line-create-account").click()
    expect_done(phone)
    expect(phone.get_by_role("status")).to_contain_text("มะลิ ใจงาม")
    open_account_menu(phone)
    phone.get_by_test_id("line-account").click()
    expect(phone.get_by_test_id("line-linked")).to_be_visible()
    expect(phone.get_by_test_id("line-friend")).to_contain_text("เปิดอยู่")
    # LINE is the only way into this account: no unlink button.
    expect(phone.get_by_test_id("line-unlink")).to_have_count(0)


def test_link_line_to_an_existing_account(live_server, line, page):
    factories.make_user(email="veera@example.org", name="วีระ อาสาดี")
    db.session.commit()
    person = line.add_user("Veera", is_friend=True)
    line.login_as = person.user_id
    page.goto(live_server + "/login")
    page.get_by_label("อีเมล").fill("veera@example.org")
    page.get_by_label("รหัสผ่าน").fill(factories.PASSWORD)
    page.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()
    expect(page.get_by_test_id("account-menu")).to_be_attached()
    page.goto(live_server + "/account/line")
    expect(page.get_by_test_id("line-not-linked")).to_be_visible()
    page.get_by_test_id("line-link").click()  # → LINE → back, linked
    expect_done(page)
    expect(page.get_by_test_id("line-linked")).to_contain_text("Veera")
    viewport = "phone" if page.viewport_size["width"] < 600 else "desktop"
    save_screenshot(page, f"line-linked-th-{viewport}")
    page.get_by_test_id("line-unlink").click()
    expect(page.get_by_test_id("line-not-linked")).to_be_visible()
