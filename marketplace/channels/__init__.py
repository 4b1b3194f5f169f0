"""Channels: how a notification reaches a person (in-app, e-mail, LINE, …).

`CHANNELS` is the registry, in the order of preference a fallback follows:
LINE, then e-mail, then in-app only (the Notification row every message has).
A new channel (SMS) is one module with a class like those below, and one line
in the registry. See docs/channels.md.
"""

from .base import Channel, ChannelFailed, ChannelUnavailable, Message
from .email import EmailChannel
from .inapp import InAppChannel
from .line import LineChannel

INAPP = "inapp"

# Name → channel, in fallback order; the last one (in-app) always reaches.
CHANNELS: dict[str, Channel] = {
    channel.name: channel
    for channel in (
        LineChannel(),
        EmailChannel(),
        InAppChannel(),
    )
}

# The groups of messages a person chooses channels for (KINDS[...].topic).
TOPICS = ("applications", "shifts", "offers", "messages", "organisations", "news")

__all__ = [
    "CHANNELS",
    "INAPP",
    "TOPICS",
    "Channel",
    "ChannelFailed",
    "ChannelUnavailable",
    "Message",
]
