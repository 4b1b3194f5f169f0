"""Every free-text field has a maximum length, the size of the column it fills, with
a clear message instead of silent truncation (issue 10; ASVS 5.1.3, 5.1.4)."""

import importlib
import pkgutil
from datetime import timedelta

import marshmallow as ma
import pytest
import sqlalchemy as sa
from wtforms import Form, HiddenField, StringField
from wtforms.validators import Length

import marketplace
from marketplace.api.schemas import MaxChars
from marketplace.extensions import db
from marketplace.inputs import max_chars
from marketplace.models import Opportunity, Role, User, utcnow
from tests import factories
from tests.functional.test_api_accounts import bearer, login_token

# Text that fills no column (searches, passwords, numbers typed as text, a code
# looked up): bounded by a number of its own. Anything else names its column.
NOT_STORED = {
    "ChangePasswordForm.confirm",
    "ChangePasswordForm.current_password",
    "ChangePasswordForm.new_password",
    "EraseForm.password",
    "LoginForm.password",
    "NewPasswordForm.confirm",
    "NewPasswordForm.new_password",
    "OutcomeForm.baseline",
    "OutcomeForm.target",
    "PledgeForm.amount_thb",
    "RegisterForm.confirm",
    "RegisterForm.password",
    "ReportForm.value",
    "SearchForm.q",
    "SearchForm.where",
    "VerifyForm.code",
    "SecondFactorForm.code",
    "EnrolTotpForm.code",
    "TokenCreateSchema.totp",
    "LocationInSchema.place",
    "PlaceArgsSchema.q",
    "SearchArgsSchema.near",
    "SearchArgsSchema.q",
    "SearchArgsSchema.starts_after",
    "SearchArgsSchema.starts_before",
    "TokenCreateSchema.password",
    "UserCreateSchema.password",
    "WindowSchema.end",
    "WindowSchema.start",
    "OpportunityInSchema.languages",
    "OpportunityPatchSchema.languages",
    "ProfileInSchema.languages",
    # Split into choices of at most 100 characters each (applications.questions).
    "QuestionForm.choices",
    # Phone numbers are stored as E.164 (at most 16 characters) once parsed;
    # the codes typed at a kiosk are looked up, never stored.
    "WalkInForm.phone",
    "PhoneForm.phone",
    "ScanForm.code",
    "PhoneCodeForm.code",
    # Typed with dashes, stored as its 13 digits once validated.
    "EDonationForm.tax_id",
}


def _all_form_classes() -> list[type[Form]]:
    for module in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
        importlib.import_module(module.name)
    found, todo = [], [Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("marketplace."):
                found.append(sub)
    return found


def _text_fields(app):
    """(form name, field) for every field people type text into."""
    with app.test_request_context():
        for form_class in _all_form_classes():
            form = form_class(meta={"csrf": False})
            for field in form:
                if isinstance(field, StringField) and not isinstance(
                    field, HiddenField
                ):
                    yield form_class.__name__, field


def _check_limit(name: str, limits: list, column_of) -> str | None:
    """None when `name` has a max length within its column, else the problem."""
    if not limits:
        return f"{name}: no maximum length"
    for limit in limits:
        column = column_of(limit)
        if column is None and name not in NOT_STORED:
            return f"{name}: a plain maximum, but it fills no listed column"
        if column is not None and limit.max > max_chars(column):
            return f"{name}: {limit.max} > {max_chars(column)}, its column's size"
    return None


def test_every_web_text_field_has_a_max_length_within_its_column(app):
    problems, seen = [], set()
    for form_name, field in _text_fields(app):
        name = f"{form_name}.{field.short_name}"
        seen.add(name)
        limits = [
            v for v in field.validators if isinstance(v, Length) and v.max and v.max > 0
        ]
        problem = _check_limit(name, limits, lambda v: getattr(v, "column", None))
        if problem:
            problems.append(problem)
        elif 'maxlength="' not in field():
            problems.append(f"{name}: no maxlength attribute")
    assert not problems, "\n".join(problems)
    assert {"OpportunityForm.title", "ProfileForm.bio"} <= seen


def _input_schemas(app) -> dict[str, type[ma.Schema]]:
    """Every schema the API reads requests with (bodies and query strings)."""
    schemas = {}
    for view in app.view_functions.values():
        for parameter in (
            getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
        ):
            schema = parameter["schema"]
            schema = schema if isinstance(schema, type) else type(schema)
            schemas[schema.__name__] = schema
    return schemas


def _string_fields(schema: type[ma.Schema], seen: set):
    if schema in seen:
        return
    seen.add(schema)
    for name, field in schema().fields.items():
        inner = field.inner if isinstance(field, ma.fields.List) else field
        if isinstance(inner, ma.fields.Nested):
            yield from _string_fields(type(inner.schema), seen)
        elif isinstance(inner, ma.fields.String):
            yield f"{schema.__name__}.{name}", inner


def test_every_api_text_field_has_a_max_length_within_its_column(app):
    problems, names, seen = [], set(), set()
    for schema in _input_schemas(app).values():
        for name, field in _string_fields(schema, seen):
            names.add(name)
            validators = field.validators
            if any(isinstance(v, ma.validate.OneOf) for v in validators):
                continue  # one of a few known words
            limits = [v for v in validators if isinstance(v, MaxChars) and v.max]
            problem = _check_limit(name, limits, lambda v: v.column)
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(problems)
    assert {"OpportunityInSchema.title", "ProfileInSchema.bio"} <= names


def test_the_limits_of_text_columns_name_real_text_columns():
    from marketplace.inputs import LONG_TEXT

    text_columns = {
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.Text)
    }
    assert set(LONG_TEXT) <= text_columns


# --- The routes: a clear message, nothing saved, nothing cut.

LONG_TITLE = "ก" * 5000


@pytest.fixture
def organizer(auth):
    user = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[user])
    db.session.commit()
    auth.login("o@example.org")
    return organization


def test_a_long_title_on_the_web_is_explained_not_cut(client, organizer):
    day = (utcnow() + timedelta(days=9)).date().isoformat()
    page = client.post(
        f"/organizations/{organizer.id}/opportunities/new",
        data={
            "title": LONG_TITLE,
            "remote": "y",
            "approval_mode": "review",
            "shifts-0-day": day,
            "shifts-0-start": "10:00",
            "shifts-0-end": "12:00",
            "shifts-0-capacity": "3",
            "action": "draft",
        },
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "โปรดใช้ไม่เกิน 200 ตัวอักษร (ตอนนี้มี 5000 ตัวอักษร)" in text
    assert db.session.scalar(sa.select(sa.func.count(Opportunity.id))) == 0


def test_a_long_title_through_the_api_is_a_422_naming_it(api):
    from tests.functional.test_api_organizations import opportunity_body

    user = factories.make_user(Role.ORGANIZER, email="o@example.org", locale="en")
    organization = factories.make_organization(members=[user])
    db.session.commit()
    headers = bearer(login_token(api, "o@example.org"))
    response = api.post(
        "/api/v1/opportunities",
        json=opportunity_body(organization.id, title=LONG_TITLE),
        headers={**headers, "Accept-Language": "en"},
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "title" in str(fields) and "200" in str(fields)
    assert db.session.scalar(sa.select(sa.func.count(Opportunity.id))) == 0
    fine = api.post(
        "/api/v1/opportunities",
        json=opportunity_body(organization.id, title="ก" * 200),
        headers=headers,
    )
    assert fine.status_code == 201
    assert db.session.scalar(sa.select(Opportunity.title)) == "ก" * 200


def test_a_long_bio_is_explained_and_the_page_says_the_limit(client, auth):
    from tests.functional.test_volunteer_pages import PROFILE_FORM

    user = factories.make_user(email="v@example.org")
    db.session.commit()
    auth.login("v@example.org")
    form = client.get("/me/profile").get_data(as_text=True)
    assert 'maxlength="1000"' in form and "ไม่เกิน 1,000 ตัวอักษร" in form
    page = client.post("/me/profile", data={**PROFILE_FORM, "bio": "x" * 10_000})
    assert page.status_code == 200
    assert "โปรดใช้ไม่เกิน 1000 ตัวอักษร (ตอนนี้มี 10000 ตัวอักษร)" in page.get_data(as_text=True)
    assert db.session.get(User, user.id).profile.bio == ""


def test_the_unstored_list_names_only_real_fields(app):
    web = {f"{form}.{field.short_name}" for form, field in _text_fields(app)}
    seen: set = set()
    api = {
        name
        for schema in _input_schemas(app).values()
        for name, _ in _string_fields(schema, seen)
    }
    assert not NOT_STORED - (web | api), "names no field"
    assert len(web) > 40 and len(api) > 40


def test_a_long_decision_message_is_refused_by_the_service(client, organizer):
    from marketplace.models import Application, ApplicationStatus

    application = factories.make_pending_application(organizer)
    page = client.post(
        f"/manage/applications/{application.id}/accept",
        data={"message": "x" * 2001},
        follow_redirects=True,
    )
    assert "โปรดใช้ไม่เกิน 2000 ตัวอักษร (ตอนนี้มี 2001 ตัวอักษร)" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Application, application.id).status is (
        ApplicationStatus.PENDING
    )
    accepted = client.post(
        f"/manage/applications/{application.id}/accept",
        data={"message": "x" * 2000},
    )
    assert accepted.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application.id).decision_message == "x" * 2000
