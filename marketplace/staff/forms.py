"""Staff forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class ReasonForm(FlaskForm):
    """A decision that needs a reason."""

    reason = TextAreaField(_l("Reason"), render_kw={"rows": 2})


class QueueFilterForm(FlaskForm):
    """Filters of the approval queue (GET, in the URL)."""

    class Meta:
        csrf = False

    cause = SelectField(_l("Cause"), choices=[], validate_choice=False)
    organization = IntegerField(_l("Organisation"), validators=[Optional()])
    starts_after = DateField(_l("From"), validators=[Optional()])
    starts_before = DateField(_l("Until"), validators=[Optional()])


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (GET, in the URL)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    actor = StringField(_l("Who (e-mail)"), validators=[Length(max=254)])
