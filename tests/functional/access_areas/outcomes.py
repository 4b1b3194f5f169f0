"""Who may use the outcomes routes (rounds, outcomes, reported values, pledges)."""

from marketplace.extensions import db
from marketplace.models import (
    Membership,
    OrganizationKind,
    Outcome,
    OutcomeRound,
    OutcomeSource,
    OutcomeStatus,
    RoundStatus,
)
from tests import factories

from .roles import EVERYONE, LOGGED_IN, MEMBER, MEMBER_OR_STAFF, ORGANIZERS, STAFF

MATRIX = {
    ("outcomes.rounds", "GET"): EVERYONE,
    ("outcomes.open_round", "GET"): STAFF,
    ("outcomes.open_round", "POST"): STAFF,
    ("outcomes.round_page", "GET"): EVERYONE,
    # Any organisation member may open the form (for their own organisation).
    ("outcomes.propose", "GET"): ORGANIZERS,
    ("outcomes.propose", "POST"): MEMBER_OR_STAFF,
    ("outcomes.close_round", "POST"): STAFF,
    ("outcomes.endorse", "POST"): LOGGED_IN,
    ("outcomes.add_comment", "POST"): LOGGED_IN,
    ("outcomes.agree", "POST"): STAFF,
    ("outcomes.set_aside", "POST"): STAFF,
    ("outcomes.report", "GET"): MEMBER,
    ("outcomes.report", "POST"): MEMBER,
    # "member" is also a member of a giving partner in this world.
    ("outcomes.pledges", "GET"): MEMBER_OR_STAFF,
    ("outcomes.record_pledge", "POST"): MEMBER_OR_STAFF,
    ("outcomes.pledges_csv", "GET"): MEMBER_OR_STAFF,
    ("api_outcomes.list_rounds", "GET"): EVERYONE,
    ("api_outcomes.create_round", "POST"): STAFF,
    ("api_outcomes.get_round", "GET"): EVERYONE,
    ("api_outcomes.close_round", "POST"): STAFF,
    ("api_outcomes.list_outcomes", "GET"): EVERYONE,
    ("api_outcomes.propose_outcome", "POST"): MEMBER_OR_STAFF,
    ("api_outcomes.endorse", "POST"): LOGGED_IN,
    ("api_outcomes.comment", "POST"): LOGGED_IN,
    ("api_outcomes.agree", "POST"): STAFF,
    ("api_outcomes.set_aside", "POST"): STAFF,
    ("api_outcomes.list_reported_values", "GET"): MEMBER_OR_STAFF,
    ("api_outcomes.report_value", "POST"): MEMBER,
    ("api_outcomes.list_pledges", "GET"): MEMBER_OR_STAFF,
    ("api_outcomes.create_pledge", "POST"): MEMBER_OR_STAFF,
}


def extend_world(world: dict) -> None:
    """An open round with an agreed reported outcome of the organisation; a partner."""
    people = world["people"]
    outcome_round = OutcomeRound(
        title_th="รอบทดสอบ", title_en="Test round", status=RoundStatus.OPEN
    )
    outcome = Outcome(
        round=outcome_round,
        name_th="ต้นไม้ที่ปลูก",
        name_en="Trees planted",
        indicator="trees planted",
        unit="trees",
        baseline=0,
        target=100,
        organization_id=world["organization_id"],
        source=OutcomeSource.REPORTED,
        status=OutcomeStatus.AGREED,
    )
    db.session.add_all([outcome_round, outcome])
    partner = factories.make_organization(name="มูลนิธิให้ทดสอบ")
    partner.kind = OrganizationKind.GIVING_PARTNER
    db.session.add(Membership(organization=partner, user=people["member"]))
    db.session.flush()
    world.update(
        round_id=outcome_round.id,
        outcome_id=outcome.id,
        giving_partner_id=partner.id,
    )


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    return {
        "api_outcomes.create_round": {"title_th": "รอบใหม่"},
        "api_outcomes.propose_outcome": {
            "name_th": "ชั่วโมงอาสา",
            "source": "computed",
            "indicator": "attended_hours",
            "target": 500,
            "organization_id": world["organization_id"],
        },
        "api_outcomes.comment": {"body": "เห็นด้วย"},
        "api_outcomes.report_value": {
            "opportunity_id": world["opportunity_id"],
            "value": 12,
        },
        "api_outcomes.create_pledge": {
            "amount_thb": "1500.00",
            "source_partner_id": world["giving_partner_id"],
            "pledged_on": "2027-06-09",
        },
    }.get(endpoint)


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    return {
        "outcomes.open_round": {"title_th": "รอบใหม่"},
        "outcomes.propose": {
            "name_th": "ชั่วโมงอาสา",
            "source": "computed",
            "indicator_key": "attended_hours",
            "target": "500",
            "organization_id": str(world["organization_id"]),
        },
        "outcomes.add_comment": {"body": "เห็นด้วย"},
        "outcomes.report": {
            "opportunity_id": str(world["opportunity_id"]),
            "value": "12",
        },
        "outcomes.record_pledge": {
            "kind": "pledge",
            "amount_thb": "1500.00",
            "source_partner_id": str(world["giving_partner_id"]),
            "pledged_on": "2027-06-09",
        },
    }.get(endpoint)
