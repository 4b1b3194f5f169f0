"""A volunteer manages consents, downloads their data and deletes the account."""

import json
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import Consent, ConsentPurpose, User
from tests import factories
from tests.browser.conftest import expect_done, save_screenshot
from tests.browser.test_account_journey import open_account_menu


def test_withdraw_regrant_export_and_erase(live_server, page, app):
    viewport = "phone" if page.viewport_size["width"] < 600 else "desktop"
    volunteer = factories.make_user(email="privacy@example.org", name="ปรีดา รักษ์ข้อมูล")
    db.session.commit()
    volunteer_id = volunteer.id

    page.goto(live_server + "/login")
    page.locator("input[name=email]").fill("privacy@example.org")
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.get_by_test_id("account-menu")).to_be_attached()

    open_account_menu(page)
    page.locator("a.dropdown-item[href='/account/privacy']").click()
    expect(page.get_by_test_id("purpose-profile_sharing")).to_be_visible()
    save_screenshot(page, f"privacy-settings-{viewport}")

    page.get_by_test_id("withdraw-profile_sharing").click()
    expect(page.get_by_test_id("grant-profile_sharing")).to_be_visible()
    expect(page.get_by_test_id("history")).to_be_visible()
    save_screenshot(page, f"privacy-withdrawn-{viewport}")
    page.get_by_test_id("grant-profile_sharing").click()
    expect(page.get_by_test_id("withdraw-profile_sharing")).to_be_visible()
    db.session.rollback()  # a fresh snapshot: see what the server wrote
    decisions = db.session.scalars(
        sa.select(Consent.granted)
        .where(
            Consent.user_id == volunteer_id,
            Consent.purpose == ConsentPurpose.PROFILE_SHARING,
        )
        .order_by(Consent.id)
    ).all()
    assert decisions == [False, True]

    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    download = download_info.value
    assert download.suggested_filename == "my-data.json"
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == "privacy@example.org"
    assert [c["purpose"] for c in data["consents"]][-2:] == [
        "profile_sharing",
        "profile_sharing",
    ]

    page.get_by_test_id("to-erase").click()
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("input[name=confirm]").check()
    save_screenshot(page, f"privacy-erase-{viewport}")
    page.get_by_test_id("erase").click()
    expect_done(page)
    expect(page.get_by_test_id("account-menu")).to_have_count(0)
    save_screenshot(page, f"privacy-erased-{viewport}")
    db.session.rollback()
    erased = db.session.get(User, volunteer_id)
    assert erased.erased_at is not None
    assert erased.email != "privacy@example.org"
