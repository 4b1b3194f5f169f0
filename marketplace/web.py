"""Small helpers shared by the web views."""

from collections.abc import Callable
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, flash, redirect, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf import FlaskForm

from .caching import memoized
from .errors import DomainError, ValidationFailed
from .extensions import db
from .models import Notification
from .seed import read_data


def safe_next(target: str | None, fallback_endpoint: str = "main.index"):
    """Redirect to a local path only; anything else goes to the fallback page."""
    if target:
        parts = urlsplit(target)
        local = not parts.scheme and not parts.netloc and target.startswith("/")
        if local and not target.startswith("//") and "\\" not in target:
            return redirect(target)
    return redirect(url_for(fallback_endpoint))


def commit_or_explain(change: Callable[[], object], done: str, kind="success") -> bool:
    """Make a change and commit it with `done` shown, or roll back and show why not."""
    try:
        change()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return False
    db.session.commit()
    flash(done, kind)
    return True


def show_field_errors(form: FlaskForm, error: ValidationFailed) -> None:
    """Attach a service's field errors to the form fields (or the form as a whole)."""
    for name, messages in error.fields.items():
        field = getattr(form, name, None)
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


def unread_notifications() -> int:
    """How many notifications the current user has not read (for the bell)."""
    if not current_user.is_authenticated:
        return 0
    return (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == current_user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def init_template_globals(app: Flask) -> None:
    """Functions the base layout calls."""
    from .notifications import message_text

    app.jinja_env.globals.update(
        unread_notifications=unread_notifications, notification_text=message_text
    )
