"""Pledges and donations: who records them, validation, totals, CSV, API."""

import csv
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, Pledge, PledgeKind, Role
from tests import factories


@pytest.fixture
def people():
    people = {
        "staff": factories.make_user(
            Role.ORGANIZER, email="staff@example.org", is_staff=True
        ),
        "giver": factories.make_user(Role.ORGANIZER, email="giver@example.org"),
        "other_giver": factories.make_user(Role.ORGANIZER, email="og@example.org"),
        "member": factories.make_user(Role.ORGANIZER, email="member@example.org"),
    }
    people["partner"] = factories.make_giving_partner(
        members=[people["giver"]], name="กองทุนให้"
    )
    people["other_partner"] = factories.make_giving_partner(
        members=[people["other_giver"]], name="=HYPERLINK(1)"
    )
    people["org"] = factories.make_organization(members=[people["member"]])
    db.session.commit()
    return people


def _login(client, email):
    client.post("/logout")
    client.post("/login", data={"email": email, "password": factories.PASSWORD})


def _pledge(client, partner_id, **fields):
    data = {
        "kind": "pledge",
        "amount_thb": "1500.50",
        "source_partner_id": str(partner_id),
        "cause": "education",
        "pledged_on": "2027-06-09",
    } | fields
    return client.post("/outcomes/pledges", data=data)


def test_a_giving_partner_records_only_its_own_pledges(client, people):
    _login(client, "giver@example.org")
    assert _pledge(client, people["other_partner"].id).status_code == 403
    assert _pledge(client, people["partner"].id).status_code == 302
    pledge = db.session.scalar(sa.select(Pledge))
    assert pledge.amount_thb == Decimal("1500.50")
    assert pledge.source_partner_id == people["partner"].id
    assert pledge.recorded_by_id == people["giver"].id
    assert db.session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.target_type == "pledge")
    ) == ("pledge.recorded")
    # An ordinary organisation member is no giving partner.
    _login(client, "member@example.org")
    assert client.get("/outcomes/pledges").status_code == 403
    assert _pledge(client, people["org"].id).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"amount_thb": "0"},
        {"amount_thb": "-5"},
        {"amount_thb": "10.005"},
        {"amount_thb": "lots"},
        {"amount_thb": "1e400"},
        {"amount_thb": "NaN"},
        {"kind": "loan"},
        {"cause": "no-such-cause"},
        {"pledged_on": "not a date"},
    ],
)
def test_bad_pledges_give_clear_messages(client, people, fields):
    _login(client, "staff@example.org")
    response = _pledge(client, people["partner"].id, **fields)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page or "text-danger" in page
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == 0


def test_staff_record_for_any_partner_but_not_for_an_ordinary_org(client, people):
    _login(client, "staff@example.org")
    assert _pledge(client, people["other_partner"].id).status_code == 302
    response = _pledge(client, people["org"].id)
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Pledge.id))) == 1


def _add(partner, amount, cause=None, kind=PledgeKind.PLEDGE):
    from datetime import date

    from marketplace.models import Cause

    db.session.add(
        Pledge(
            kind=kind,
            amount_thb=Decimal(amount),
            source_partner=partner,
            cause=db.session.scalar(sa.select(Cause).where(Cause.slug == cause))
            if cause
            else None,
            pledged_on=date(2027, 6, 9),
            note="=SUM(A1)",
        )
    )


def test_totals_by_cause_and_partner_and_csv(client, people, count_queries):
    _add(people["partner"], "1000.25", "education")
    _add(people["partner"], "500.00", "health", PledgeKind.DONATION)
    _add(people["other_partner"], "200.10", "education")
    db.session.commit()
    _login(client, "staff@example.org")
    page = client.get("/outcomes/pledges").get_data(as_text=True)
    assert "1,700.35" in page
    by_cause = page.split('data-testid="by-cause"')[1].split("</table>")[0]
    assert "1,200.35" in by_cause and "500.00" in by_cause
    # A giving partner sees only what came through it.
    _login(client, "giver@example.org")
    page = client.get("/outcomes/pledges").get_data(as_text=True)
    assert "1,500.25" in page and "1,700.35" not in page
    response = client.get("/outcomes/pledges.csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 3
    assert all(row[5] == "กองทุนให้" for row in rows[1:])
    assert all(row[7] == "'=SUM(A1)" for row in rows[1:])
    _login(client, "staff@example.org")
    rows = list(
        csv.reader(io.StringIO(client.get("/outcomes/pledges.csv").get_data(True)))
    )
    assert "'=HYPERLINK(1)" in {row[5] for row in rows}
    # The list costs the same number of queries however many pledges there are.
    with count_queries() as few:
        client.get("/outcomes/pledges")
    for _ in range(10):
        _add(people["other_partner"], "1.00", "health")
    db.session.commit()
    with count_queries() as many:
        client.get("/outcomes/pledges")
    assert len(many) == len(few)


def test_pledges_api(api, people):
    def auth(email):
        token = api.post(
            "/api/v1/tokens", json={"email": email, "password": factories.PASSWORD}
        ).get_json()["token"]
        return {"Authorization": f"Bearer {token}"}

    giver = auth("giver@example.org")
    body = {
        "amount_thb": "2500.00",
        "source_partner_id": people["partner"].id,
        "cause": "education",
        "pledged_on": "2027-06-10",
    }
    created = api.post("/api/v1/pledges", json=body, headers=giver)
    assert created.status_code == 201
    assert created.get_json()["amount_thb"] == "2500.00"
    other = api.post(
        "/api/v1/pledges",
        json=body | {"source_partner_id": people["other_partner"].id},
        headers=giver,
    )
    assert other.status_code == 403
    bad = api.post(
        "/api/v1/pledges", json=body | {"amount_thb": "0.001"}, headers=giver
    )
    assert bad.status_code == 422
    assert "amount_thb" in bad.get_json()["error"]["fields"]
    member = auth("member@example.org")
    assert api.get("/api/v1/pledges", headers=member).status_code == 403
    listed = api.get("/api/v1/pledges", headers=giver).get_json()
    assert listed["total"] == 1 and listed["page"] == 1
    assert api.get("/api/v1/pledges").status_code == 401
