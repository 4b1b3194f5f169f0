"""Co-defined outcomes through the web pages: rounds, proposals, agreement, reports."""

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    Attendance,
    AuditEvent,
    OrganizationStatus,
    Outcome,
    OutcomeComment,
    OutcomeEndorsement,
    OutcomeRound,
    OutcomeStatus,
    ReportedValue,
    Role,
    RoundStatus,
    Shift,
)
from marketplace.outcomes.progress import agreed_progress, progress_of
from tests import factories


def _login(client, email):
    client.post("/logout")
    response = client.post(
        "/login", data={"email": email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302


def _propose(client, round_id, **fields):
    data = {
        "name_th": "ชั่วโมงอาสา",
        "name_en": "Hours served",
        "source": "computed",
        "indicator_key": "attended_hours",
        "target": "500",
        "baseline": "0",
    } | fields
    return client.post(f"/outcomes/rounds/{round_id}/propose", data=data)


def test_only_staff_open_a_round(client, people):
    _login(client, "member@example.org")
    assert client.get("/outcomes/rounds/new").status_code == 403
    assert (
        client.post("/outcomes/rounds/new", data={"title_th": "x"}).status_code == 403
    )
    assert db.session.scalar(sa.select(sa.func.count(OutcomeRound.id))) == 0
    _login(client, "staff@example.org")
    response = client.post(
        "/outcomes/rounds/new",
        data={"title_th": "ผลลัพธ์ด้านการศึกษา", "cause": "education"},
    )
    assert response.status_code == 302
    outcome_round = db.session.scalar(sa.select(OutcomeRound))
    assert outcome_round.status is RoundStatus.OPEN
    assert outcome_round.cause.slug == "education"
    assert outcome_round.title_en == "ผลลัพธ์ด้านการศึกษา"
    page = client.get("/outcomes/").get_data(as_text=True)
    assert "ผลลัพธ์ด้านการศึกษา" in page


def test_rounds_page_empty_state_says_what_next(client):
    page = client.get("/outcomes/").get_data(as_text=True)
    assert "Expo staff open a round" in page or "เจ้าหน้าที่" in page


def test_a_bad_round_title_is_a_clear_message(client, people):
    _login(client, "staff@example.org")
    response = client.post(
        "/outcomes/rounds/new", data={"title_th": "ก" * 201, "cause": "nope"}
    )
    assert response.status_code == 200
    assert "is-invalid" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(OutcomeRound.id))) == 0


def test_member_proposes_for_own_organisation_only(client, people):
    outcome_round = factories.make_outcome_round()
    db.session.commit()
    _login(client, "member@example.org")
    refused = _propose(
        client, outcome_round.id, organization_id=str(people["other_org"].id)
    )
    assert refused.status_code == 403
    # Expo-wide outcomes are staff's to propose.
    assert _propose(client, outcome_round.id, organization_id="").status_code == 403
    response = _propose(client, outcome_round.id, organization_id=str(people["org"].id))
    assert response.status_code == 302
    outcome = db.session.scalar(sa.select(Outcome))
    assert outcome.organization_id == people["org"].id
    assert outcome.unit == "hours"  # the indicator's own unit
    assert outcome.status is OutcomeStatus.PROPOSED
    _login(client, "volunteer@example.org")
    assert client.get(f"/outcomes/rounds/{outcome_round.id}/propose").status_code == 403


def test_staff_propose_expo_wide(client, people):
    outcome_round = factories.make_outcome_round()
    db.session.commit()
    _login(client, "staff@example.org")
    response = _propose(
        client,
        outcome_round.id,
        organization_id="",
        source="reported",
        indicator_key="",
        indicator_text="ต้นไม้ที่ปลูก",
        unit="ต้น",
        target="1000",
    )
    assert response.status_code == 302
    outcome = db.session.scalar(sa.select(Outcome))
    assert outcome.organization_id is None
    assert (outcome.indicator, outcome.unit) == ("ต้นไม้ที่ปลูก", "ต้น")


@pytest.mark.parametrize(
    ("fields", "message_field"),
    [
        ({"target": "0"}, "target"),  # equal to the baseline
        ({"target": "lots"}, "target"),
        ({"target": "nan"}, "target"),
        ({"indicator_key": "not_an_indicator"}, "indicator"),
        ({"source": "reported", "indicator_key": "", "unit": ""}, "indicator"),
        ({"name_th": ""}, "name_th"),
        ({"cause": "no-such-cause"}, "cause"),
    ],
)
def test_bad_proposals_give_clear_messages(client, people, fields, message_field):
    outcome_round = factories.make_outcome_round()
    db.session.commit()
    _login(client, "member@example.org")
    response = _propose(
        client, outcome_round.id, organization_id=str(people["org"].id), **fields
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Outcome.id))) == 0


def test_endorse_once_comment_agree_close_and_history(client, people):
    outcome_round = factories.make_outcome_round()
    outcome = factories.make_outcome(outcome_round, organization=people["org"])
    db.session.commit()
    _login(client, "volunteer@example.org")
    assert client.post(f"/outcomes/{outcome.id}/endorse").status_code == 302
    # Endorsing again changes nothing (documented: a no-op).
    assert client.post(f"/outcomes/{outcome.id}/endorse").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(OutcomeEndorsement.id))) == 1
    client.post(f"/outcomes/{outcome.id}/comments", data={"body": "  เห็นด้วยค่ะ  "})
    comment = db.session.scalar(sa.select(OutcomeComment))
    assert comment.body == "เห็นด้วยค่ะ"
    # An empty comment is refused with a message, not stored.
    response = client.post(
        f"/outcomes/{outcome.id}/comments", data={"body": " "}, follow_redirects=True
    )
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(OutcomeComment.id))) == 1
    # Only staff agree.
    assert client.post(f"/outcomes/{outcome.id}/agree").status_code == 403
    _login(client, "member@example.org")
    assert client.post(f"/outcomes/{outcome.id}/agree").status_code == 403
    assert client.post(f"/outcomes/rounds/{outcome_round.id}/close").status_code == 403
    _login(client, "staff@example.org")
    client.post(f"/outcomes/{outcome.id}/set-aside")
    client.post(f"/outcomes/{outcome.id}/agree")
    db.session.refresh(outcome)
    assert outcome.status is OutcomeStatus.AGREED
    client.post(f"/outcomes/rounds/{outcome_round.id}/close")
    db.session.refresh(outcome_round)
    assert outcome_round.status is RoundStatus.AGREED
    assert outcome_round.agreed_at is not None
    # Every change is kept, with who did it.
    events = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_id)
        .where(AuditEvent.target_type == "outcome", AuditEvent.target_id == outcome.id)
        .order_by(AuditEvent.id)
    ).all()
    assert events == [
        ("outcome.endorsed", people["volunteer"].id),
        ("outcome.commented", people["volunteer"].id),
        ("outcome.set_aside", people["staff"].id),
        ("outcome.agreed", people["staff"].id),
    ]
    page = client.get(f"/outcomes/rounds/{outcome_round.id}").get_data(as_text=True)
    history = page.split(f'data-testid="history-{outcome.id}"')[1].split("</ol>")[0]
    assert history.count("<li>") == 4
    assert "อาสา" in history and "เจ้าหน้าที่" in history
    # Once closed, proposals and discussion stop.
    _login(client, "member@example.org")
    response = _propose(client, outcome_round.id, organization_id=str(people["org"].id))
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Outcome.id))) == 1
    client.post(f"/outcomes/{outcome.id}/comments", data={"body": "อีกครั้ง"})
    assert db.session.scalar(sa.select(sa.func.count(OutcomeComment.id))) == 1


def test_closing_needs_an_agreed_outcome_and_sets_the_rest_aside(client, people):
    outcome_round = factories.make_outcome_round()
    first = factories.make_outcome(outcome_round)
    second = factories.make_outcome(outcome_round)
    db.session.commit()
    _login(client, "staff@example.org")
    client.post(f"/outcomes/rounds/{outcome_round.id}/close")
    db.session.refresh(outcome_round)
    assert outcome_round.status is RoundStatus.OPEN
    client.post(f"/outcomes/{first.id}/agree")
    client.post(f"/outcomes/rounds/{outcome_round.id}/close")
    db.session.refresh(second)
    assert second.status is OutcomeStatus.SET_ASIDE


def _report(client, outcome_id, opportunity_id, **fields):
    data = {"opportunity_id": str(opportunity_id), "value": "25"} | fields
    return client.post(f"/outcomes/{outcome_id}/report", data=data)


def test_organisations_report_only_for_own_opportunities(client, people):
    outcome_round = factories.make_outcome_round()
    outcome = factories.make_outcome(outcome_round, status="agreed")
    mine = factories.make_opportunity(people["org"])
    theirs = factories.make_opportunity(people["other_org"])
    db.session.commit()
    _login(client, "member@example.org")
    assert _report(client, outcome.id, theirs.id).status_code == 403
    assert _report(client, outcome.id, 999_999).status_code == 404
    response = _report(
        client,
        outcome.id,
        mine.id,
        note="ปลูกที่บางกระเจ้า",
        evidence_url="https://example.org/photos",
    )
    assert response.status_code == 302
    reported = db.session.scalar(sa.select(ReportedValue))
    assert (reported.value, reported.opportunity_id) == (25, mine.id)
    assert reported.reported_by_id == people["member"].id
    # Staff and volunteers are not reporting organisations.
    for email in ("staff@example.org", "volunteer@example.org"):
        _login(client, email)
        assert _report(client, outcome.id, mine.id).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(ReportedValue.id))) == 1


def test_an_organisations_outcome_takes_reports_only_from_it(client, people):
    outcome_round = factories.make_outcome_round()
    outcome = factories.make_outcome(
        outcome_round, status="agreed", organization=people["org"]
    )
    theirs = factories.make_opportunity(people["other_org"])
    db.session.commit()
    _login(client, "other@example.org")
    assert client.get(f"/outcomes/{outcome.id}/report").status_code == 403
    assert _report(client, outcome.id, theirs.id).status_code == 403


@pytest.mark.parametrize(
    ("status", "source"), [("proposed", "reported"), ("agreed", "computed")]
)
def test_reports_only_for_agreed_reported_outcomes(client, people, status, source):
    outcome_round = factories.make_outcome_round()
    outcome = factories.make_outcome(
        outcome_round, status=status, source=source, indicator="applications"
    )
    mine = factories.make_opportunity(people["org"])
    db.session.commit()
    _login(client, "member@example.org")
    response = _report(client, outcome.id, mine.id)
    assert response.status_code == 200
    assert "alert-danger" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ReportedValue.id))) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"evidence_url": "javascript:alert(1)"},
        {"evidence_url": "ftp://example.org/x"},
        {"value": "many"},
        {"value": "inf"},
        {"value": "1.7e308"},
    ],
)
def test_bad_reports_give_clear_messages(client, people, fields):
    outcome_round = factories.make_outcome_round()
    outcome = factories.make_outcome(outcome_round, status="agreed")
    mine = factories.make_opportunity(people["org"])
    db.session.commit()
    _login(client, "member@example.org")
    response = _report(client, outcome.id, mine.id, **fields)
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ReportedValue.id))) == 0


def test_progress_of_reported_outcomes_matches_the_database(app, people):
    outcome_round = factories.make_outcome_round()
    outcome = factories.make_outcome(
        outcome_round, status="agreed", baseline=10, target=110
    )
    other = factories.make_outcome(outcome_round, status="agreed", target=50)
    opportunity = factories.make_opportunity(people["org"])
    for value in (5, 20, 7.5):
        db.session.add(
            ReportedValue(outcome=outcome, opportunity_id=opportunity.id, value=value)
        )
    db.session.commit()
    total = db.session.scalar(
        sa.select(sa.func.sum(ReportedValue.value)).where(
            ReportedValue.outcome_id == outcome.id
        )
    )
    progress = {item.outcome.id: item for item in progress_of([outcome, other])}
    assert progress[outcome.id].current == 10 + total == 42.5
    assert progress[outcome.id].ratio == pytest.approx(0.325)
    assert progress[other.id].current == 0
    assert {item.outcome.id for item in agreed_progress()} == {outcome.id, other.id}


def test_progress_of_computed_outcomes_matches_the_database(client, people):
    volunteer = people["volunteer"]
    factories.make_past_application(volunteer, people["org"], hours=3)
    factories.make_past_application(volunteer, people["org"], hours=2.5, days_ago=5)
    factories.make_past_application(volunteer, people["other_org"], hours=4)
    outcome_round = factories.make_outcome_round()
    expo = factories.make_outcome(
        outcome_round,
        source="computed",
        status="agreed",
        indicator="attended_hours",
        target=100,
    )
    own = factories.make_outcome(
        outcome_round,
        source="computed",
        status="agreed",
        indicator="attended_hours",
        organization=people["org"],
        target=20,
    )
    db.session.commit()

    def hours(organization_id=None):
        query = (
            sa.select(sa.func.sum(Application.hours))
            .join(Shift)
            .where(
                Application.attendance == Attendance.ATTENDED,
                Application.status == ApplicationStatus.APPROVED,
            )
        )
        if organization_id is not None:
            from marketplace.models import Opportunity

            query = query.join(Opportunity).where(
                Opportunity.organization_id == organization_id
            )
        return db.session.scalar(query)

    progress = {item.outcome.id: item for item in progress_of([expo, own])}
    assert progress[expo.id].current == hours() == 9.5
    assert progress[own.id].current == hours(people["org"].id) == 5.5
    page = client.get(f"/outcomes/rounds/{outcome_round.id}").get_data(as_text=True)
    assert f'data-testid="progress-{own.id}"' in page
    numbers = page.split(f'data-testid="progress-numbers-{own.id}">')[1]
    assert numbers.startswith("5.5 / 20 ")


def _fill_round(outcome_round, people, count: int) -> None:
    for _ in range(count):
        outcome = factories.make_outcome(
            outcome_round, status="agreed", organization=people["org"]
        )
        db.session.add(
            OutcomeComment(outcome=outcome, user=people["volunteer"], body="ดี")
        )
        db.session.add(OutcomeEndorsement(outcome=outcome, user=people["member"]))
        db.session.add(
            AuditEvent(
                actor_id=people["staff"].id,
                action="outcome.agreed",
                target_type="outcome",
                target_id=outcome.id,
            )
        )
    db.session.commit()


def test_round_page_runs_a_constant_number_of_queries(client, people, count_queries):
    outcome_round = factories.make_outcome_round()
    factories.make_outcome(
        outcome_round, source="computed", status="agreed", indicator="applications"
    )
    _fill_round(outcome_round, people, 2)
    _login(client, "member@example.org")
    url = f"/outcomes/rounds/{outcome_round.id}"
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _fill_round(outcome_round, people, 12)
    with count_queries() as many:
        page = client.get(url)
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('data-testid="status-') == 15
    assert len(many) == len(few)


def test_rounds_list_runs_a_constant_number_of_queries(client, people, count_queries):
    for _ in range(2):
        _fill_round(factories.make_outcome_round(), people, 1)
    client.get("/outcomes/")
    with count_queries() as few:
        client.get("/outcomes/")
    for _ in range(6):
        _fill_round(factories.make_outcome_round(), people, 2)
    with count_queries() as many:
        page = client.get("/outcomes/").get_data(as_text=True)
    assert page.count('data-testid="round-') == 8
    assert len(many) == len(few)


def test_anonymous_visitors_see_outcomes_but_not_comments(client, people):
    outcome_round = factories.make_outcome_round()
    outcome = factories.make_outcome(outcome_round)
    outcome.proposed_by = people["member"]
    db.session.add(OutcomeComment(outcome=outcome, user=people["volunteer"], body="ลับ"))
    db.session.commit()
    page = client.get(f"/outcomes/rounds/{outcome_round.id}").get_data(as_text=True)
    assert outcome.name_th in page
    assert "ลับ" not in page
    assert client.get("/outcomes/rounds/999999").status_code == 404
    assert "เสนอโดย" not in page  # who proposed it is for stakeholders only
    _login(client, "volunteer@example.org")
    page = client.get(f"/outcomes/rounds/{outcome_round.id}").get_data(as_text=True)
    assert "เสนอโดย สมาชิก" in page


def test_a_pending_organisation_cannot_report(client, people):
    newcomer = factories.make_user(Role.ORGANIZER, email="new@example.org")
    pending = factories.make_organization(
        members=[newcomer], status=OrganizationStatus.PENDING
    )
    draft = factories.make_opportunity(pending)
    outcome = factories.make_outcome(factories.make_outcome_round(), status="agreed")
    db.session.commit()
    _login(client, "new@example.org")
    assert client.get(f"/outcomes/{outcome.id}/report").status_code == 403
    assert _report(client, outcome.id, draft.id).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(ReportedValue.id))) == 0


def test_an_id_beyond_the_database_is_an_unknown_choice(client, people):
    outcome = factories.make_outcome(factories.make_outcome_round(), status="agreed")
    db.session.commit()
    _login(client, "member@example.org")
    response = _report(client, outcome.id, 10**20)
    assert response.status_code in (200, 404)
    assert db.session.scalar(sa.select(sa.func.count(ReportedValue.id))) == 0


def test_english_round_page(client, people):
    outcome_round = factories.make_outcome_round()
    factories.make_outcome(outcome_round)
    db.session.commit()
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/outcomes/rounds/{outcome_round.id}").get_data(as_text=True)
    assert "An outcome" in page
