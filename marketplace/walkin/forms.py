"""Walk-in forms: nothing is remembered by the browser (autocomplete off)."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, StringField, TelField
from wtforms.validators import DataRequired, Optional

from ..forms import Form
from ..inputs import BoundedDateField, TextLength
from ..models import User
from ..volunteers.forms import GuardianFields


class WalkInForm(GuardianFields, Form):
    """A newcomer at the booth: name, phone, e-mail (optional), age and consents."""

    display_name = StringField(
        _l("Your name"), validators=[DataRequired(), TextLength(User.display_name)]
    )
    phone = TelField(
        _l("Phone"),
        validators=[DataRequired(), TextLength(max=32)],
        description=_l("A Thai number such as 081 234 5678, or +country code."),
    )
    email = EmailField(
        _l("E-mail (optional)"),
        validators=[Optional(), TextLength(User.email)],
        description=_l("We send you a link to set a password."),
    )
    date_of_birth = BoundedDateField(_l("Date of birth"), validators=[Optional()])
    accept_terms = BooleanField(
        _l("I accept the terms of use and the privacy notice"), default=False
    )
    consent_matching = BooleanField(
        _l("Suggest me to organisations whose opportunities fit my profile"),
        default=False,
    )


class ConfirmForm(Form):
    """A button with its CSRF token (apply as the volunteer found or logged in)."""


class ScanForm(Form):
    """The code a returning volunteer's phone shows, read by a scanner or typed."""

    code = StringField(
        _l("Scan or type the code from their My shifts page"),
        validators=[DataRequired(), TextLength(max=400)],
    )


class PhoneForm(Form):
    """A returning volunteer's phone number."""

    phone = TelField(_l("Phone"), validators=[DataRequired(), TextLength(max=32)])


class PhoneCodeForm(Form):
    """The one-time code sent to the volunteer."""

    code = StringField(
        _l("The code we sent"), validators=[DataRequired(), TextLength(max=12)]
    )
