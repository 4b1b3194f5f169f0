"""The impact dashboards' filters (GET, in the URL)."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional, ValidationError

from ..forms import Form
from ..geo import place_name
from ..inputs import BoundedDateField
from .queries import Choices


class ImpactFilterForm(Form):
    """Cause, organisation, province and dates; every field may be left empty."""

    class Meta:
        csrf = False

    cause = SelectField(_l("Cause"), choices=[], default="")
    organization = SelectField(_l("Organisation"), choices=[], default="")
    province = SelectField(_l("Province"), choices=[], default="")
    first_day = BoundedDateField(_l("From"), validators=[Optional()])
    last_day = BoundedDateField(_l("Until"), validators=[Optional()])

    def offer(
        self, choices: Choices, organizations: bool = True, locale: str = "th"
    ) -> None:
        """Fill the select boxes (an empty value means all); provinces named in the
        reader's language, chosen by their stored (Thai) name."""
        everything = [("", str(_l("All")))]
        self.cause.choices = everything + choices.causes
        self.organization.choices = everything + (
            [(str(org_id), name) for org_id, name in choices.organizations]
            if organizations
            else []
        )
        self.province.choices = everything + [
            (p, place_name(p, locale)) for p in choices.provinces
        ]

    def validate_last_day(self, field) -> None:
        """The end may not come before the start."""
        first = self.first_day.data
        if field.data and first and field.data < first:
            raise ValidationError(_l("The end date must not be before the start date."))
