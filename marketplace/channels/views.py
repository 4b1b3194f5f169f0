"""Pages of the channels: how I am reached, and answering a message with one tap."""

from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import actions
from ..errors import DomainError
from ..extensions import db
from ..models import Notification, User, utcnow
from ..notifications import KINDS
from ..web import committing, error_messages
from . import CHANNELS, INAPP, TOPICS, preferences

bp = Blueprint("channels", __name__)

TOPIC_TEXT = {
    "applications": (
        _l("Applications and decisions"),
        _l(
            "When you apply, are accepted, confirmed, invited or move up from the "
            "waitlist; for organisations, new applications."
        ),
    ),
    "shifts": (
        _l("Shift reminders"),
        _l("The day before a shift, and whether you are still coming."),
    ),
    "offers": (
        _l("Offers of a place"),
        _l("A place offered to you at the expo or as cover: answer quickly."),
    ),
    "messages": (
        _l("Messages about a shift"),
        _l("What an organisation writes to the volunteers of a shift."),
    ),
    "organisations": (
        _l("My organisations"),
        _l("Invitations to join, and staff's verification of an organisation."),
    ),
    "news": (_l("Other news"), _l("Anything else the marketplace tells you.")),
}
# How far back the answer page looks for the message an answer belongs to.
RECENT_MESSAGES = 100
# In-app answer buttons are shown this long after the message.
ANSWERS_SHOWN_FOR = timedelta(days=3)


@bp.route("/account/channels", methods=["GET", "POST"])
@login_required
def settings():
    """Choose, per topic, the channels that reach me (in-app is always on)."""
    if request.method == "POST":
        choices = {topic: request.form.getlist(f"topic-{topic}") for topic in TOPICS}
        with committing(_("Saved: we reach you the way you chose.")) as saved:
            preferences.save_choices(current_user, choices)
        if saved:
            return redirect(url_for("channels.settings"))
    outside = [
        (name, CHANNELS[name], CHANNELS[name].reaches(current_user))
        for name in preferences.outside_channels()
    ]
    return render_template(
        "channels/settings.html",
        topics=[(topic, *TOPIC_TEXT[topic]) for topic in TOPICS],
        choices=preferences.choices_of(current_user),
        outside=outside,
    )


def _message_with(user: User, code: str) -> tuple[Notification | None, str | None]:
    """The person's recent message that offers this answer, and the answer's label."""
    kinds = [kind for kind, entry in KINDS.items() if entry.actions is not None]
    recent = db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user.id, Notification.kind.in_(kinds))
        .order_by(Notification.id.desc())
        .limit(RECENT_MESSAGES)
    )
    for notification in recent:
        for label, offered in KINDS[notification.kind].actions(notification.data):
            if offered == code:
                return notification, str(label)
    return None, None


@bp.route("/answer/<answer_token>", methods=["GET", "POST"])
def answer(answer_token: str):
    """A one-tap answer from an e-mail: GET says what it does, POST does it.

    The signed token names the person and the answer, so it works without
    logging in; logged in as someone else, it is refused.
    """
    try:
        user_id, code = actions.unsign(answer_token)
    except actions.BadAction as error:
        return render_template("channels/answer.html", problem=error.message), 400
    owner = db.session.get(User, user_id)
    if owner is None or owner.erased_at is not None:
        problem = actions.BadAction().message
        return render_template("channels/answer.html", problem=problem), 400
    if current_user.is_authenticated and current_user.id != owner.id:
        return render_template("channels/answer.html", other_account=True), 403
    notification, label = _message_with(owner, code)
    page = {"notification": notification, "label": label or _("Send this answer")}
    if request.method == "POST":
        try:
            done = actions.perform(owner, code, utcnow())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            problem = " ".join(error_messages(error))
            return render_template(
                "channels/answer.html", problem=problem, **page
            ), error.status
        return render_template("channels/answer.html", done=done, **page)
    return render_template("channels/answer.html", **page)


@bp.post("/notifications/answer")
@login_required
def answer_in_app():
    """An answer button under a notification: answer as myself, then back."""
    code = request.form.get("code", "")
    with committing() as answered:
        done = actions.perform(current_user, code, utcnow())
    if answered:
        flash(done, "success")
    return redirect(url_for("main.notifications"))


def notification_link(notification: Notification) -> str:
    """The page a notification is about (the notifications page if none)."""
    entry = KINDS.get(notification.kind)
    if entry is None or entry.link is None:
        return url_for("main.notifications")
    endpoint, values = entry.link(notification.data or {})
    return url_for(endpoint, **values)


def notification_next_step(notification: Notification) -> str:
    """What to do now about a notification ('' if nothing)."""
    entry = KINDS.get(notification.kind)
    if entry is None or entry.next_step is None:
        return ""
    return str(entry.next_step(notification.data or {}))


def notification_answers(notification: Notification) -> list[tuple[str, str]]:
    """The one-tap answers under a recent notification: (label, code)."""
    entry = KINDS.get(notification.kind)
    if entry is None or entry.actions is None:
        return []
    if notification.created_at < utcnow() - ANSWERS_SHOWN_FOR:
        return []
    return [(str(label), code) for label, code in entry.actions(notification.data)]


@bp.record_once
def _register_globals(state) -> None:
    app: Flask = state.app
    app.jinja_env.globals.update(
        notification_link=notification_link,
        notification_next_step=notification_next_step,
        notification_answers=notification_answers,
        inapp_channel=CHANNELS[INAPP],
    )
