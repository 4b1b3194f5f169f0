"""LINE: a thin adapter over marketplace.line.client (the line branch's client).

The client is imported lazily, so the marketplace runs without it; LINE is off
(reaches nobody) unless LINE_CHANNEL_ACCESS_TOKEN is set.
"""

import uuid
from types import ModuleType

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..models import Delivery, User
from .base import ChannelFailed, ChannelUnavailable, Message

# Namespace of the retry keys: the same delivery key always gives the same UUID.
RETRY_KEY_NAMESPACE = uuid.UUID("6b0e8f7c-3d0c-4f5e-9a57-1c1f5b6d9e21")


def _client() -> ModuleType | None:
    try:
        from ..line import client  # type: ignore[attr-defined]
    except ImportError:
        return None
    return client


def retry_key(delivery_key: str) -> str:
    """LINE's X-Line-Retry-Key for a delivery: a UUID derived from its key."""
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, delivery_key))


class LineChannel:
    """Push messages to people who linked LINE and added the official account."""

    name = "line"
    label = _l("LINE")

    def enabled(self) -> bool:
        """LINE is configured (an access token) and its client is installed."""
        return bool(current_app.config.get("LINE_CHANNEL_ACCESS_TOKEN")) and (
            _client() is not None
        )

    def reaches(self, user: User) -> bool:
        """The person linked LINE and is a friend of the official account."""
        client = _client()
        return (
            self.enabled()
            and client is not None
            and bool(client.line_user_id_for(user))
        )

    def send(self, delivery: Delivery, message: Message) -> None:
        """Push the line, the next step, the link and the answer buttons."""
        client = _client()
        if client is None or not self.enabled():
            raise ChannelUnavailable("LINE is not configured")
        user = delivery.user
        line_user_id = client.line_user_id_for(user)
        if not line_user_id:
            raise ChannelUnavailable("LINE is not linked")
        text = "\n\n".join(part for part in (message.text, message.next_step) if part)
        try:
            client.push(
                line_user_id,
                text,
                message.actions,
                message.link,
                retry_key(delivery.key),
            )
        except client.LineUnavailable as error:
            raise ChannelUnavailable(str(error)) from error
        except client.LineTemporaryError as error:
            raise ChannelFailed(str(error)) from error
