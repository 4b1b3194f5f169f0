"""The short sign-up form after LINE Login, and the LINE buttons."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, StringField
from wtforms.validators import DataRequired, Optional

from ..forms import Form
from ..inputs import TextLength
from ..models import User


class LineSignUpForm(Form):
    """A new volunteer account opened with LINE: name, terms, matching consent."""

    display_name = StringField(
        _l("Your name"), validators=[DataRequired(), TextLength(User.display_name)]
    )
    email = EmailField(
        _l("E-mail (optional)"),
        validators=[Optional(), TextLength(User.email)],
        description=_l(
            "Without one you log in with LINE only, and messages reach you on LINE "
            "and in the marketplace."
        ),
    )
    accept_terms = BooleanField(
        _l("I accept the terms of use and the privacy notice"),
        validators=[DataRequired(message=_l("You must accept the terms to register."))],
    )
    consent_matching = BooleanField(
        # PDPA: consent is freely given, so the box starts unticked.
        _l("Suggest me to organisations whose opportunities fit my profile"),
        default=False,
    )


class LineButtonForm(Form):
    """A POST button (log in / link / unlink with LINE): only the CSRF token."""

    next = HiddenField()
