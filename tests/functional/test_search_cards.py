"""Search cards show the shifts that matched; the map shows every result."""

import json
import re
from datetime import datetime, time, timedelta

from marketplace.extensions import db
from marketplace.i18n import BANGKOK, to_bangkok
from marketplace.models import utcnow
from tests import factories


def _points(page: str) -> list[dict]:
    island = re.search(
        r'<script type="application/json" id="map-points">(.*?)</script>', page, re.S
    )
    return json.loads(island.group(1))


def test_cards_show_the_shifts_in_the_chosen_dates(client):
    organization = factories.make_organization()
    first_day = to_bangkok(utcnow()).date() + timedelta(days=10)
    starts = datetime.combine(first_day, time(9), BANGKOK)
    opportunity = factories.make_opportunity(organization, starts=starts, shifts=4)
    db.session.commit()
    third = opportunity.shifts[2].starts_at
    day = to_bangkok(third).date().isoformat()
    page = client.get(
        f"/opportunities?starts_after={day}&starts_before={day}"
    ).get_data(as_text=True)
    cards = re.search(r'data-testid="card-shifts">(.*?)</ul>', page, re.S).group(1)
    assert cards.count("<li>") == 1  # only the matching shift, not the first one
    everything = client.get("/opportunities").get_data(as_text=True)
    listed = re.search(r'data-testid="card-shifts">(.*?)</ul>', everything, re.S)
    assert listed.group(1).count("<li>") == 4  # three dates and "1 more shift"
    assert everything.count('class="card h-100') == 1  # one card per opportunity


def test_the_map_shows_every_result_not_one_page(client):
    organization = factories.make_organization()
    for number in range(14):
        factories.make_opportunity(organization, title=f"งาน {number}")
    db.session.commit()
    page = client.get("/opportunities").get_data(as_text=True)
    assert page.count('class="card h-100') < 14  # paginated
    assert len(_points(page)) == 14
    factories.make_opportunity(organization, title="ปลูกป่าชายเลน")
    db.session.commit()
    some = client.get("/opportunities?q=ปลูกป่า").get_data(as_text=True)
    assert [point["title"] for point in _points(some)] == ["ปลูกป่าชายเลน"]


def test_reversed_dates_are_explained(client):
    page = client.get(
        "/opportunities?starts_after=2027-01-10&starts_before=2027-01-01"
    ).get_data(as_text=True)
    assert "วันที่สิ้นสุดอยู่ก่อนวันที่เริ่มต้น" in page


def test_home_cause_tiles_open_the_search(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/opportunities?cause=education"' in page


def test_results_come_before_the_map_on_every_screen(client):
    """On a phone the first screen after a search shows results, not the map."""
    factories.make_opportunity(factories.make_organization(), title="ปลูกป่าชายเลน")
    db.session.commit()
    page = client.get("/opportunities?q=ปลูกป่า").get_data(as_text=True)
    assert page.index('class="card h-100') < page.index('data-map="results"')
    assert not re.search(r'class="col-lg-5 order-1', page)
