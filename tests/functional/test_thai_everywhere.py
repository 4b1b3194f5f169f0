"""Units, durations, sources, places and the shift word in the user's language."""

import csv
import io
from pathlib import Path

from babel.messages.pofile import read_po

from marketplace.extensions import db
from marketplace.i18n import format_hours
from marketplace.impact.indicators import unit_name
from marketplace.models import Role
from tests import factories
from tests.functional.test_impact import served

ROOT = Path(__file__).resolve().parents[2]


def test_durations_go_through_babel_in_both_languages():
    assert format_hours(6, "th") == "6 ชม."
    assert format_hours(1.5, "th") == "1.5 ชม."
    assert format_hours(6, "en") == "6 hr"
    assert format_hours(1.5, "en") == "1.5 hr"
    assert format_hours(1, "en", length="long") == "1 hour"


def test_units_follow_the_reader_and_typed_ones_stay():
    assert unit_name("trees", "th") == "ต้น" and unit_name("trees", "en") == "trees"
    assert unit_name("children", "th") == "คน"
    assert unit_name("THB", "th") == "บาท" and unit_name("hours", "en") == "hours"
    # Typed in Thai, read in English; "คน" is people, not children.
    assert unit_name("ชั่วโมง", "en") == "hours" and unit_name("คน", "en") == "people"
    assert unit_name("ถุงยังชีพ", "en") == "ถุงยังชีพ"


def _funnel_rows(client) -> list[list[str]]:
    text = client.get("/staff/impact/funnel_source.csv").get_data(as_text=True)
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_funnel_sources_and_provinces_are_words_in_the_users_language(client, auth):
    factories.make_user(Role.ORGANIZER, email="staff@example.org", is_staff=True)
    organization = factories.make_organization()
    volunteer = factories.make_user()
    volunteer.signup_source = "friend"
    volunteer.profile.province = "เชียงใหม่"
    served(organization, volunteer)
    db.session.commit()
    auth.login("staff@example.org")
    assert "เพื่อนแนะนำ" in {row[0] for row in _funnel_rows(client)}
    client.post("/language", data={"locale": "en"})
    assert "A friend" in {row[0] for row in _funnel_rows(client)}
    provinces = client.get("/staff/impact/funnel_province.csv").get_data(as_text=True)
    assert "Chiang Mai" in provinces and "เชียงใหม่" not in provinces
    page = client.get("/staff/impact").get_data(as_text=True)
    assert '<option value="กรุงเทพมหานคร">Bangkok</option>' in page


def test_place_names_are_english_on_english_pages(client):
    organization = factories.make_organization()
    opportunity = factories.make_opportunity(organization)
    db.session.commit()
    thai = client.get("/opportunities").get_data(as_text=True)
    assert "ปทุมวัน, กรุงเทพมหานคร" in thai
    client.post("/language", data={"locale": "en"})
    for url in ("/opportunities", f"/opportunities/{opportunity.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "Pathum Wan, Bangkok" in page, url
        assert "ปทุมวัน" not in page, url


def test_an_unknown_place_gets_a_suggestion_and_a_known_abbreviation_is_found(client):
    page = client.get("/opportunities?where=เชียงไหม่").get_data(as_text=True)
    assert "ไม่พบสถานที่ “เชียงไหม่” หมายถึง “เชียงใหม่”" in page
    page = client.get("/opportunities?where=ซ.ลาดพร้าว 71").get_data(as_text=True)
    # (The place box's hint for no suggestions also starts "ไม่พบสถานที่…".)
    assert "ไม่พบสถานที่ “" not in page
    client.post("/language", data={"locale": "en"})
    page = client.get("/opportunities?where=Atlantis").get_data(as_text=True)
    assert "Type a district or province" in page


def test_shift_times_are_headed_as_times_not_dates(client, auth):
    user = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[user])
    db.session.commit()
    auth.login("o@example.org")
    page = client.get(f"/organizations/{organization.id}/opportunities/new")
    html = page.get_data(as_text=True)
    table = html.split('class="table table-sm align-middle shift-rows"')[1]
    head = table.split("</thead>")[0]
    assert "เวลาเริ่ม" in head and "เวลาสิ้นสุด" in head
    assert "ตั้งแต่วันที่" not in head and "ถึงวันที่" not in head


def test_one_thai_word_for_a_shift():
    """กะ for a shift, never รอบ (which stays for outcome rounds)."""
    path = ROOT / "marketplace/translations/th/LC_MESSAGES/messages.po"
    with path.open("rb") as po:
        catalogue = read_po(po)
    mixed = []
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string
        strings = strings if isinstance(strings, tuple) else (strings,)
        thai = " ".join(strings).replace("ครอบ", "")  # ครอบครัว is family
        if any("shift" in str(i).lower() for i in ids) and "รอบ" in thai:
            mixed.append(ids[0])
    assert mixed == []
    assert sum("กะ" in str(m.string) for m in catalogue) > 50


def test_english_is_the_source_language_and_every_catalogue_is_complete():
    """No English catalogue of empty strings that claims "1% translated"."""
    catalogues = sorted((ROOT / "marketplace/translations").glob("*/LC_MESSAGES/*.po"))
    assert [po.parent.parent.name for po in catalogues] == ["th"]


def test_english_pages_use_the_source_texts_and_plurals(client):
    organization = factories.make_organization()
    factories.make_opportunity(organization, shifts=3)
    db.session.commit()
    client.post("/language", data={"locale": "en"})
    page = client.get("/opportunities").get_data(as_text=True)
    assert '<html lang="en">' in page and "Opportunities" in page
    assert "more shifts" in page or "spots left" in page


def test_notifications_mark_thai_names_and_escape_what_people_typed(client, auth):
    from marketplace.notifications import notify

    user = factories.make_user(email="n@example.org")
    notify(user, "application_received", volunteer="มานี <b>มีนา</b>", title="Tea")
    db.session.commit()
    auth.login("n@example.org")
    client.post("/language", data={"locale": "en"})
    page = client.get("/notifications").get_data(as_text=True)
    # The Thai name is read with the Thai voice; the English title needs no mark.
    assert (
        'New application from <span lang="th">มานี &lt;b&gt;มีนา&lt;/b&gt;</span>'
        " for “Tea”." in page
    )
    assert "<b>มีนา" not in page
