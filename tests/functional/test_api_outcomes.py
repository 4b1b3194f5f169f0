"""The outcomes API: rounds, outcomes, endorsements, comments, reported values."""

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, Outcome, ReportedValue
from tests import factories


def _auth(api, email: str) -> dict:
    response = api.post(
        "/api/v1/tokens", json={"email": email, "password": factories.PASSWORD}
    )
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def _proposal(**fields) -> dict:
    return {
        "name_th": "ชั่วโมงอาสา",
        "source": "computed",
        "indicator": "attended_hours",
        "target": 500,
    } | fields


def test_the_whole_round_through_the_api(api, people):
    staff, member = _auth(api, "staff@example.org"), _auth(api, "member@example.org")
    volunteer = _auth(api, "volunteer@example.org")
    assert (
        api.post(
            "/api/v1/outcome-rounds", json={"title_th": "ก"}, headers=member
        ).status_code
        == 403
    )
    created = api.post(
        "/api/v1/outcome-rounds",
        json={"title_th": "รอบการศึกษา", "cause": "education"},
        headers=staff,
    )
    assert created.status_code == 201
    body = created.get_json()
    assert (body["status"], body["cause"]) == ("open", "education")
    assert body["opened_at"].endswith("+07:00")
    round_id = body["id"]
    listed = api.get("/api/v1/outcome-rounds").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == round_id

    proposed = api.post(
        f"/api/v1/outcome-rounds/{round_id}/outcomes",
        json=_proposal(organization_id=people["org"].id),
        headers=member,
    )
    assert proposed.status_code == 201
    outcome = proposed.get_json()
    assert (outcome["status"], outcome["unit"], outcome["cause"]) == (
        "proposed",
        "hours",
        "education",
    )
    outcome_id = outcome["id"]

    first = api.post(f"/api/v1/outcomes/{outcome_id}/endorse", headers=volunteer)
    again = api.post(f"/api/v1/outcomes/{outcome_id}/endorse", headers=volunteer)
    assert first.status_code == again.status_code == 200
    assert again.get_json()["endorsements"] == 1
    assert again.get_json()["endorsed"] is True
    commented = api.post(
        f"/api/v1/outcomes/{outcome_id}/comments",
        json={"body": "ดีมาก"},
        headers=volunteer,
    )
    assert commented.status_code == 201
    assert commented.get_json()["author"]["id"] == people["volunteer"].id

    assert (
        api.post(f"/api/v1/outcomes/{outcome_id}/agree", headers=member).status_code
        == 403
    )
    agreed = api.post(f"/api/v1/outcomes/{outcome_id}/agree", headers=staff)
    assert agreed.status_code == 200
    assert agreed.get_json()["status"] == "agreed"
    assert agreed.get_json()["progress"] == {"current": 0.0, "ratio": 0.0}
    closed = api.post(f"/api/v1/outcome-rounds/{round_id}/close", headers=staff)
    assert closed.get_json()["status"] == "agreed"
    late = api.post(
        f"/api/v1/outcome-rounds/{round_id}/outcomes",
        json=_proposal(organization_id=people["org"].id),
        headers=member,
    )
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "round_closed"

    outcomes = api.get(f"/api/v1/outcome-rounds/{round_id}/outcomes").get_json()
    assert outcomes["total"] == 1
    # Anonymous callers see outcomes, not who commented.
    assert outcomes["items"][0]["comments"] is None
    logged_in = api.get(
        f"/api/v1/outcome-rounds/{round_id}/outcomes", headers=volunteer
    ).get_json()
    assert logged_in["items"][0]["comments"][0]["body"] == "ดีมาก"
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.target_type == "outcome")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "outcome.proposed",
        "outcome.endorsed",
        "outcome.commented",
        "outcome.agreed",
    ]


def test_proposals_are_checked(api, people):
    outcome_round = factories.make_outcome_round()
    db.session.commit()
    member = _auth(api, "member@example.org")
    url = f"/api/v1/outcome-rounds/{outcome_round.id}/outcomes"
    other_org = api.post(
        url, json=_proposal(organization_id=people["other_org"].id), headers=member
    )
    assert other_org.status_code == 403
    assert other_org.get_json()["error"]["code"] == "not_a_member"
    assert api.post(url, json=_proposal(), headers=member).status_code == 403
    bad = api.post(
        url,
        json=_proposal(organization_id=people["org"].id, target=0, indicator="made_up"),
        headers=member,
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"target", "indicator"}
    malformed = api.post(url, json={"name_th": "x", "target": "lots"}, headers=member)
    assert malformed.status_code == 422
    assert "target" in malformed.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count(Outcome.id))) == 0
    assert api.post(url, json=_proposal()).status_code == 401


def test_reported_values_through_the_api(api, people):
    outcome_round = factories.make_outcome_round()
    outcome = factories.make_outcome(outcome_round, status="agreed", baseline=5)
    proposed = factories.make_outcome(outcome_round)
    mine = factories.make_opportunity(people["org"])
    theirs = factories.make_opportunity(people["other_org"])
    db.session.commit()
    member = _auth(api, "member@example.org")
    url = f"/api/v1/outcomes/{outcome.id}/reported-values"

    def report(body, headers=member, target=url):
        return api.post(target, json=body, headers=headers)

    refused = report({"opportunity_id": theirs.id, "value": 3})
    assert refused.status_code == 403
    assert report({"opportunity_id": 999_999, "value": 3}).status_code == 404
    not_agreed = report(
        {"opportunity_id": mine.id, "value": 3},
        target=f"/api/v1/outcomes/{proposed.id}/reported-values",
    )
    assert not_agreed.status_code == 409
    assert not_agreed.get_json()["error"]["code"] == "invalid_status"
    bad_url = report(
        {"opportunity_id": mine.id, "value": 3, "evidence_url": "javascript:x"}
    )
    assert bad_url.status_code == 422
    assert "evidence_url" in bad_url.get_json()["error"]["fields"]
    staff = _auth(api, "staff@example.org")
    assert (
        report({"opportunity_id": mine.id, "value": 3}, headers=staff).status_code
        == 403
    )
    created = report(
        {
            "opportunity_id": mine.id,
            "value": 12.5,
            "note": "ครบ",
            "evidence_url": "https://example.org/e",
        }
    )
    assert created.status_code == 201
    assert created.get_json()["value"] == 12.5
    assert db.session.scalar(sa.select(sa.func.count(ReportedValue.id))) == 1
    # Other organisations' members see none of it; staff see all.
    other = _auth(api, "other@example.org")
    assert api.get(url, headers=other).get_json()["total"] == 0
    assert api.get(url, headers=staff).get_json()["total"] == 1
    assert api.get(url, headers=member).get_json()["total"] == 1
    outcomes = api.get(f"/api/v1/outcome-rounds/{outcome_round.id}/outcomes")
    by_id = {item["id"]: item for item in outcomes.get_json()["items"]}
    assert by_id[outcome.id]["progress"]["current"] == 17.5


def test_the_openapi_document_describes_the_outcomes_api(api):
    paths = api.get("/api/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/outcome-rounds",
        "/api/v1/outcome-rounds/{round_id}/outcomes",
        "/api/v1/outcomes/{outcome_id}/endorse",
        "/api/v1/outcomes/{outcome_id}/comments",
        "/api/v1/outcomes/{outcome_id}/agree",
        "/api/v1/outcomes/{outcome_id}/set-aside",
        "/api/v1/outcomes/{outcome_id}/reported-values",
        "/api/v1/pledges",
    ):
        assert path in paths, path
