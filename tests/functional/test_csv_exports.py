"""CSV downloads: words and local dates for people, stable columns for scripts."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    Attendance,
    Pledge,
    PledgeKind,
    Role,
)
from tests import factories

# 02:00 UTC on 9 June 2027 is 09:00 in Bangkok; three hours long.
STARTS = datetime(2027, 6, 9, 2, 0, tzinfo=UTC)


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel shows Thai only with the BOM
    return list(csv.reader(io.StringIO(text[1:])))


def _as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def applicants(auth):
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[organizer])
    opportunity = factories.make_opportunity(organization, starts=STARTS, hours=3)
    volunteer = factories.make_user(email="v@example.org", name="อาสา ใจดี")
    db.session.add(
        Application(
            shift=opportunity.shifts[0],
            volunteer=volunteer,
            status=ApplicationStatus.APPROVED,
            attendance=Attendance.ATTENDED,
            hours=2.5,
        )
    )
    db.session.commit()
    auth.login("o@example.org")
    return f"/manage/opportunities/{opportunity.id}/applicants.csv"


def test_applicants_csv_in_thai_has_words_and_local_dates_and_times(client, applicants):
    (row,) = _as_dicts(_rows(client.get(applicants)))
    assert row["วันที่เริ่ม"] == "2027-06-09" and row["เวลาเริ่ม"] == "09:00"
    assert row["วันที่สิ้นสุด"] == "2027-06-09" and row["เวลาสิ้นสุด"] == "12:00"
    assert row["สถานะ"] == "อนุมัติแล้ว"
    assert row["การเข้าร่วม"] == "มาร่วมงาน"
    assert row["อาสาสมัคร"] == "อาสา ใจดี" and row["อีเมล"] == "v@example.org"
    assert row["จำนวนชั่วโมง"] == "2.5"


def test_applicants_csv_in_english(client, applicants):
    client.post("/language", data={"locale": "en"})
    (row,) = _as_dicts(_rows(client.get(applicants)))
    assert row["Start date"] == "2027-06-09" and row["Start time"] == "09:00"
    assert row["End time"] == "12:00"
    assert row["Status"] == "Approved" and row["Attendance"] == "Attended"
    assert row["E-mail"] == "v@example.org"


@pytest.mark.parametrize("locale", ["th", "en"])
def test_machine_csv_keeps_its_columns_codes_and_timestamps(client, applicants, locale):
    client.post("/language", data={"locale": locale})
    rows = _rows(client.get(applicants + "?format=machine"))
    assert rows[0] == [
        "application_id",
        "shift_start",
        "shift_end",
        "volunteer",
        "email",
        "status",
        "message",
        "attendance",
        "hours",
    ]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["shift_start"] == "2027-06-09T09:00+07:00"
    assert row["shift_end"] == "2027-06-09T12:00+07:00"
    assert row["status"] == "approved" and row["attendance"] == "attended"


@pytest.fixture
def pledges(auth):
    staff = factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    partner = factories.make_giving_partner(name="กองทุนให้")
    partner.name_en = "Giving Fund"
    db.session.flush()
    db.session.add(
        Pledge(
            kind=PledgeKind.DONATION,
            amount_thb=Decimal("1500.50"),
            source_partner=partner,
            pledged_on=datetime(2027, 6, 9).date(),
            recorded_by_id=staff.id,
            note="",
        )
    )
    db.session.commit()
    auth.login("s@example.org")
    return "/outcomes/pledges.csv"


def test_pledges_csv_names_kinds_and_partners_in_the_users_language(client, pledges):
    (row,) = _as_dicts(_rows(client.get(pledges)))
    assert row["ประเภท"] == "เงินบริจาค" and row["ภาคีด้านการให้"] == "กองทุนให้"
    assert row["วันที่"] == "2027-06-09" and row["จำนวนเงิน (บาท)"] == "1500.50"
    assert row["ผู้รับ"] == "กองทุนประเด็นของงาน"
    client.post("/language", data={"locale": "en"})
    (row,) = _as_dicts(_rows(client.get(pledges)))
    assert row["Kind"] == "Donation" and row["Giving partner"] == "Giving Fund"
    assert row["Beneficiary"] == "The expo's cause fund"
    (row,) = _as_dicts(_rows(client.get(pledges + "?format=machine")))
    assert row["kind"] == "donation" and row["source_partner"] == "กองทุนให้"
    assert row["pledged_on"] == "2027-06-09" and row["beneficiary"] == ""
