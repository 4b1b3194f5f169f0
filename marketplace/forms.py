"""The project's base form: WTForms' own messages speak the user's language.

WTForms ships no Thai catalogue, so its built-in messages ("This field is
required.") would reach Thai pages in English. Every form of the project derives
from `Form`, whose translations are our own catalogue; the messages are listed in
`_wtforms_messages` so that `make extract-messages` keeps them there.
"""

import wtforms
from flask_babel import get_translations
from flask_wtf import FlaskForm


class _Catalogue:
    """WTForms' translations interface, answered from the project's catalogue.

    WTForms formats the result itself (`% {"min": …}`), so nothing is formatted
    here (Flask-Babel's own `ngettext` would add `num` and fail).
    """

    def gettext(self, string: str) -> str:
        """The translation of a message, unformatted."""
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The translation of a message with a number, unformatted."""
        return get_translations().ungettext(singular, plural, n)


_CATALOGUE = _Catalogue()


class Form(FlaskForm):
    """Every form of the marketplace: CSRF from Flask-WTF, messages in Thai too."""

    class Meta:
        def get_translations(self, form):
            return _CATALOGUE


class SubForm(wtforms.Form):
    """A form inside a form (`FormField`, `FieldList`): its messages in Thai too."""

    class Meta:
        def get_translations(self, form):
            return _CATALOGUE


def _wtforms_messages(_, ngettext) -> None:  # pragma: no cover
    """WTForms' messages the forms can show, for the extractor (never called)."""
    _("This field is required.")
    _("Invalid input.")
    _("Invalid email address.")
    _("Invalid URL.")
    _("Not a valid choice.")
    _("Invalid Choice: could not coerce.")
    _("Invalid choice(s): one or more data inputs could not be coerced.")
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    )
    _("Not a valid datetime value.")
    _("Not a valid date value.")
    _("Not a valid time value.")
    _("Not a valid integer value.")
    _("Not a valid decimal value.")
    _("Not a valid float value.")
    _("Field must be equal to %(other_name)s.")
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    )
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    )
    _("Field must be between %(min)d and %(max)d characters long.")
    _("Number must be at least %(min)s.")
    _("Number must be at most %(max)s.")
    _("Number must be between %(min)s and %(max)s.")
    _("Date must be at least %(min)s.")
    _("Date must be at most %(max)s.")
    _("Date must be between %(min)s and %(max)s.")
