"""Checks of the shipped seed data under marketplace/seed/data (taxonomy and demo)."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "marketplace" / "seed" / "data"

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
THAI = re.compile(r"[\u0e00-\u0e7f]")
SUFFIX_TH = " (ข้อมูลตัวอย่าง)"
SUFFIX_EN = " (demo content)"

FIXED_CAUSES = ["education", "health", "anti-corruption", "environment", "disability"]
FIRST_CAUSES = [
    *FIXED_CAUSES,
    "children-youth",
    "elderly",
    "animals",
    "disaster-relief",
    "community",
]
SKILL_CATEGORIES = {
    "care",
    "teaching",
    "language",
    "creative",
    "tech",
    "professional",
    "event",
    "field",
    "logistics",
}
ORG_KINDS = {"intermediary", "organiser", "giving_partner", "partner"}
NAMED_ORGS = {
    "มูลนิธินวัตกรรมทางสังคม": "intermediary",
    "มูลนิธิยุวพัฒน์": "intermediary",
    "องค์กรต่อต้านคอร์รัปชัน (ประเทศไทย)": "intermediary",
    "มูลนิธิเอ็นไลฟ": "intermediary",
    "สำนักงานกองทุนสนับสนุนการสร้างเสริมสุขภาพ (สสส.)": "intermediary",
    "โครงการร้อยพลังเปลี่ยนประเทศ": "organiser",
    "มูลนิธิเพื่อคนไทย": "organiser",
    "เทใจ": "giving_partner",
    "ปันกัน": "giving_partner",
    "ฟู้ดฟอร์กู๊ด": "giving_partner",
    "โซเชียลกีฟเวอร์": "giving_partner",
    "เครือข่ายจิตอาสา": "giving_partner",
}

# Official Thai names the offline gazetteer is built from: 77 provinces, the 50
# districts (เขต) of Bangkok, and the expo landmarks.
PROVINCE_NAMES = """
    กรุงเทพมหานคร กระบี่ กาญจนบุรี กาฬสินธุ์ กำแพงเพชร ขอนแก่น จันทบุรี ฉะเชิงเทรา ชลบุรี
    ชัยนาท ชัยภูมิ ชุมพร เชียงราย เชียงใหม่ ตรัง ตราด ตาก นครนายก นครปฐม นครพนม
    นครราชสีมา นครศรีธรรมราช นครสวรรค์ นนทบุรี นราธิวาส น่าน บึงกาฬ บุรีรัมย์ ปทุมธานี
    ประจวบคีรีขันธ์ ปราจีนบุรี ปัตตานี พระนครศรีอยุธยา พะเยา พังงา พัทลุง พิจิตร พิษณุโลก
    เพชรบุรี เพชรบูรณ์ แพร่ ภูเก็ต มหาสารคาม มุกดาหาร แม่ฮ่องสอน ยโสธร ยะลา ร้อยเอ็ด
    ระนอง ระยอง ราชบุรี ลพบุรี ลำปาง ลำพูน เลย ศรีสะเกษ สกลนคร สงขลา สตูล สมุทรปราการ
    สมุทรสงคราม สมุทรสาคร สระแก้ว สระบุรี สิงห์บุรี สุโขทัย สุพรรณบุรี สุราษฎร์ธานี สุรินทร์
    หนองคาย หนองบัวลำภู อ่างทอง อำนาจเจริญ อุดรธานี อุตรดิตถ์ อุทัยธานี อุบลราชธานี
"""
BANGKOK_DISTRICT_NAMES = """
    พระนคร ดุสิต หนองจอก บางรัก บางเขน บางกะปิ ปทุมวัน ป้อมปราบศัตรูพ่าย พระโขนง มีนบุรี
    ลาดกระบัง ยานนาวา สัมพันธวงศ์ พญาไท ธนบุรี บางกอกใหญ่ ห้วยขวาง คลองสาน ตลิ่งชัน
    บางกอกน้อย บางขุนเทียน ภาษีเจริญ หนองแขม ราษฎร์บูรณะ บางพลัด ดินแดง บึงกุ่ม สาทร
    บางซื่อ จตุจักร บางคอแหลม ประเวศ คลองเตย สวนหลวง จอมทอง ดอนเมือง ราชเทวี ลาดพร้าว
    วัฒนา บางแค หลักสี่ สายไหม คันนายาว สะพานสูง วังทองหลาง คลองสามวา บางนา ทวีวัฒนา
    ทุ่งครุ บางบอน
"""
PROVINCES = set(PROVINCE_NAMES.split())
BANGKOK_DISTRICTS = set(BANGKOK_DISTRICT_NAMES.split())
EXPO_PLACES = {"เซ็นทรัลเวิลด์", "ราชประสงค์"}
PLACES = PROVINCES | BANGKOK_DISTRICTS | EXPO_PLACES


def load(name):
    """Parse one JSON file of the seed data."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def slugs(items, key="slug"):
    """Return the values of ``key`` in order."""
    return [item[key] for item in items]


def is_english(text):
    """Tell whether a posting is written in English (no Thai letters)."""
    return THAI.search(text) is None


@pytest.fixture(scope="module")
def causes():
    return load("causes.json")


@pytest.fixture(scope="module")
def skills():
    return load("skills.json")


@pytest.fixture(scope="module")
def languages():
    return load("languages.json")


@pytest.fixture(scope="module")
def orgs_doc():
    return load("demo/organizations.json")


@pytest.fixture(scope="module")
def opps_doc():
    return load("demo/opportunities.json")


@pytest.fixture(scope="module")
def people():
    return load("demo/people.json")


def test_reference_place_lists_are_complete():
    assert len(PROVINCES) == 77
    assert len(BANGKOK_DISTRICTS) == 50


@pytest.mark.parametrize(
    "name",
    [
        "causes.json",
        "skills.json",
        "languages.json",
        "demo/organizations.json",
        "demo/opportunities.json",
        "demo/people.json",
    ],
)
def test_files_are_utf8_json_with_thai_unescaped(name):
    raw = (DATA / name).read_text(encoding="utf-8")
    json.loads(raw)
    assert "\\u0e" not in raw.lower()
    assert THAI.search(raw)
    assert raw.endswith("\n")


def test_causes_slugs_and_order(causes):
    cause_slugs = slugs(causes)
    assert len(cause_slugs) == len(set(cause_slugs))
    assert all(SLUG.match(s) for s in cause_slugs)
    assert cause_slugs[: len(FIXED_CAUSES)] == FIXED_CAUSES
    assert cause_slugs[: len(FIRST_CAUSES)] == FIRST_CAUSES


def test_causes_have_bilingual_text_and_icon(causes):
    for cause in causes:
        for key in ("name_th", "name_en", "description_th", "description_en"):
            assert cause[key].strip(), (cause["slug"], key)
        assert THAI.search(cause["name_th"]) and THAI.search(cause["description_th"])
        assert SLUG.match(cause["icon"]), cause


def test_skills(skills):
    skill_slugs = slugs(skills)
    assert len(skill_slugs) >= 40
    assert len(skill_slugs) == len(set(skill_slugs))
    assert all(SLUG.match(s) for s in skill_slugs)
    # Used by the API documentation's examples.
    assert {"first-aid", "teaching"} <= set(skill_slugs)
    for skill in skills:
        assert skill["name_th"].strip() and skill["name_en"].strip(), skill
        assert THAI.search(skill["name_th"]), skill
        assert skill["category"] in SKILL_CATEGORIES, skill
    assert len({skill["name_th"] for skill in skills}) == len(skills)
    assert len({skill["name_en"] for skill in skills}) == len(skills)


def test_languages(languages):
    codes = slugs(languages, "code")
    assert 8 <= len(codes) <= 10
    assert len(codes) == len(set(codes))
    assert codes[0] == "th"
    assert {"th", "en", "my", "km", "lo", "zh", "ja", "tsl"} <= set(codes)
    for language in languages:
        assert re.match(r"^[a-z]{2,3}$", language["code"]), language
        assert language["name_th"].strip() and language["name_en"].strip(), language


def test_demo_notes_present(orgs_doc, opps_doc, people):
    for doc in (orgs_doc, opps_doc, people):
        assert doc["note"].startswith("Demo content")


def test_organizations_shape(orgs_doc, causes):
    orgs = orgs_doc["organizations"]
    cause_slugs = set(slugs(causes))
    org_slugs = slugs(orgs)
    assert len(orgs) >= 50
    assert len(org_slugs) == len(set(org_slugs))
    assert all(SLUG.match(s) for s in org_slugs)
    assert len({org["name_th"] for org in orgs}) == len(orgs)
    assert len({org["name_en"] for org in orgs}) == len(orgs)
    for org in orgs:
        assert org["name_th"].strip() and org["name_en"].strip(), org["slug"]
        assert THAI.search(org["name_th"]), org["slug"]
        assert org["kind"] in ORG_KINDS, org["slug"]
        assert org["causes"] and set(org["causes"]) <= cause_slugs, org["slug"]
        assert org["description_th"].endswith(SUFFIX_TH), org["slug"]
        assert org["description_en"].endswith(SUFFIX_EN), org["slug"]
        assert org["place"] in PLACES - EXPO_PLACES, org["slug"]
        website = org["website"]
        assert website == "" or re.match(r"^https?://[^\s]+$", website), org["slug"]
        if org["kind"] == "partner":
            assert website.startswith("https://example.org/"), org["slug"]
        else:
            assert "example.org" not in website, org["slug"]


def test_named_organizations_present(orgs_doc):
    by_name = {org["name_th"]: org for org in orgs_doc["organizations"]}
    for name_th, kind in NAMED_ORGS.items():
        assert name_th in by_name, name_th
        assert by_name[name_th]["kind"] == kind, name_th
    # Only the named ones are real; everything else is a fictional partner.
    non_partners = {
        o["name_th"] for o in orgs_doc["organizations"] if o["kind"] != "partner"
    }
    assert non_partners == set(NAMED_ORGS)
    partners = [o for o in orgs_doc["organizations"] if o["kind"] == "partner"]
    assert len(partners) >= 40
    assert sum(o["place"] in PROVINCES for o in partners) >= 8  # some outside Bangkok


def test_opportunity_templates_shape(opps_doc, orgs_doc, causes, skills, languages):
    templates = opps_doc["templates"]
    org_slugs = set(slugs(orgs_doc["organizations"]))
    cause_slugs = set(slugs(causes))
    skill_slugs = set(slugs(skills))
    codes = set(slugs(languages, "code"))
    assert len(templates) >= 70
    titles = [t["title"] for t in templates]
    assert len(titles) == len(set(titles))
    for t in templates:
        where = t["title"]
        assert t["org"] in org_slugs, where
        assert t["title"].strip(), where
        assert t["causes"] and set(t["causes"]) <= cause_slugs, where
        assert len(t["causes"]) == len(set(t["causes"])), where
        assert 0 <= len(t["skills"]) <= 3 and set(t["skills"]) <= skill_slugs, where
        assert len(t["skills"]) == len(set(t["skills"])), where
        # The first `required_skills` (default 1) are required, the rest nice to have.
        assert 1 <= t.get("required_skills", 1) <= max(len(t["skills"]), 1), where
        assert t["languages"] and set(t["languages"]) <= codes, where
        assert isinstance(t["remote"], bool) and isinstance(t["expo"], bool), where
        assert t["approval_mode"] in {"first_come", "review"}, where
        assert type(t["shift_hours"]) is int and 2 <= t["shift_hours"] <= 8, where
        assert type(t["capacity"]) is int and 2 <= t["capacity"] <= 40, where
        assert isinstance(t["accessibility"], str), where
        if t["remote"]:
            assert t["place"] is None and not t["expo"], where
        else:
            assert t["place"] in PLACES, where
        if t["expo"]:
            assert t["place"] in EXPO_PLACES, where
        elif t["place"] is not None:
            assert t["place"] not in EXPO_PLACES, where
        suffix = SUFFIX_EN if is_english(t["title"]) else SUFFIX_TH
        assert t["description"].endswith(suffix), where
        assert is_english(t["description"]) == is_english(t["title"]), where


def test_opportunity_templates_cover_causes_and_mix(opps_doc, orgs_doc, causes):
    templates = opps_doc["templates"]
    covered = {c for t in templates for c in t["causes"]}
    assert covered == set(slugs(causes))
    posting_orgs = {t["org"] for t in templates}
    assert posting_orgs == set(slugs(orgs_doc["organizations"]))
    n = len(templates)
    share = Counter()
    for t in templates:
        share["expo"] += t["expo"]
        share["remote"] += t["remote"]
        share["review"] += t["approval_mode"] == "review"
        share["english"] += is_english(t["title"])
    assert 0.18 <= share["expo"] / n <= 0.32
    assert 0.06 <= share["remote"] / n <= 0.15
    assert 0.28 <= share["review"] / n <= 0.42
    assert 0.08 <= share["english"] / n <= 0.22


def test_people(people):
    for key in ("first_names", "last_names"):
        names = people[key]
        assert len(names) >= 80, key
        assert len({n["th"] for n in names}) == len(names), key
        for name in names:
            assert THAI.search(name["th"]), name
            assert re.match(r"^[A-Z][a-z]+(?:[ -][A-Za-z][a-z]*)*$", name["en"]), name
    assert len(people["bios_th"]) >= 30
    assert len(people["bios_en"]) >= 15
    assert all(THAI.search(bio) for bio in people["bios_th"])
    assert all(bio.strip() and not THAI.search(bio) for bio in people["bios_en"])
    assert len(set(people["bios_th"])) == len(people["bios_th"])
