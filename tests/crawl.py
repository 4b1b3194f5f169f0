"""The one page list: walk the site as a visitor or a logged-in account.

The crawler follows same-site links breadth first from the home page, one page per
URL shape (/opportunities/12 and /opportunities/13 count once), and reports links
that answer 403, 404 or a server error (a page should link only to what it serves)
and, given the catalogue's English texts, Thai pages that show one of them.

tests/functional/test_demo_walk.py walks the demo with it; the browser test
tests/browser/test_every_page.py opens every page it found in Chromium.
"""

import html
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from babel.messages.pofile import read_po

_HREF = re.compile(r'href="(/[^"#]*)"')
# Links that end the session, download files or are secret are not walked.
_SKIP = re.compile(r"^/(static|logout|api/|calendar/)|\.(csv|ics|svg)(\?|$)")
PAGES_PER_ACCOUNT = 120


@dataclass
class Walk:
    """What a crawl found: each HTML page it opened (URL -> HTML), the broken ones."""

    pages: dict[str, str] = field(default_factory=dict)
    broken: dict[str, tuple] = field(default_factory=dict)


def shape(url: str) -> str:
    """The URL with its numbers blanked: pages of one shape are walked once."""
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + ("?" if parts.query else "")


def english_messages() -> list[str]:
    """English source texts that have a different Thai translation."""
    path = Path(__file__).parents[1] / "marketplace/translations/th/LC_MESSAGES"
    with open(path / "messages.po", "rb") as po:
        catalog = read_po(po)
    found = []
    for message in catalog:
        if not isinstance(message.id, str) or message.string == message.id:
            continue
        # The longest piece without placeholders is what a page would show.
        piece = max(re.split(r"%\(\w+\)[sdf]", message.id), key=len).strip()
        if len(piece) >= 14 and " " in piece:
            found.append(piece)
    return found


def visible_text(page: str) -> str:
    """The text of an HTML page without its tags, scripts and styles."""
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def untranslated(text: str, english: list[str]) -> list[str]:
    """The catalogue's English texts that a Thai page's visible text shows."""
    return [piece for piece in english if piece in text]


def crawl(client, english: list[str] = ()) -> Walk:
    """Walk from the home page with a Flask test client.

    With `english` given, a page that shows one of those texts counts as broken
    too (a message left untranslated on a Thai page).
    """
    walk = Walk()
    seen = {shape("/")}
    queue = deque([("/", "")])
    visited = 0
    while queue and visited < PAGES_PER_ACCOUNT:
        url, found_on = queue.popleft()
        response = client.get(url)
        visited += 1
        if response.status_code in (403, 404) or response.status_code >= 500:
            walk.broken[url] = (response.status_code, found_on)
            continue
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        body = response.get_data(as_text=True)
        walk.pages[url] = body
        if left := untranslated(visible_text(body), english):
            walk.broken[url] = ("untranslated", left)
        for link in _HREF.findall(body):
            link = link.replace("&amp;", "&")
            if _SKIP.search(link) or shape(link) in seen:
                continue
            seen.add(shape(link))
            queue.append((link, url))
    return walk
