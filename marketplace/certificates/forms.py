"""Forms: the one-minute survey, issuing a certificate, revoking one."""

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired

from ..forms import Form
from ..inputs import TextLength
from ..models import Certificate, Feedback
from .services import MAX_COMMENT, MAX_REASON


def _one_clear_message(*fields) -> None:
    """Replace WTForms' "Not a valid choice" with the field's own message."""
    for field in fields:
        if field.errors:
            field.errors = [str(field.validators[0].message)]


def _yes_no(label, message) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[InputRequired(message=message)],
    )


class FeedbackForm(Form):
    """A few questions after an attended shift."""

    rating = RadioField(
        _l("How was the shift overall? (1 = poor, 5 = excellent)"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
        validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))],
    )
    would_volunteer_again = _yes_no(
        _l("Would you volunteer again?"), _l("Say whether you would volunteer again.")
    )
    active_citizen = _yes_no(
        _l("Do you feel more able to act on a social problem?"),
        _l("Say whether you feel more able to act."),
    )
    learned_skill = _yes_no(
        _l("Did you learn a new skill?"), _l("Say whether you learned a new skill.")
    )
    comment = TextAreaField(
        _l("Anything else? (optional)"),
        validators=[
            TextLength(
                Feedback.comment,
                message=_l(
                    "Keep the comment under %(max)d characters.", max=MAX_COMMENT
                ),
            )
        ],
        render_kw={"rows": 3},
    )

    def validate(self, extra_validators=None) -> bool:
        """Validate, with one clear message per unanswered question."""
        valid = super().validate(extra_validators)
        _one_clear_message(
            self.rating,
            self.would_volunteer_again,
            self.active_citizen,
            self.learned_skill,
        )
        return valid


class IssueForm(Form):
    """Issue a certificate: for all organisations or one, in Thai or English."""

    # The first choice (all organisations) is a real value, so no HTML `required`:
    # the HTML standard wants a required select to start with an empty option.
    scope = SelectField(
        _l("Hours with"),
        choices=[],
        validators=[
            InputRequired(message=_l("Choose an organisation you volunteered with."))
        ],
        render_kw={"required": False},
    )
    locale = RadioField(
        _l("Language of the certificate"),
        choices=[
            # Each language named in itself, and marked so (WCAG 3.1.2).
            SelectChoice("th", Markup('<span lang="th">ภาษาไทย</span>')),
            SelectChoice("en", Markup('<span lang="en">English</span>')),
        ],
        validators=[InputRequired(message=_l("Choose Thai or English."))],
    )

    def validate(self, extra_validators=None) -> bool:
        """Validate, with one clear message per field."""
        valid = super().validate(extra_validators)
        _one_clear_message(self.scope, self.locale)
        return valid


class RevokeForm(Form):
    """Staff revoke a certificate, saying why."""

    reason = StringField(
        _l("Reason"),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            DataRequired(message=_l("Say why the certificate is revoked.")),
            TextLength(
                Certificate.revoked_reason,
                message=_l("Keep the reason under %(max)d characters.", max=MAX_REASON),
            ),
        ],
    )


class VerifyForm(Form):
    """Type a certificate code to check it (a GET form, no CSRF token)."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Certificate code"),
        validators=[
            InputRequired(message=_l("Type the code printed on the certificate.")),
            TextLength(max=64, message=_l("That is not a certificate code.")),
        ],
    )
