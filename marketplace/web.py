"""Small helpers shared by the web views."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape

from .caching import memoized, rendered
from .errors import DomainError, ValidationFailed, is_refusal
from .extensions import db
from .models import Notification
from .seed import read_data

# Control characters (CR/LF would split the Location header; browsers drop tabs).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str | None, fallback_endpoint: str = "main.index"):
    """Redirect to a local path only; anything else goes to the fallback page."""
    if target and not _CONTROL.search(target):
        parts = urlsplit(target)
        local = not parts.scheme and not parts.netloc and target.startswith("/")
        if local and not target.startswith("//") and "\\" not in target:
            return redirect(target)
    return redirect(url_for(fallback_endpoint))


class Outcome:
    """What `committing` did: true once committed; `error` says why not."""

    def __init__(self) -> None:
        self.ok = False
        self.error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.ok


@contextmanager
def committing(
    done: str | None = None,
    kind: str = "success",
    form: FlaskForm | None = None,
    errors_on: str | None = None,
) -> Iterator[Outcome]:
    """The one transaction of a web view: commit on success, else roll back and say why.

    On success the session is committed and `done` (if any) flashed. A domain error
    is rolled back and explained: on the form when there is one (field errors next
    to their fields, the rest above it or on the field `errors_on`), else as a
    flashed error. A refusal of
    access (403/404) goes on to the error page. The block's result is true only
    when committed::

        with committing(_("Saved."), form=form) as saved:
            services.update_thing(current_user, thing, data)
        if saved:
            return redirect(...)
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as error:
        db.session.rollback()
        if is_refusal(error):
            raise  # the error page answers 403/404
        outcome.error = error
        if form is None:
            for message in error_messages(error):
                flash(message, "danger")
        elif isinstance(error, ValidationFailed) and error.fields:
            show_field_errors(form, error)
        elif errors_on is not None:
            on_field = ValidationFailed(fields={errors_on: [error.message]})
            show_field_errors(form, on_field)
        else:
            form.form_errors.append(error.message)
        return
    db.session.commit()
    outcome.ok = True
    if done:
        flash(done, kind)


def error_messages(error: DomainError) -> list[str]:
    """What to tell the user: the error's own message, else its field messages."""
    if error.fields and error.message == error.default_message():
        return [m for messages in error.fields.values() for m in messages]
    return [error.message]


def commit_or_explain(change: Callable[[], object], done: str, kind="success") -> bool:
    """`committing` as a function: make a change, commit it, or explain why not."""
    with committing(done, kind) as outcome:
        change()
    return bool(outcome)


def show_field_errors(form: FlaskForm, error: ValidationFailed) -> None:
    """Attach a service's field errors to the form fields (or the form as a whole).

    Services name fields as the API does; a form whose field has another name maps
    it in its `error_fields` (e.g. ``{"location": "place"}``), so the message is
    shown next to that field, not above the form.
    """
    renamed = getattr(form, "error_fields", {})
    for name, messages in error.fields.items():
        field = getattr(form, renamed.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors.extend(messages)


def taxonomy_choices(model) -> list[tuple[str, str]]:
    """(slug, name in the user's language) of every cause or skill, in order."""
    locale = str(get_locale())

    def load() -> list[tuple[str, str]]:
        rows = db.session.scalars(sa.select(model).order_by(model.position, model.id))
        return [(row.slug, row.name(locale)) for row in rows]

    # Kept per process until the catalogue version moves (taxonomy edits bump it).
    return list(memoized(("taxonomy", model.__name__, locale), load))


def language_choices() -> list[tuple[str, str]]:
    """(code, name in the user's language) of the languages people can name."""
    key = "name_en" if str(get_locale()) == "en" else "name_th"
    return [(entry["code"], entry[key]) for entry in read_data("languages.json")]


def unread_of(user_id) -> sa.ScalarSelect:
    """How many notifications of `user_id` are unread, as an SQL expression."""
    return (
        sa.select(sa.func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


def unread_notifications() -> int:
    """How many notifications the current user has not read (for the bell).

    Read with the session's user when it was loaded, until the request's first
    commit (which expires it); else asked of the database now.
    """
    if not current_user.is_authenticated:
        return 0
    held = current_user.unread_count
    if held is not None:
        return held
    return db.session.scalar(sa.select(unread_of(current_user.id))) or 0


def role_menu(template: str) -> Markup:
    """A menu of the layout for the caller's roles, drawn once per process.

    Its links depend on the roles, the language and the LINE setting only, never
    on the person (no name, no token), so each variant is kept per app.
    """
    from .line import login_enabled

    user = current_user
    signed_in = user.is_authenticated
    key = (
        template,
        str(get_locale()),
        signed_in and user.is_volunteer,
        signed_in and user.is_organizer,
        signed_in and user.is_staff,
        login_enabled(),
    )
    menus = current_app.extensions.setdefault("role_menus", {})
    html = menus.get(key)
    if html is None:
        html = menus[key] = rendered(render_template(template))
    return html


def notification_html(kind: str, data: dict) -> Markup:
    """A notification's line for a page, marking what people wrote.

    Names, titles and messages are escaped and carry `lang` when they are not in
    the page's language (WCAG 3.1.2).
    """
    from .i18n import in_language
    from .notifications import message_text

    locale = str(get_locale())
    marked = {
        key: (
            in_language(value, locale)
            if isinstance(value, str)
            else value
            if value is None or isinstance(value, int | float)
            else escape(str(value))
        )
        for key, value in data.items()
    }
    # The catalogue text is trusted; every value put into it was escaped above.
    return Markup(message_text(kind, marked))  # noqa: S704  # nosec B704


def init_template_globals(app: Flask) -> None:
    """Functions the base layout calls."""
    from .applications.confirmations import confirmation_badge
    from .forms import error_id, form_problems

    app.jinja_env.globals.update(
        confirmation_badge=confirmation_badge,
        unread_notifications=unread_notifications,
        role_menu=role_menu,
        notification_text=notification_html,
        form_problems=form_problems,
        error_id=error_id,
    )
