"""A person registers, logs out, logs in and switches language in Chromium."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import save_screenshot


def open_navigation(page):
    """On a phone the navigation folds into the menu button: open it fully."""
    page.wait_for_load_state("load")  # Bootstrap's script handles the toggles
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))


def open_account_menu(page):
    """Open the account dropdown (logout lives there)."""
    open_navigation(page)
    menu = page.get_by_test_id("account-menu")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")


def test_register_logout_login_switch_language(live_server, page, request):
    viewport = "phone" if page.viewport_size["width"] < 600 else "desktop"
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    save_screenshot(page, f"home-th-{viewport}")

    page.goto(live_server + "/register")
    page.get_by_label("ชื่อของคุณ").fill("มานี มีนา")
    page.get_by_label("อีเมล").fill("manee@example.org")
    page.get_by_label("รหัสผ่าน", exact=True).fill("ชอบช่วยเหลือผู้อื่น-2570")
    page.get_by_label("ยืนยันรหัสผ่าน").fill("ชอบช่วยเหลือผู้อื่น-2570")
    page.get_by_label(re.compile("ยอมรับข้อตกลง")).check()
    save_screenshot(page, f"register-th-{viewport}")
    page.get_by_role("button", name="สร้างบัญชี").click()
    expect(page.get_by_role("status")).to_contain_text("มานี มีนา")

    open_account_menu(page)
    page.get_by_test_id("logout").click()
    expect(page.get_by_role("status")).to_contain_text("ออกจากระบบ")
    expect(page.get_by_test_id("account-menu")).to_have_count(0)

    page.goto(live_server + "/login")
    page.get_by_label("อีเมล").fill("MANEE@example.org")
    page.get_by_label("รหัสผ่าน").fill("ชอบช่วยเหลือผู้อื่น-2570")
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    expect(page.get_by_test_id("account-menu")).to_be_attached()

    open_navigation(page)
    page.get_by_test_id("switch-language").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lend a hand")
    save_screenshot(page, f"home-en-{viewport}")
