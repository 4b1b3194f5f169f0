"""Questions of an opportunity: answers for reviewers, CSV, API, privacy; bulk."""

import csv
import io

import pytest
import sqlalchemy as sa

from marketplace.applications import services as workflow
from marketplace.applications.questions import (
    QuestionInput,
    add_question,
    answers_for,
    field_name,
)
from marketplace.errors import ItemFailed, ValidationFailed
from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    ApprovalMode,
    Shift,
)
from marketplace.privacy.services import erase_user, export_user_data
from tests import factories
from tests.functional.test_api_accounts import bearer, login_token


@pytest.fixture(autouse=True)
def in_request(app):
    """Services build translated messages, as they do inside a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def asked(people):
    """A review-mode opportunity asking a T-shirt size (required) and food."""
    opportunity = factories.make_opportunity(
        people["org"], approval_mode=ApprovalMode.REVIEW, capacity=2, skills=()
    )
    size = add_question(
        people["member"],
        opportunity,
        QuestionInput(
            kind="choice",
            label_th="ไซซ์เสื้อยืด",
            label_en="T-shirt size",
            choices="S\nM\nL | Large",
            required=True,
        ),
    )
    food = add_question(
        people["member"],
        opportunity,
        QuestionInput(
            kind="choices",
            label_th="อาหาร",
            label_en="Food",
            choices="มังสวิรัติ | Vegetarian\nฮาลาล | Halal",
        ),
    )
    note = add_question(
        people["member"], opportunity, QuestionInput(kind="text", label_th="หมายเหตุ")
    )
    db.session.commit()
    return people | {
        "opportunity": opportunity,
        "shift": opportunity.shifts[0],
        "size": size,
        "food": food,
        "note": note,
    }


def test_questions_are_checked_when_added(people):
    opportunity = factories.make_opportunity(people["org"])
    with pytest.raises(ValidationFailed) as bad:
        add_question(
            people["member"],
            opportunity,
            QuestionInput(kind="choice", label_th="", choices="only one"),
        )
    assert set(bad.value.fields) == {"label_th", "choices"}
    with pytest.raises(ValidationFailed) as kind:
        add_question(people["member"], opportunity, QuestionInput("nope", "ถาม"))
    assert set(kind.value.fields) == {"kind"}
    with pytest.raises(Exception) as refused:
        add_question(people["staff"], opportunity, QuestionInput("text", "ถาม"))
    assert refused.value.status == 403


def test_apply_keeps_checked_answers(asked):
    volunteer, shift = asked["volunteer"], asked["shift"]
    size, food = asked["size"], asked["food"]
    with pytest.raises(ValidationFailed) as missing:
        workflow.apply_to_shift(volunteer, shift.id, answers={})
    assert set(missing.value.fields) == {field_name(size)}
    with pytest.raises(ValidationFailed) as unknown:
        workflow.apply_to_shift(
            volunteer, shift.id, answers={str(size.id): "XXL", str(food.id): ["9"]}
        )
    assert set(unknown.value.fields) == {field_name(size), field_name(food)}
    application = workflow.apply_to_shift(
        volunteer,
        shift.id,
        answers={field_name(size): "3", field_name(food): ["2", "1"]},
    )
    assert application.answers == {str(size.id): "3", str(food.id): ["1", "2"]}
    shown = answers_for([application], "en")[application.id]
    assert shown == {"T-shirt size": "Large", "Food": "Vegetarian, Halal"}
    assert answers_for([application], "th")[application.id] == {
        "ไซซ์เสื้อยืด": "L",
        "อาหาร": "มังสวิรัติ, ฮาลาล",
    }


def test_the_apply_form_asks_and_a_missing_answer_applies_nothing(client, auth, asked):
    shift, size = asked["shift"], asked["size"]
    auth.login(asked["volunteer"].email)
    page = client.get(f"/opportunities/{shift.opportunity_id}").get_data(as_text=True)
    assert f'name="{field_name(size)}"' in page and "ไซซ์เสื้อยืด" in page
    refused = client.post(f"/shifts/{shift.id}/apply", data={}, follow_redirects=True)
    assert "ไซซ์เสื้อยืด" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0
    client.post(
        f"/shifts/{shift.id}/apply",
        data={field_name(size): "2", field_name(asked["note"]): "ทานเผ็ดไม่ได้"},
    )
    application = db.session.scalar(sa.select(Application))
    assert application.answers == {
        str(size.id): "2",
        str(asked["note"].id): "ทานเผ็ดไม่ได้",
    }


def _apply(asked, email, size="1"):
    volunteer = factories.make_user(email=email, name=email.split("@")[0])
    application = workflow.apply_to_shift(
        volunteer, asked["shift"].id, answers={str(asked["size"].id): size}
    )
    db.session.commit()
    return application


def test_reviewers_see_answers_on_the_page_in_the_csv_and_the_api(
    client, auth, api, asked
):
    application = _apply(asked, "a@example.org", "3")
    auth.login(asked["member"].email)
    opportunity_id = asked["opportunity"].id
    page = client.get(f"/manage/opportunities/{opportunity_id}/applicants")
    assert 'data-testid="answers-' in page.get_data(as_text=True)
    assert "ไซซ์เสื้อยืด" in page.get_data(as_text=True)
    download = client.get(f"/manage/opportunities/{opportunity_id}/applicants.csv")
    rows = list(
        csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff")))
    )
    assert rows[0][-3:] == ["ไซซ์เสื้อยืด", "อาหาร", "หมายเหตุ"]
    assert rows[1][-3:] == ["L", "", ""]
    headers = bearer(login_token(api, asked["member"].email))
    listed = api.get(
        f"/api/v1/opportunities/{opportunity_id}/applications",
        headers={**headers, "Accept-Language": "en"},
    ).get_json()
    assert listed["items"][0]["answers"] in (
        {"T-shirt size": "Large"},
        {"ไซซ์เสื้อยืด": "L"},
    )
    mine = api.get(
        "/api/v1/me/applications", headers=bearer(login_token(api, "a@example.org"))
    ).get_json()
    assert mine["items"][0]["id"] == application.id
    assert mine["items"][0]["answers"]


def test_api_apply_with_answers(api, asked):
    factories.make_user(email="b@example.org")
    db.session.commit()
    headers = bearer(login_token(api, "b@example.org"))
    url = f"/api/v1/shifts/{asked['shift'].id}/applications"
    missing = api.post(url, json={}, headers=headers)
    assert missing.status_code == 422
    assert field_name(asked["size"]) in missing.get_json()["error"]["fields"]
    made = api.post(
        url, json={"answers": {str(asked["size"].id): "2"}}, headers=headers
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["answers"] == {"ไซซ์เสื้อยืด": "M"}


def test_answers_for_reads_in_fixed_queries(asked, count_queries):
    applications = [_apply(asked, f"q{n}@example.org") for n in range(2)]
    db.session.expire_all()
    few_apps = db.session.scalars(sa.select(Application)).all()
    with count_queries() as few:
        answers_for(few_apps, "th")
    applications += [_apply(asked, f"r{n}@example.org") for n in range(6)]
    db.session.expire_all()
    many_apps = db.session.scalars(sa.select(Application)).all()
    with count_queries() as many:
        shown = answers_for(many_apps, "th")
    assert len(many) == len(few) == 2
    assert all(shown[a.id] == {"ไซซ์เสื้อยืด": "S"} for a in applications)


def test_export_and_erasure_cover_answers(asked):
    application = _apply(asked, "c@example.org", "2")
    volunteer = application.volunteer
    exported = export_user_data(volunteer)
    assert exported["applications"][0]["answers"] == {str(asked["size"].id): "2"}
    erase_user(volunteer, volunteer, "test")
    db.session.commit()
    assert db.session.get(Application, application.id).answers == {}


def test_bulk_accept_is_all_or_nothing_and_names_the_one_refused(client, auth, asked):
    first = _apply(asked, "d1@example.org")
    second = _apply(asked, "d2@example.org")
    third = _apply(asked, "d3@example.org")  # capacity 2: one too many
    with pytest.raises(ItemFailed) as full:
        workflow.accept_many(
            asked["member"], asked["opportunity"].id, [first.id, second.id, third.id]
        )
    assert full.value.code == "shift_full" and "d3" in full.value.message
    db.session.rollback()

    auth.login(asked["member"].email)
    url = f"/manage/opportunities/{asked['opportunity'].id}/applicants/accept"
    page = client.post(
        url,
        data={"application_id": [first.id, second.id, third.id]},
        follow_redirects=True,
    )
    assert "d3" in page.get_data(as_text=True)
    statuses = set(db.session.scalars(sa.select(Application.status)))
    assert statuses == {ApplicationStatus.PENDING}
    assert db.session.get(Shift, asked["shift"].id).spots_taken == 0

    done = client.post(url, data={"application_id": [first.id, second.id]})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, first.id).status is ApplicationStatus.ACCEPTED
    assert db.session.get(Application, second.id).status is ApplicationStatus.ACCEPTED
    assert db.session.get(Shift, asked["shift"].id).spots_taken == 2


def test_bulk_accept_refuses_another_opportunitys_application(asked):
    elsewhere = factories.make_pending_application(asked["org"], email="e@example.org")
    with pytest.raises(ItemFailed) as other:
        workflow.accept_many(asked["member"], asked["opportunity"].id, [elsewhere.id])
    assert other.value.status == 404
    assert "อาสา" not in other.value.message


def test_question_pages(client, auth, asked):
    auth.login(asked["member"].email)
    url = f"/manage/opportunities/{asked['opportunity'].id}/questions"
    assert "ไซซ์เสื้อยืด" in client.get(url).get_data(as_text=True)
    added = client.post(
        url, data={"kind": "text", "label_th": "เบอร์ติดต่อฉุกเฉิน", "label_en": ""}
    )
    assert added.status_code == 302
    removed = client.post(f"/manage/questions/{asked['note'].id}/delete")
    assert removed.status_code == 302
    db.session.expire_all()
    labels = [
        q.label_th
        for q in db.session.get(
            type(asked["opportunity"]), asked["opportunity"].id
        ).questions
    ]
    assert labels == ["ไซซ์เสื้อยืด", "อาหาร", "เบอร์ติดต่อฉุกเฉิน"]


def test_the_opportunity_api_lists_its_questions(api, asked):
    got = api.get(f"/api/v1/opportunities/{asked['opportunity'].id}").get_json()
    assert [q["id"] for q in got["questions"]] == [
        asked["size"].id,
        asked["food"].id,
        asked["note"].id,
    ]
    assert got["questions"][0]["required"] is True
    assert got["questions"][0]["choices"][2] == {"value": "3", "th": "L", "en": "Large"}
