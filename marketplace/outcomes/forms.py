"""Forms of the outcomes area: rounds, proposals, comments, reports, pledges."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Optional

from ..forms import Form
from ..inputs import NUMBER_TEXT, BoundedDateField, TextLength
from ..models import (
    Outcome,
    OutcomeComment,
    OutcomeRound,
    Pledge,
    ReportedValue,
)


class RoundForm(Form):
    """Open a round (staff)."""

    title_th = StringField(
        _l("Title in Thai"),
        validators=[DataRequired(), TextLength(OutcomeRound.title_th)],
    )
    title_en = StringField(
        _l("Title in English"), validators=[TextLength(OutcomeRound.title_en)]
    )
    cause = SelectField(_l("Cause (optional)"), choices=[], validate_choice=False)


class OutcomeForm(Form):
    """Propose an outcome; numbers are checked by the service (clear messages)."""

    name_th = StringField(
        _l("Outcome in Thai"), validators=[DataRequired(), TextLength(Outcome.name_th)]
    )
    name_en = StringField(
        _l("Outcome in English"), validators=[TextLength(Outcome.name_en)]
    )
    source = RadioField(
        _l("Where the numbers come from"),
        choices=[
            SelectChoice("computed", _l("Computed by the platform")),
            SelectChoice("reported", _l("Reported by organisations")),
        ],
        default="computed",
    )
    indicator_key = SelectField(
        _l("Computed indicator"),
        choices=[],
        validate_choice=False,
        description=_l("For computed outcomes: what the platform counts."),
    )
    indicator_text = StringField(
        _l("What is counted"),
        validators=[TextLength(Outcome.indicator)],
        description=_l("For reported outcomes, e.g. “trees planted”."),
    )
    unit = StringField(
        _l("Unit"),
        validators=[TextLength(Outcome.unit)],
        description=_l("Left empty for a computed indicator: its own unit."),
    )
    baseline = StringField(
        _l("Baseline (today)"), validators=[TextLength(max=NUMBER_TEXT)], default="0"
    )
    target = StringField(_l("Target"), validators=[TextLength(max=NUMBER_TEXT)])
    cause = SelectField(_l("Cause (optional)"), choices=[], validate_choice=False)
    organization_id = SelectField(_l("For"), choices=[], validate_choice=False)


class CommentForm(Form):
    """Comment on an outcome."""

    body = TextAreaField(
        _l("Your comment"),
        validators=[DataRequired(), TextLength(OutcomeComment.body)],
        render_kw={"rows": 2},
    )


class ReportForm(Form):
    """Report a value for one of the organisation's opportunities."""

    opportunity_id = SelectField(_l("Opportunity"), choices=[], validate_choice=False)
    value = StringField(
        _l("Value"), validators=[DataRequired(), TextLength(max=NUMBER_TEXT)]
    )
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[TextLength(ReportedValue.note)],
        render_kw={"rows": 2},
    )
    evidence_url = URLField(
        _l("Evidence link (optional)"),
        validators=[Optional(), TextLength(ReportedValue.evidence_url)],
        description=_l("A web address starting with https://, e.g. a photo album."),
    )


class PledgeForm(Form):
    """Record a pledge or a donation (no payment happens here)."""

    kind = RadioField(
        _l("Kind"),
        choices=[
            SelectChoice("pledge", _l("Pledge (a promise)")),
            SelectChoice("donation", _l("Donation (money given)")),
        ],
        default="pledge",
    )
    amount_thb = StringField(
        _l("Amount (THB)"), validators=[DataRequired(), TextLength(max=NUMBER_TEXT)]
    )
    source_partner_id = SelectField(
        _l("Through giving partner"), choices=[], validate_choice=False
    )
    cause = SelectField(_l("Cause (optional)"), choices=[], validate_choice=False)
    organization_id = SelectField(
        _l("Beneficiary organisation (optional)"), choices=[], validate_choice=False
    )
    pledged_on = BoundedDateField(_l("Date"), validators=[DataRequired()])
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[TextLength(Pledge.note)],
        render_kw={"rows": 2},
    )
