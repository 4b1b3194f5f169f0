"""Forms: reporting hours, reviewing them, withdrawing, picking a record's period."""

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import (
    FloatField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from ..forms import Form
from ..inputs import BoundedDateField, TextLength
from ..models import ReportedHours

_strip = [lambda value: value.strip() if isinstance(value, str) else value]


class ReportForm(Form):
    """A volunteer reports hours done with an organisation outside a listed shift."""

    organization_id = SelectField(
        _l("Organisation"),
        choices=[],
        validators=[
            InputRequired(message=_l("Choose the organisation you volunteered with."))
        ],
        description=_l("Organisations verified on the platform."),
    )
    day = BoundedDateField(
        _l("Day"),
        validators=[InputRequired(message=_l("Give the day you volunteered."))],
    )
    hours = FloatField(
        _l("Hours"),
        validators=[InputRequired(message=_l("Give the hours, e.g. 2.5."))],
        render_kw={"inputmode": "decimal", "step": "0.25", "min": "0.25"},
    )
    activity = TextAreaField(
        _l("What you did"),
        filters=_strip,
        validators=[
            InputRequired(message=_l("Say what you did.")),
            TextLength(ReportedHours.activity),
        ],
        render_kw={"rows": 3},
    )
    evidence_url = StringField(
        _l("Link to evidence (optional)"),
        filters=_strip,
        validators=[Optional(), TextLength(ReportedHours.evidence_url)],
        description=_l("A photo album or a post about the activity, https:// only."),
        render_kw={"inputmode": "url"},
    )


class ReviewForm(Form):
    """A member approves, changes or declines reported hours."""

    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Approve as reported")),
            SelectChoice("change", _l("Change the hours")),
            SelectChoice("decline", _l("Decline")),
        ],
        validators=[InputRequired(message=_l("Approve, change or decline."))],
    )
    hours = FloatField(
        _l("Hours to certify (when changing)"),
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "step": "0.25", "min": "0.25"},
    )
    reason = StringField(
        _l("Reason (needed to change or decline; the volunteer sees it)"),
        filters=_strip,
        validators=[TextLength(ReportedHours.review_reason)],
    )


class WithdrawForm(Form):
    """A member withdraws the organisation's certification of one activity."""

    reason = StringField(
        _l("Why withdraw the certification?"),
        filters=_strip,
        validators=[
            InputRequired(message=_l("Say why you withdraw the certification.")),
            TextLength(ReportedHours.withdrawn_reason),
        ],
    )


class PeriodForm(Form):
    """The period of a service-hour record (a GET form, no CSRF token)."""

    class Meta:
        csrf = False

    year = SelectField(_l("Academic year"), choices=[], validate_choice=False)
    start = BoundedDateField(_l("From"), validators=[Optional()])
    end = BoundedDateField(_l("To"), validators=[Optional()])


class IssueRecordForm(Form):
    """Sign the record of a period, in Thai or English."""

    locale = RadioField(
        _l("Language of the record"),
        choices=[
            SelectChoice("th", Markup('<span lang="th">ภาษาไทย</span>')),
            SelectChoice("en", Markup('<span lang="en">English</span>')),
        ],
        validators=[InputRequired(message=_l("Choose Thai or English."))],
    )
    start = BoundedDateField(validators=[InputRequired()])
    end = BoundedDateField(validators=[InputRequired()])
