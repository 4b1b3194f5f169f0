"""The project's base form: WTForms' own messages speak the user's language.

WTForms ships no Thai catalogue, so its built-in messages ("This field is
required.") would reach Thai pages in English. Every form of the project derives
from `Form`, whose translations are our own catalogue; the messages are listed in
`_wtforms_messages` so that `make extract-messages` keeps them there.
"""

from collections.abc import Iterator
from typing import NamedTuple

import wtforms
from flask_babel import format_decimal, get_translations
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms.widgets import ListWidget


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


def error_id(field) -> str:
    """The id of the element that shows a field's errors next to it."""
    return f"{field.id}-error"


def _announced_errors(field, render_kw: dict) -> dict:
    """`render_kw` with a field's errors announced: aria-invalid, aria-describedby.

    A screen reader then says "invalid" and reads the error when the field takes
    focus (WCAG 3.3.1, 1.3.1). Option groups (checkbox lists, radios) are left to
    their fieldset, which the templates point at the error.
    """
    if not field.errors or isinstance(field.widget, ListWidget):
        return render_kw
    kw = dict(render_kw)
    described = [
        kw.pop(key) for key in ("aria-describedby", "aria_describedby") if kw.get(key)
    ]
    kw["aria-describedby"] = " ".join([*described, error_id(field)])
    kw.setdefault("aria-invalid", "true")
    return kw


class _Meta:
    """What every form and sub-form shares: our catalogue, announced errors."""

    def get_translations(self, form):
        return _CATALOGUE

    def render_field(self, field, render_kw):
        kw = _announced_errors(field, render_kw)
        limit = getattr(field.flags, "maxlength", None)
        if limit and "data-too-long" not in kw:
            # common.js shows this instead of letting maxlength cut a long paste.
            kw["data-too-long"] = _(
                "Too long: %(length)s characters, at most %(max)s. Please shorten it.",
                length="{length}",
                max=format_decimal(limit),
            )
        return super().render_field(field, kw)


class Form(FlaskForm):
    """Every form of the marketplace: CSRF from Flask-WTF, messages in Thai too."""

    class Meta(_Meta, FlaskForm.Meta):
        pass


class SubForm(wtforms.Form):
    """A form inside a form (`FormField`, `FieldList`): its messages in Thai too."""

    class Meta(_Meta, wtforms.Form.Meta):
        pass


class Problem(NamedTuple):
    """One error of a submitted form, for the summary above it."""

    target: str | None  # the id of the control to focus, if there is one
    label: str
    message: str


def _first_control_id(field) -> str | None:
    """The id a summary link should focus: the field, or its first option."""
    if field.type in ("HiddenField", "CSRFTokenField"):
        return None
    if isinstance(field.widget, ListWidget):
        options = list(field)
        return options[0].id if options else None
    return field.id


def _field_problems(field) -> Iterator[Problem]:
    if field.type == "FormField":
        for sub in field.form:
            yield from _field_problems(sub)
        return
    if field.type == "FieldList":
        for entry in field.entries:
            yield from _field_problems(entry)
        first = field.entries[0] if field.entries else None
        for message in field.errors:
            if isinstance(message, str):
                target = _first_control_id(first) if first else None
                yield Problem(target, str(field.label.text), message)
        return
    for message in field.errors:
        label = field.label.text if field.label else field.name
        yield Problem(_first_control_id(field), str(label), str(message))


def form_problems(form) -> list[Problem]:
    """Every error of a form, fields first in page order, then the form's own."""
    problems = [p for field in form for p in _field_problems(field)]
    problems += [Problem(None, "", str(m)) for m in getattr(form, "form_errors", [])]
    return problems


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
