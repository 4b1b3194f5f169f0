"""Organisation forms: the organisation, members, opportunities with shifts."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FloatField,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
    widgets,
)
from wtforms.validators import DataRequired, NumberRange, Optional

from ..forms import Form, SubForm
from ..inputs import BoundedDateField, TextLength
from ..models import Application, Opportunity, Organization, Question, User
from ..volunteers.forms import MultiCheckboxField


class OrganizationForm(Form):
    """Register or edit an organisation."""

    name_th = StringField(
        _l("Name in Thai"),
        validators=[DataRequired(), TextLength(Organization.name_th)],
    )
    name_en = StringField(
        _l("Name in English"), validators=[TextLength(Organization.name_en)]
    )
    description = TextAreaField(
        _l("What the organisation does"),
        validators=[TextLength(Organization.description)],
        render_kw={"rows": 4},
    )
    causes = MultiCheckboxField(_l("Causes"), choices=[], validate_choice=False)
    website = URLField(
        _l("Website"), validators=[Optional(), TextLength(Organization.website)]
    )
    contact_email = EmailField(
        _l("Contact e-mail"),
        validators=[Optional(), TextLength(Organization.contact_email)],
    )
    contact_phone = StringField(
        _l("Contact phone"),
        validators=[Optional(), TextLength(Organization.contact_phone)],
    )


class MemberForm(Form):
    """Add a colleague who already has an organisation-member account."""

    email = EmailField(
        _l("Their e-mail address"), validators=[DataRequired(), TextLength(User.email)]
    )


CAPACITY_RANGE = _l("Give a number of volunteers from at least 1 up to 10,000.")


class ShiftRow(SubForm):
    """One shift row of the opportunity form (an empty row is ignored)."""

    id = HiddenField()
    day = BoundedDateField(_l("Day"), validators=[Optional()])
    start = TimeField(_l("Start time"), validators=[Optional()])
    end = TimeField(_l("End time"), validators=[Optional()])
    capacity = IntegerField(
        _l("Volunteers needed"),
        validators=[Optional(), NumberRange(1, 10_000, message=CAPACITY_RANGE)],
    )


class OpportunityForm(Form):
    """Post or edit an opportunity with any number of shifts."""

    # The services' "location" (API name) is typed in `place` here.
    error_fields = {"location": "place"}

    title = StringField(
        _l("Title"), validators=[DataRequired(), TextLength(Opportunity.title)]
    )
    description = TextAreaField(
        _l("Description"),
        validators=[TextLength(Opportunity.description)],
        render_kw={"rows": 5},
    )
    causes = MultiCheckboxField(_l("Causes"), choices=[], validate_choice=False)
    skills = MultiCheckboxField(
        _l("Required skills"),
        choices=[],
        validate_choice=False,
        description=_l("Only volunteers who have every required skill are suggested."),
    )
    nice_to_have_skills = MultiCheckboxField(
        _l("Nice-to-have skills"),
        choices=[],
        validate_choice=False,
        description=_l(
            "Welcome but not required: volunteers who have them rank higher. "
            "A skill ticked in both lists counts as required."
        ),
    )
    languages = MultiCheckboxField(_l("Languages"), choices=[], validate_choice=False)
    remote = BooleanField(_l("Remote (online) — no place needed"))
    place = StringField(
        _l("Where"),
        validators=[TextLength(Opportunity.location_label)],
        description=_l("A district, province or landmark, or click the map."),
    )
    lat = FloatField(validators=[Optional()], widget=widgets.HiddenInput())
    lon = FloatField(validators=[Optional()], widget=widgets.HiddenInput())
    approval_mode = RadioField(
        _l("How volunteers get a spot"),
        choices=[
            SelectChoice("first_come", _l("First come, first served")),
            SelectChoice("review", _l("We review each application")),
        ],
        default="review",
    )
    accessibility = TextAreaField(
        _l("Accessibility notes"),
        validators=[TextLength(Opportunity.accessibility)],
        render_kw={"rows": 2},
    )
    min_age = IntegerField(
        _l("Minimum age (optional)"),
        validators=[Optional(), NumberRange(0, 99)],
        description=_l(
            "Volunteers must give their date of birth and be at least this old."
        ),
    )
    release_unconfirmed_hours = IntegerField(
        _l("Release unconfirmed places (hours before the start, optional)"),
        validators=[Optional(), NumberRange(0, 72)],
        description=_l(
            "Volunteers are asked “are you coming?” before their shift (a day "
            "before, by default). A place not confirmed this many hours before "
            "the start goes to the waitlist. Leave empty to keep every place."
        ),
    )
    is_expo = BooleanField(_l("At the expo (9–11 June, CentralWorld)"))
    shifts = FieldList(FormField(ShiftRow), min_entries=3)
    expo_morning = BooleanField(
        _l("Add morning shifts (09:00–13:00) on every expo day")
    )
    expo_afternoon = BooleanField(
        _l("Add afternoon shifts (13:00–17:00) on every expo day")
    )
    expo_capacity = IntegerField(
        _l("Volunteers needed per expo shift"),
        default=10,
        validators=[Optional(), NumberRange(1, 10_000, message=CAPACITY_RANGE)],
    )


class DecisionForm(Form):
    """Accept or decline, with a message to the volunteer."""

    message = TextAreaField(
        _l("Message to the volunteer (optional)"),
        validators=[TextLength(Application.decision_message)],
    )


class AttendanceForm(Form):
    """Attended with hours, or no-show."""

    hours = FloatField(_l("Hours"), validators=[Optional()])


class QuestionForm(Form):
    """A question the opportunity's apply form asks (e.g. a T-shirt size)."""

    kind = RadioField(
        _l("Kind of answer"),
        choices=[
            SelectChoice("text", _l("Short text")),
            SelectChoice("choice", _l("One choice")),
            SelectChoice("choices", _l("Several choices")),
        ],
        default="text",
    )
    label_th = StringField(
        _l("Question in Thai"),
        validators=[DataRequired(), TextLength(Question.label_th)],
    )
    label_en = StringField(
        _l("Question in English (optional)"),
        validators=[TextLength(Question.label_en)],
    )
    choices = TextAreaField(
        _l("Choices, one a line: Thai | English"),
        validators=[TextLength(max=3000)],
        render_kw={"rows": 4, "placeholder": "S\nM\nL\nXL"},
    )
    required = BooleanField(_l("An answer is required"))
