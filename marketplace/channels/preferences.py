"""Which channels each person wants, per topic; with defaults when they never chose.

Defaults: every topic by e-mail, and by LINE instead when the person linked it
(falling back to e-mail if a push cannot reach them). In-app is always on.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import ChannelPreference, User
from . import CHANNELS, INAPP, TOPICS


def outside_channels() -> list[str]:
    """The configured channels besides in-app, in fallback order."""
    return [
        name
        for name, channel in CHANNELS.items()
        if name != INAPP and channel.enabled()
    ]


def default_channels(user: User) -> list[str]:
    """The first configured channel that reaches the person (LINE, else e-mail)."""
    for name in outside_channels():
        if CHANNELS[name].reaches(user):
            return [name]
    return []


# The choices read in this transaction: user id → {topic: "line email"}.
_CACHE = "channel_choices"


def _cache() -> dict[int, dict[str, str]]:
    return db.session.info.setdefault(_CACHE, {})


@sa.event.listens_for(so.Session, "after_commit")
@sa.event.listens_for(so.Session, "after_rollback")
def _forget_choices(session: so.Session) -> None:
    """Choices are read again in the next transaction (they may have changed)."""
    session.info.pop(_CACHE, None)


def preload_choices(user_ids: list[int]) -> None:
    """Read the choices of many people in one query (before notifying them all)."""
    cache = _cache()
    missing = sorted({user_id for user_id in user_ids if user_id not in cache})
    if not missing:
        return
    for user_id in missing:
        cache[user_id] = {}
    with db.session.no_autoflush:
        rows = db.session.execute(
            sa.select(
                ChannelPreference.user_id,
                ChannelPreference.topic,
                ChannelPreference.channels,
            ).where(ChannelPreference.user_id.in_(missing))
        ).all()
    for user_id, topic, channels in rows:
        cache[user_id][topic] = channels


def chosen_channels(user: User, topic: str) -> list[str]:
    """The outside channels a message of `topic` goes to, in fallback order."""
    preload_choices([user.id])
    choice = _cache()[user.id].get(topic)
    if choice is None:
        return default_channels(user)
    wanted = set(choice.split())
    return [name for name in outside_channels() if name in wanted]


def choices_of(user: User) -> dict[str, list[str]]:
    """Topic → the channels chosen (or the defaults), for the settings page."""
    rows = {
        row.topic: row
        for row in db.session.scalars(
            sa.select(ChannelPreference).where(ChannelPreference.user_id == user.id)
        )
    }
    defaults = default_channels(user)
    return {
        topic: (rows[topic].channels.split() if topic in rows else list(defaults))
        for topic in TOPICS
    }


def save_choices(user: User, choices: dict[str, list[str]]) -> None:
    """Store the person's choice for every topic (unknown names are ignored)."""
    known = set(CHANNELS) - {INAPP}
    for topic in TOPICS:
        names = [name for name in choices.get(topic, []) if name in known]
        row = db.session.get(ChannelPreference, (user.id, topic))
        if row is None:
            row = ChannelPreference(user_id=user.id, topic=topic)
            db.session.add(row)
        row.channels = " ".join(sorted(set(names), key=list(CHANNELS).index))
    _cache().pop(user.id, None)
