"""Organisation forms: the organisation, members, opportunities with shifts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    FloatField,
    Form,
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
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..volunteers.forms import MultiCheckboxField


class OrganizationForm(FlaskForm):
    """Register or edit an organisation."""

    name_th = StringField(
        _l("Name in Thai"), validators=[DataRequired(), Length(max=200)]
    )
    name_en = StringField(_l("Name in English"), validators=[Length(max=200)])
    description = TextAreaField(_l("What the organisation does"), render_kw={"rows": 4})
    causes = MultiCheckboxField(_l("Causes"), choices=[], validate_choice=False)
    website = URLField(_l("Website"), validators=[Optional(), Length(max=300)])
    contact_email = EmailField(_l("Contact e-mail"), validators=[Optional()])
    contact_phone = StringField(
        _l("Contact phone"), validators=[Optional(), Length(max=32)]
    )


class MemberForm(FlaskForm):
    """Add a colleague who already has an organisation-member account."""

    email = EmailField(_l("Their e-mail address"), validators=[DataRequired()])


class ShiftRow(Form):
    """One shift row of the opportunity form (an empty row is ignored)."""

    id = HiddenField()
    day = DateField(_l("Day"), validators=[Optional()])
    start = TimeField(_l("From"), validators=[Optional()])
    end = TimeField(_l("Until"), validators=[Optional()])
    capacity = IntegerField(
        _l("Volunteers needed"), validators=[Optional(), NumberRange(1, 10_000)]
    )


class OpportunityForm(FlaskForm):
    """Post or edit an opportunity with any number of shifts."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), render_kw={"rows": 5})
    causes = MultiCheckboxField(_l("Causes"), choices=[], validate_choice=False)
    skills = MultiCheckboxField(_l("Skills needed"), choices=[], validate_choice=False)
    languages = MultiCheckboxField(_l("Languages"), choices=[], validate_choice=False)
    remote = BooleanField(_l("Remote (online) — no place needed"))
    place = StringField(
        _l("Where"),
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
    accessibility = TextAreaField(_l("Accessibility notes"), render_kw={"rows": 2})
    min_age = IntegerField(
        _l("Minimum age (optional)"),
        validators=[Optional(), NumberRange(0, 99)],
        description=_l(
            "Volunteers must give their date of birth and be at least this old."
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
        validators=[Optional(), NumberRange(1, 10_000)],
    )


class DecisionForm(FlaskForm):
    """Accept or decline, with a message to the volunteer."""

    message = TextAreaField(_l("Message to the volunteer (optional)"))


class AttendanceForm(FlaskForm):
    """Attended with hours, or no-show."""

    hours = FloatField(_l("Hours"), validators=[Optional()])
