"""Page structure for screen readers (issue 11, "Accessible"), checked in the HTML.

The browser test tests/browser/test_every_page.py runs axe-core over every page;
these pin the fixes it led to, one by one, without a browser.
"""

import re
from html.parser import HTMLParser

import pytest
from flask import session

from marketplace.extensions import db
from marketplace.i18n import in_language, text_language
from marketplace.models import Role
from tests import factories
from tests.functional.test_impact import served

_VOID = {
    "area",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


class _DefinitionLists(HTMLParser):
    """Collect, for every dl, the tags of its children and of its div groups."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.wrong: list[str] = []
        self.lists = 0

    def handle_starttag(self, tag, attrs):
        parent = self.stack[-1] if self.stack else ""
        grandparent = self.stack[-2] if len(self.stack) > 1 else ""
        if parent == "dl" and tag not in ("dt", "dd", "div", "script", "template"):
            self.wrong.append(f"<{tag}> in <dl>")
        if parent == "div" and grandparent == "dl" and tag not in ("dt", "dd"):
            self.wrong.append(f"<{tag}> in a <dl>'s <div>")
        if tag == "dl":
            self.lists += 1
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


def _dl_problems(page: str) -> tuple[int, list[str]]:
    parser = _DefinitionLists()
    parser.feed(page)
    return parser.lists, parser.wrong


@pytest.fixture
def served_world(app):
    organization = factories.make_organization(
        members=[factories.make_user(Role.ORGANIZER)]
    )
    served(organization, factories.make_user(), title="ปลูกป่าชายเลน")
    db.session.commit()
    return organization


@pytest.mark.parametrize("locale", ["th", "en"])
def test_impact_numbers_are_well_formed_definition_lists(client, served_world, locale):
    client.post("/language", data={"locale": locale})
    page = client.get("/impact").get_data(as_text=True)
    lists, wrong = _dl_problems(page)
    assert lists >= 7  # one per headline number
    assert wrong == []
    assert 'data-testid="n-hours">3<' in page


def test_each_impact_chart_points_at_its_data_table(client, served_world):
    page = client.get("/impact").get_data(as_text=True)
    for chart in ("chart-causes", "chart-weeks"):
        described = re.search(
            rf'<canvas data-testid="{chart}"[^>]*aria-describedby="([^"]+)"', page
        )
        assert described, chart
        note = re.search(rf'id="{described[1]}">[^<]*<a href="#([^"]+)">', page)
        assert note, f"{chart}: no note with a link to its table"
        # The link lands on the heading of the table section.
        assert f'<h2 class="h5 mb-0" id="{note[1]}">' in page


def test_the_skip_link_leads_to_main_and_messages_have_live_regions(client):
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<a class="[^"]*skip-link" href="#main">', page)
    assert '<main id="main" class="flex-grow-1" tabindex="-1">' in page
    # Empty live regions at load; common.js fills them with the flashed messages.
    assert re.search(r'aria-live="polite"[^>]*data-announce="polite"></div>', page)
    assert re.search(
        r'aria-live="assertive"[^>]*data-announce="assertive"></div>', page
    )


@pytest.mark.parametrize("locale", ["th", "en"])
def test_html_lang_is_the_page_language(client, locale):
    client.post("/language", data={"locale": locale})
    for url in ("/", "/opportunities", "/impact", "/login", "/no-such-page"):
        page = client.get(url).get_data(as_text=True)
        assert f'<html lang="{locale}">' in page, url


def test_text_language_is_told_by_its_script():
    assert text_language("ปลูกป่าชายเลน") == "th"
    assert text_language("Good Society ที่ปทุมวัน") == "th"
    assert text_language("Bangkok Food Bank") == "en"
    assert text_language("2570 · 10:00") is None
    assert str(in_language("ปลูกป่า", "en")) == '<span lang="th">ปลูกป่า</span>'
    assert str(in_language("ปลูกป่า", "th")) == "ปลูกป่า"
    assert str(in_language("Food & Friends", "th")) == (
        '<span lang="en">Food &amp; Friends</span>'
    )
    assert str(in_language("<b>", "th")) == '<span lang="en">&lt;b&gt;</span>'


def test_thai_titles_on_english_pages_carry_lang(client, served_world):
    opportunity = factories.make_opportunity(served_world, title="สอนการบ้านเด็ก")
    db.session.commit()
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert '<h1 class="h3 mt-2"><span lang="th">สอนการบ้านเด็ก</span></h1>' in page
    cards = client.get("/opportunities").get_data(as_text=True)
    assert '<span lang="th">สอนการบ้านเด็ก</span></a></h3>' in cards
    # The brand is English on Thai pages and says so.
    client.post("/language", data={"locale": "th"})
    home = client.get("/").get_data(as_text=True)
    assert '<span lang="en">Good Society</span>' in home
    thai = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert '<h1 class="h3 mt-2">สอนการบ้านเด็ก</h1>' in thai


def test_blocks_of_thai_text_on_english_pages_carry_lang(client, served_world):
    opportunity = factories.make_opportunity(
        served_world, title="Beach clean-up", description="เก็บขยะริมหาด"
    )
    db.session.commit()
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert '<p class="description" lang="th">เก็บขยะริมหาด</p>' in page
    assert '<h1 class="h3 mt-2">Beach clean-up</h1>' in page
    client.post("/language", data={"locale": "th"})
    page = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    assert '<p class="description">เก็บขยะริมหาด</p>' in page
    assert '<h1 class="h3 mt-2"><span lang="en">Beach clean-up</span></h1>' in page


def test_a_marked_name_inside_a_message_stays_escaped(app):
    template = app.jinja_env.from_string(
        "{{ _('proposed by %(name)s', name=who|in_lang) }}"
    )
    with app.test_request_context():
        session["locale"] = "en"
        assert template.render(who="<b>สมชาย</b>") == (
            'proposed by <span lang="th">&lt;b&gt;สมชาย&lt;/b&gt;</span>'
        )
