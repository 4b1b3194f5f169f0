"""Staff forms."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..forms import Form
from ..inputs import BoundedDateField, RecordIdField, TextLength
from ..models import Application, User


class ReasonForm(Form):
    """A decision that needs a reason."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[TextLength(Application.decision_message)],
        render_kw={"rows": 2},
    )


class QueueFilterForm(Form):
    """Filters of the approval queue (GET, in the URL)."""

    class Meta:
        csrf = False

    cause = SelectField(_l("Cause"), choices=[], validate_choice=False)
    organization = RecordIdField(_l("Organisation"), validators=[Optional()])
    starts_after = BoundedDateField(_l("From"), validators=[Optional()])
    starts_before = BoundedDateField(_l("Until"), validators=[Optional()])


class AuditFilterForm(Form):
    """Filters of the audit log (GET, in the URL)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    actor = StringField(_l("Who (e-mail)"), validators=[TextLength(User.email)])
