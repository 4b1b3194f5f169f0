"""The volunteer's one-minute survey after an attended shift."""

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import AuditEvent, Feedback, Role
from tests import factories

ANSWERS = {
    "rating": "4",
    "would_volunteer_again": "yes",
    "active_citizen": "yes",
    "learned_skill": "no",
    "comment": "  น้อง ๆ น่ารักมาก  ",
}


@pytest.fixture
def organization():
    return factories.make_organization(name="มูลนิธิป่าชายเลน")


def _url(application) -> str:
    return f"/me/applications/{application.id}/feedback"


def _feedback_rows() -> list[Feedback]:
    return list(db.session.scalars(sa.select(Feedback)))


def test_attended_volunteer_answers_the_survey(client, volunteer, organization):
    application = factories.make_past_application(volunteer, organization)
    page = client.get(_url(application))
    assert page.status_code == 200
    assert 'data-testid="feedback-form"' in page.get_data(as_text=True)

    response = client.post(_url(application), data=ANSWERS)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/me/certificates")
    [feedback] = _feedback_rows()
    assert feedback.application_id == application.id
    assert feedback.rating == 4
    assert feedback.would_volunteer_again is True
    assert feedback.active_citizen is True
    assert feedback.learned_skill is False
    assert feedback.comment == "น้อง ๆ น่ารักมาก"
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "feedback.create" in actions


def test_answering_again_updates_the_one_answer(client, volunteer, organization):
    application = factories.make_past_application(volunteer, organization)
    client.post(_url(application), data=ANSWERS)
    changed = {**ANSWERS, "rating": "2", "active_citizen": "no", "comment": ""}
    assert client.post(_url(application), data=changed).status_code == 302
    [feedback] = _feedback_rows()
    assert (feedback.rating, feedback.active_citizen, feedback.comment) == (
        2,
        False,
        "",
    )
    page = client.get(_url(application)).get_data(as_text=True)
    # The form shows the saved answers so that they can be changed.
    assert '<input checked class="btn-check" id="rating-1"' in page
    assert '<input checked class="form-check-input" id="active_citizen-1"' in page
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("feedback.update") == 1


@pytest.mark.parametrize("attended", [None, False], ids=["not-recorded", "no-show"])
def test_feedback_only_after_an_attended_shift(
    client, volunteer, organization, attended
):
    application = factories.make_past_application(
        volunteer, organization, attended=attended
    )
    client.post("/language", data={"locale": "en"})
    page = client.get(_url(application))
    assert page.status_code == 409
    text = page.get_data(as_text=True)
    assert 'data-testid="feedback-problem"' in text
    assert "once the organisation has recorded that you attended" in text
    assert client.post(_url(application), data=ANSWERS).status_code == 409
    assert _feedback_rows() == []


def test_only_the_volunteer_answers_their_own_survey(
    app, client, volunteer, organization
):
    other = factories.make_user(email="other@example.org")
    factories.make_user(Role.ORGANIZER, email="o@example.org")
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    theirs = factories.make_past_application(other, organization)
    db.session.commit()
    # Someone else's application does not exist for this volunteer.
    assert client.get(_url(theirs)).status_code == 404
    assert client.post(_url(theirs), data=ANSWERS).status_code == 404
    for email in ("o@example.org", "s@example.org"):
        other_client = app.test_client()
        other_client.post(
            "/login", data={"email": email, "password": factories.PASSWORD}
        )
        assert other_client.get(_url(theirs)).status_code == 403
        assert other_client.post(_url(theirs), data=ANSWERS).status_code == 403
    anonymous = app.test_client()
    response = anonymous.post(_url(theirs), data=ANSWERS)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _feedback_rows() == []


def test_feedback_needs_the_csrf_token(client, volunteer, organization):
    application = factories.make_past_application(volunteer, organization)
    response = client.post(_url(application), data=ANSWERS, csrf=False)
    assert response.status_code == 400
    assert _feedback_rows() == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"rating": None}, "rating", "Choose a rating from 1 to 5."),
        ({"rating": "9"}, "rating", "Choose a rating from 1 to 5."),
        ({"rating": "ห้า"}, "rating", "Choose a rating from 1 to 5."),
        (
            {"would_volunteer_again": None},
            "would_volunteer_again",
            "Say whether you would volunteer again.",
        ),
        (
            {"active_citizen": "maybe"},
            "active_citizen",
            "Say whether you feel more able to act.",
        ),
        (
            {"learned_skill": None},
            "learned_skill",
            "Say whether you learned a new skill.",
        ),
        ({"comment": "ก" * 2001}, "comment", "Keep the comment under 2000 characters."),
    ],
)
def test_bad_answers_are_explained(
    client, volunteer, organization, change, field, message
):
    client.post("/language", data={"locale": "en"})
    application = factories.make_past_application(volunteer, organization)
    data = {k: v for k, v in {**ANSWERS, **change}.items() if v is not None}
    response = client.post(_url(application), data=data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    assert "Not a valid choice" not in text
    assert _feedback_rows() == []


def test_volunteer_is_invited_to_give_feedback(client, volunteer, organization):
    attended = factories.make_past_application(volunteer, organization, title="ก")
    no_show = factories.make_past_application(
        volunteer, organization, attended=False, title="ข"
    )
    page = client.get("/me/certificates").get_data(as_text=True)
    assert f'data-testid="give-feedback-{attended.id}"' in page
    assert f'data-testid="give-feedback-{no_show.id}"' not in page
    shifts = client.get("/me/shifts").get_data(as_text=True)
    assert f'data-testid="feedback-{attended.id}"' in shifts
    assert f'data-testid="feedback-{no_show.id}"' not in shifts

    client.post(_url(attended), data=ANSWERS)
    page = client.get("/me/certificates").get_data(as_text=True)
    assert 'data-testid="feedback-prompt"' not in page
    client.post("/language", data={"locale": "en"})
    shifts = client.get("/me/shifts").get_data(as_text=True)
    assert "Thank you for your feedback" in shifts


def test_my_shifts_checks_feedback_in_one_query(client, volunteer, count_queries):
    organization = factories.make_organization()

    def statements() -> int:
        with count_queries() as seen:
            assert client.get("/me/shifts").status_code == 200
        return len(seen)

    factories.make_past_application(volunteer, organization, title="1")
    one = statements()
    for number in range(4):
        factories.make_past_application(
            volunteer, organization, title=f"{number}", days_ago=3 + number
        )
    assert statements() == one


# --- The JSON API ------------------------------------------------------------------


def test_api_feedback(api, organization):
    from tests.functional.test_api_accounts import bearer, login_token

    volunteer = factories.make_user(email="api@example.org")
    other = factories.make_user(email="api-other@example.org")
    attended = factories.make_past_application(volunteer, organization, title="1")
    missed = factories.make_past_application(
        volunteer, organization, attended=False, title="2"
    )
    theirs = factories.make_past_application(other, organization, title="3")
    db.session.commit()
    headers = bearer(login_token(api, "api@example.org"))
    body = {"rating": 5, "would_volunteer_again": True, "active_citizen": False}
    url = "/api/v1/applications/{}/feedback"

    response = api.post(url.format(attended.id), json=body, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["rating"] == 5 and response.json["learned_skill"] is False
    again = api.post(
        url.format(attended.id), json={**body, "rating": 3}, headers=headers
    )
    assert again.json["rating"] == 3
    assert [f.rating for f in _feedback_rows()] == [3]

    refused = api.post(url.format(missed.id), json=body, headers=headers)
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "not_attended"
    assert (
        api.post(url.format(theirs.id), json=body, headers=headers).status_code == 404
    )
    bad = api.post(url.format(attended.id), json={"rating": 6}, headers=headers)
    assert bad.status_code == 422
    assert {"rating", "would_volunteer_again", "active_citizen"} <= set(
        bad.json["error"]["fields"]
    )
    assert api.post(url.format(attended.id), json=body).status_code == 401
    spec = api.get("/api/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/applications/{application_id}/feedback"]
