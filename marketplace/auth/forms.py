"""Account forms."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, ValidationError

from ..errors import ValidationFailed
from ..forms import Form
from ..inputs import PASSWORD_TEXT, TextLength
from ..models import Role, User
from .services import normalize_email


class RegisterForm(Form):
    """Sign up as a volunteer or as an organisation member."""

    display_name = StringField(
        _l("Your name"), validators=[DataRequired(), TextLength(User.display_name)]
    )
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), TextLength(User.email)]
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), TextLength(max=PASSWORD_TEXT)],
        description=_l("At least 10 characters; avoid common passwords."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(),
            TextLength(max=PASSWORD_TEXT),
            EqualTo("password", message=_l("The passwords do not match.")),
        ],
    )
    role = RadioField(
        _l("I am joining as"),
        choices=[
            SelectChoice(Role.VOLUNTEER.value, _l("A volunteer")),
            SelectChoice(
                Role.ORGANIZER.value, _l("A member of a partner organisation")
            ),
        ],
        default=Role.VOLUNTEER.value,
        validators=[InputRequired()],
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

    def validate_email(self, field) -> None:
        """Say what is wrong with the address together with the other fields."""
        try:
            normalize_email(field.data or "")
        except ValidationFailed as error:
            raise ValidationError(error.fields["email"][0]) from None


class LoginForm(Form):
    """Log in with e-mail and password."""

    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), TextLength(User.email)]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), TextLength(max=PASSWORD_TEXT)]
    )
    remember = BooleanField(_l("Keep me logged in on this device"))
    next = HiddenField()


class NewPasswordForm(Form):
    """Choose a new password, typed twice (from a password-reset link)."""

    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), TextLength(max=PASSWORD_TEXT)],
        description=_l("At least 10 characters; avoid common passwords."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(),
            TextLength(max=PASSWORD_TEXT),
            EqualTo("new_password", message=_l("The passwords do not match.")),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    """Change the password; every other session ends."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), TextLength(max=PASSWORD_TEXT)],
    )


class ForgotPasswordForm(Form):
    """Ask for a password-reset link by e-mail."""

    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), TextLength(User.email)]
    )


class SecondFactorForm(Form):
    """The second login step: a code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), TextLength(max=20)],
        description=_l(
            "The 6-digit code your authenticator app shows, or one of your "
            "recovery codes."
        ),
        render_kw={"autocomplete": "one-time-code", "inputmode": "text"},
    )


class EnrolTotpForm(Form):
    """Confirm the authenticator app by typing the code it shows."""

    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), TextLength(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
