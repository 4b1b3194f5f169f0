"""Volunteer forms: profile, search, applying."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import NumberRange, Optional, ValidationError

from ..forms import Form
from ..inputs import SEARCH_TEXT, BoundedDateField, TextLength
from ..models import Application, VolunteerProfile
from .profile import MAX_DISTANCE_KM


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (a searchable picker with the page's script)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class GuardianFields:
    """A minor's parent or guardian: who, how to reach them, and their consent.

    Asked by the profile and by the walk-in form at a booth.
    """

    guardian_name = StringField(
        _l("Parent's or guardian's name"),
        validators=[TextLength(VolunteerProfile.guardian_name)],
    )
    guardian_contact = StringField(
        _l("Parent's or guardian's phone or e-mail"),
        validators=[TextLength(VolunteerProfile.guardian_contact)],
    )
    guardian_consent = BooleanField(
        _l("My parent or guardian agrees that I volunteer and that my data is used")
    )


class ProfileForm(GuardianFields, Form):
    """Everything matching needs; the week grid is read from `slot` checkboxes."""

    # The services' "location" (API name) is typed in `place` here.
    error_fields = {"location": "place"}

    skills = MultiCheckboxField(_l("Skills"), choices=[], validate_choice=False)
    causes = MultiCheckboxField(
        _l("Causes you care about"), choices=[], validate_choice=False
    )
    place = StringField(
        _l("Where you are"),
        validators=[TextLength(VolunteerProfile.location_label)],
        description=_l("A district, province or landmark, in Thai or English."),
    )
    lat = FloatField(validators=[Optional()], widget=widgets.HiddenInput())
    lon = FloatField(validators=[Optional()], widget=widgets.HiddenInput())
    max_distance_km = IntegerField(
        _l("How far you will travel (km)"),
        default=15,
        validators=[NumberRange(0, MAX_DISTANCE_KM)],
    )
    remote_ok = BooleanField(_l("I can also help remotely (online)"))
    languages = MultiCheckboxField(_l("Languages"), choices=[], validate_choice=False)
    bio = TextAreaField(
        _l("About you"),
        description=_l("A few words organisations will read when you apply."),
        validators=[TextLength(VolunteerProfile.bio)],
        render_kw={"rows": 3},
    )
    date_of_birth = BoundedDateField(
        _l("Date of birth (optional)"),
        validators=[Optional()],
        description=_l("Needed for opportunities with a minimum age."),
    )
    student_id = StringField(
        _l("Student id (optional)"),
        validators=[TextLength(VolunteerProfile.student_id)],
        description=_l(
            "Printed on your service-hour record, for the Student Loan Fund or "
            "your university."
        ),
    )


class SearchForm(Form):
    """The search filters; they live in the URL so a search can be shared."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[TextLength(max=SEARCH_TEXT)])
    cause = SelectField(_l("Cause"), choices=[], validate_choice=False)
    skill = MultiCheckboxField(_l("Skills"), choices=[], validate_choice=False)
    starts_after = BoundedDateField(_l("From"), validators=[Optional()])
    starts_before = BoundedDateField(_l("Until"), validators=[Optional()])
    near_me = BooleanField(_l("Near where I live"))

    def validate_starts_before(self, field) -> None:
        """Explain reversed dates instead of silently finding nothing."""
        first = self.starts_after.data
        if first and field.data and field.data < first:
            raise ValidationError(_l("The end date is before the start date."))

    where = StringField(_l("Near a place"), validators=[TextLength(max=SEARCH_TEXT)])
    within_km = SelectField(
        _l("Within"),
        choices=[SelectChoice(str(km), f"{km} km") for km in (5, 10, 25, 50, 100, 300)],
        default="25",
        validators=[Optional()],
    )
    remote = SelectField(
        _l("Where it happens"),
        choices=[
            SelectChoice("", _l("On site or remote")),
            SelectChoice("true", _l("Remote only")),
            SelectChoice("false", _l("On site only")),
        ],
        default="",
    )


class ApplyForm(Form):
    """Apply to one shift, with an optional message to the organisation."""

    message = TextAreaField(
        _l("Message to the organisation (optional)"),
        validators=[TextLength(Application.message)],
        render_kw={"rows": 2},
    )
