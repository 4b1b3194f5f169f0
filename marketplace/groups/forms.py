"""Forms: a new group, joining with a code, reserving places, the report's period."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..forms import Form
from ..inputs import TextLength
from ..models import Group, GroupKind

KIND_NAMES = {
    GroupKind.COMPANY: _l("A company or workplace"),
    GroupKind.CLUB: _l("A school or university club"),
    GroupKind.FAMILY: _l("A family"),
    GroupKind.OTHER: _l("Another group of friends"),
}


class GroupForm(Form):
    """A new group: its name and kind."""

    name = StringField(
        _l("Group name"),
        validators=[
            DataRequired(message=_l("Give the group a name.")),
            TextLength(Group.name),
        ],
    )
    kind = RadioField(
        _l("What kind of group is it?"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_NAMES.items()],
        default=GroupKind.COMPANY.value,
        validators=[InputRequired(message=_l("Choose what kind of group it is."))],
    )


class JoinForm(Form):
    """The join code a group's leader shared."""

    code = StringField(
        _l("Join code"),
        description=_l("8 letters and digits, as the leader gave it: ABCD-EFGH."),
        validators=[
            DataRequired(message=_l("Type the join code.")),
            TextLength(Group.join_code),
        ],
    )


class ReserveForm(Form):
    """How many places of a shift to hold for the group."""

    places = IntegerField(
        _l("Places to reserve"),
        validators=[
            InputRequired(message=_l("Say how many places.")),
            NumberRange(min=1, max=500, message=_l("From 1 to the shift's size.")),
        ],
    )


class PeriodForm(Form):
    """The report's period (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
