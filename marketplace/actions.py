"""One-tap answers to a message: "I'm coming", "I can't come", "take this shift".

An action is a verb and the id of the object it answers, written `verb:id`
("take:12"). The LINE postback buttons, the in-app buttons and the signed links
in e-mails all carry that code, and all of them end in `perform`: one home for
"what does this answer do". Each verb's handler loads the object as the person's
own (someone else's id is a 404, as everywhere), runs the feature's service and
returns the sentence to show; the caller commits, or rolls back on DomainError.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .errors import DomainError
from .models import User, utcnow

SALT = "one-tap-action"
# A link in an e-mail answers for this long; the services refuse answers that
# came too late (an expired offer, a started shift) on their own.
LINK_LIFETIME = timedelta(days=14)


class BadAction(DomainError):
    """The code is not a known verb and id, or the signed link is forged or old."""

    status = 400
    code = "bad_action"

    def default_message(self) -> str:
        """Return the message used when none is given."""
        return str(_l("This answer link is not valid any more."))


@dataclass(frozen=True)
class Action:
    """A button under a message: what it says, and the code it answers with."""

    label: str
    code: str


Handler = Callable[[User, int, datetime], str]


def _take_offer(user: User, offer_id: int, now: datetime) -> str:
    from .floaters.services import accept_offer

    offer = accept_offer(user, offer_id, now)
    return _("The place on “%(title)s” is yours.", title=offer.shift.opportunity.title)


def _skip_offer(user: User, offer_id: int, now: datetime) -> str:
    from .floaters.services import decline_offer

    decline_offer(user, offer_id, now)
    return _("Thank you for answering: the place goes to someone else.")


def _coming(user: User, application_id: int, now: datetime) -> str:
    from .applications.confirmations import answer_coming

    application = answer_coming(user, application_id, now)
    return _(
        "Thank you: “%(title)s” counts on you.",
        title=application.shift.opportunity.title,
    )


def _not_coming(user: User, application_id: int, now: datetime) -> str:
    from .applications.confirmations import answer_not_coming

    application = answer_not_coming(user, application_id, now)
    return _(
        "Thank you for telling us: your place on “%(title)s” goes to someone else.",
        title=application.shift.opportunity.title,
    )


# Verb → handler. Features add theirs here (one line each), so every channel
# understands every answer.
VERBS: dict[str, Handler] = {
    "take": _take_offer,
    "skip": _skip_offer,
    "coming": _coming,
    "not_coming": _not_coming,
}


def code_for(verb: str, object_id: int) -> str:
    """The code of an answer: `verb:id`."""
    if verb not in VERBS:
        raise ValueError(f"unknown action verb {verb!r}")
    return f"{verb}:{object_id}"


def parse(code: str) -> tuple[str, int]:
    """Split `verb:id`; raise BadAction for anything else."""
    verb, _sep, number = code.partition(":")
    if verb not in VERBS or not number.isdigit() or len(number) > 12:
        raise BadAction()
    return verb, int(number)


def perform(user: User, code: str, now: datetime | None = None) -> str:
    """Answer as `user`; returns the sentence that tells them what happened."""
    verb, object_id = parse(code)
    return VERBS[verb](user, object_id, now or utcnow())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def sign(user: User, code: str) -> str:
    """A token for a link that answers `code` as `user` (for e-mails)."""
    return _serializer().dumps({"u": user.id, "c": code})


def unsign(token: str) -> tuple[int, str]:
    """The user id and code a link token carries; raise BadAction."""
    try:
        data = _serializer().loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
    except BadSignature:
        raise BadAction() from None
    if not isinstance(data, dict):
        raise BadAction()
    user_id, code = data.get("u"), data.get("c")
    if not isinstance(user_id, int) or not isinstance(code, str):
        raise BadAction()
    parse(code)
    return user_id, code
