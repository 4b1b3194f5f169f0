"""Thai first: language choice, Buddhist Era dates, complete translations."""

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from babel.messages.pofile import read_po

from marketplace.extensions import db
from marketplace.i18n import format_clock, format_day, format_day_range
from marketplace.models import User
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


def test_thai_is_the_default(client):
    assert '<html lang="th">' in client.get("/").get_data(as_text=True)


def test_language_is_kept_for_the_session(client):
    client.post("/language", data={"locale": "en"})
    assert '<html lang="en">' in client.get("/opportunities").get_data(as_text=True)
    client.post("/language", data={"locale": "th"})
    assert '<html lang="th">' in client.get("/").get_data(as_text=True)


def test_language_is_kept_on_the_account(app, client, auth):
    factories.make_user(email="a@example.org")
    db.session.commit()
    auth.login("a@example.org")
    client.post("/language", data={"locale": "en"})
    assert db.session.scalar(sa.select(User.locale)) == "en"
    auth.logout()
    fresh = app.test_client()
    fresh.post(
        "/login", data={"email": "a@example.org", "password": factories.PASSWORD}
    )
    assert '<html lang="en">' in fresh.get("/").get_data(as_text=True)


def test_thai_dates_can_show_the_common_era(client):
    assert (
        "2027" not in client.get("/").get_data(as_text=True).split("expo-dates")[1][:60]
    )
    client.post("/language", data={"era": "ce"})
    dates = client.get("/").get_data(as_text=True).split("expo-dates")[1][:60]
    assert "มิถุนายน 2027" in dates
    client.post("/language", data={"era": "be"})
    dates = client.get("/").get_data(as_text=True).split("expo-dates")[1][:60]
    assert "มิถุนายน 2570" in dates


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"locale": "xx"})
    assert '<html lang="th">' in client.get("/").get_data(as_text=True)


def test_buddhist_era_dates():
    day = date(2027, 6, 9)
    assert format_day(day, "medium", "th") == "9 มิ.ย. 2570"
    assert format_day(day, "long", "th") == "9 มิถุนายน พ.ศ. 2570"
    assert format_day(day, "full", "th") == "วันพุธที่ 9 มิถุนายน พ.ศ. 2570"
    assert format_day(day, "short", "th") == "9/6/70"
    assert format_day(day, "medium", "th", era="ce") == "9 มิ.ย. 2027"
    assert format_day(day, "long", "en") == "9 June 2027"
    assert format_day_range([date(2027, 6, 9), date(2027, 6, 11)], "th") == (
        "9–11 มิถุนายน 2570"
    )


def test_times_are_shown_in_bangkok():
    moment = datetime(2027, 6, 9, 2, 0, tzinfo=UTC)
    assert format_clock(moment, "th") == "09:00"
    assert format_day(datetime(2027, 6, 8, 20, 0, tzinfo=UTC), "medium", "en") == (
        "9 Jun 2027"
    )


def test_every_message_has_a_thai_translation(tmp_path):
    """Extract every translatable string and check the Thai catalogue has it."""
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(template),
            str(ROOT),
        ],
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    with template.open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    with (ROOT / "marketplace/translations/th/LC_MESSAGES/messages.po").open(
        "rb"
    ) as handle:
        catalogue = read_po(handle)
    translated = {message.id for message in catalogue if _is_translated(message)}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"{len(missing)} messages lack Thai: {missing[:10]}"


def _is_translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(message.id) and not message.fuzzy and all(strings)


def test_form_messages_are_in_thai_on_thai_pages(client):
    page = client.post("/register", data={"email": "not-an-address"}).get_data(
        as_text=True
    )
    assert "กรุณากรอกช่องนี้" in page  # WTForms' "This field is required."
    assert "กรุณากรอกอีเมลให้ถูกต้อง" in page or "อีเมลไม่ถูกต้อง" in page
    assert "This field is required." not in page
    assert "@-sign" not in page


def test_form_messages_stay_english_on_english_pages(client):
    client.post("/language", data={"locale": "en"})
    page = client.post("/register", data={}).get_data(as_text=True)
    assert "This field is required." in page


def test_template_gettext_translates_escapes_and_formats_as_jinja_does(app):
    from flask_babel import force_locale

    page = app.jinja_env.from_string(
        "{{ _('Log in') }}|{{ _('%(name)s & co', name='<b>') }}|{{ _('100%%') }}"
    )
    text = app.jinja_env.from_string(
        "{% autoescape false %}{{ _('%(name)s & co', name='<b>') }}{% endautoescape %}"
    )
    with app.test_request_context("/", headers={"Accept-Language": "th"}):
        assert page.render() == "เข้าสู่ระบบ|&lt;b&gt; & co|100%"
        assert text.render() == "<b> & co"  # plain text (e-mails): nothing escaped
        with force_locale("en"):  # an e-mail in the recipient's language
            assert page.render().startswith("Log in|")
        assert page.render().startswith("เข้าสู่ระบบ|")
