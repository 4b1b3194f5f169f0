"""Privacy forms: deciding a consent, deleting the account."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, PasswordField
from wtforms.validators import DataRequired, InputRequired

from ..forms import Form
from ..inputs import PASSWORD_TEXT, TextLength


class ConsentForm(Form):
    """Grant or withdraw one purpose (one button per purpose)."""

    purpose = HiddenField(validators=[InputRequired()])
    granted = HiddenField(validators=[InputRequired()])


class EraseForm(Form):
    """Delete the account: the password and an explicit confirmation."""

    password = PasswordField(
        _l("Your password"), validators=[DataRequired(), TextLength(max=PASSWORD_TEXT)]
    )
    confirm = BooleanField(
        _l("I understand that my account and personal data are erased for good."),
        validators=[DataRequired()],
    )
