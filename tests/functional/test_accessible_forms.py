"""Errors announced next to their fields, and keyboard and screen-reader names.

Issue 11 ("Accessible", "Clear"): every field with an error is `aria-invalid` and
described by its error, shown next to it; a `role=alert` summary links to each field;
a text over its limit gets a message instead of being cut; the search results, the
opportunity map, the week grid and the check-in and applicant rows work by keyboard
and say whose or which they are.
"""

from datetime import timedelta
from html.parser import HTMLParser

import pytest

from marketplace.extensions import db
from marketplace.forms import form_problems
from marketplace.models import Application, ApplicationStatus, Role, utcnow
from tests import factories


class _Page(HTMLParser):
    """Start tags in order, with their attributes, and the text under each id."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []
        self.html = html
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {k: v if v is not None else "" for k, v in attrs}
        self.tags.append((tag, attributes))
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self._open.append((tag, attributes.get("id")))
            if attributes.get("id"):
                self.text.setdefault(attributes["id"], "")

    def handle_endtag(self, tag):
        while self._open:
            opened, _ = self._open.pop()
            if opened == tag:
                break

    def handle_data(self, data):
        for _, element_id in self._open:
            if element_id:
                self.text[element_id] += data

    def by_id(self, element_id: str) -> dict:
        return next(a for _, a in self.tags if a.get("id") == element_id)

    def index_of(self, **wanted) -> int:
        return next(
            i
            for i, (_, a) in enumerate(self.tags)
            if all(a.get(k) == v for k, v in wanted.items())
        )


def _assert_announced(page: _Page, field_id: str, message: str) -> None:
    """The field is invalid, described by its error, and the error says `message`."""
    field = page.by_id(field_id)
    assert field.get("aria-invalid") == "true"
    described = field["aria-describedby"].split()
    assert f"{field_id}-error" in described
    assert all(i in page.text for i in described), "describedby names a missing id"
    assert message in page.text[f"{field_id}-error"]


REGISTRATION = {
    "role": "volunteer",
    "display_name": "มานี มีนา",
    "email": "manee.example.org",
    "password": "a-long-passphrase",
    "confirm": "a-long-passphrase",
    "accept_terms": "y",
}


def test_an_invalid_email_is_announced_next_to_the_field_and_in_the_summary(client):
    html = client.post("/register", data=REGISTRATION).get_data(as_text=True)
    page = _Page(html)
    _assert_announced(page, "email", "name@example.org")
    summary = page.index_of(**{"data-testid": "error-summary"})
    tag, attributes = page.tags[summary]
    assert attributes["role"] == "alert" and attributes["tabindex"] == "-1"
    assert "data-error-summary" in attributes  # common.js focuses it
    # The summary comes before the form's fields and links to the field.
    assert summary < page.index_of(id="email")
    assert '<a href="#email" data-focus-field>' in html
    # A valid field is not marked.
    assert "aria-invalid" not in page.by_id("display_name")


def test_field_help_and_error_are_both_read(client):
    long = "x" * 1001
    data = dict(REGISTRATION, email="manee@example.org", password=long, confirm=long)
    page = _Page(client.post("/register", data=data).get_data(as_text=True))
    password = page.by_id("password")
    assert password["aria-describedby"].split() == ["password-help", "password-error"]
    _assert_announced(page, "password", "1000")
    # The terms box was ticked: it is neither marked nor in the summary.
    assert "aria-invalid" not in page.by_id("accept_terms")
    assert "#accept_terms" not in page.html


def test_a_bio_over_its_limit_gets_a_message_not_a_cut(client, volunteer):
    bio = "ก" * 10_000
    response = client.post("/me/profile", data={"bio": bio, "max_distance_km": "20"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    page = _Page(html)
    _assert_announced(page, "bio", "10000")
    assert page.text["bio"].strip() == bio  # kept whole for the volunteer to shorten
    # In the browser the limit is known, and common.js warns instead of cutting.
    textarea = page.by_id("bio")
    assert textarea["maxlength"] == "1000" and "{length}" in textarea["data-too-long"]


def test_hand_rendered_fields_and_option_groups_are_announced_too(client, volunteer):
    data = {"skills": ["no-such-skill"], "max_distance_km": "20"}
    page = _Page(client.post("/me/profile", data=data).get_data(as_text=True))
    # A checkbox list: its fieldset is described by the error under it...
    described = [a.get("aria-describedby", "") for t, a in page.tags if t == "fieldset"]
    assert any("skills-error" in ids.split() for ids in described)
    assert page.text["skills-error"].strip()
    # ...and the summary's link goes to its first box.
    assert 'href="#skills-0"' in page.html


def test_form_problems_reach_into_shift_rows(app):
    from marketplace.organizations.forms import OpportunityForm

    with app.test_request_context(method="POST", data={"shifts-0-capacity": "x"}):
        form = OpportunityForm()
        form.validate()
        targets = [p.target for p in form_problems(form)]
    assert "shifts-0-capacity" in targets
    assert all(t is None or not t.startswith("csrf") for t in targets)


def test_search_results_start_with_a_heading_a_skip_link_and_folded_filters(client):
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[organizer])
    factories.make_opportunity(organization, title="สอนการบ้านเด็ก")
    db.session.commit()

    first = _Page(client.get("/opportunities").get_data(as_text=True))
    assert "collapse" not in first.by_id("search-form")["class"]

    html = client.get("/opportunities?q=สอน&skill=teaching").get_data(as_text=True)
    page = _Page(html)
    heading = page.by_id("results")
    tags = {a.get("id"): t for t, a in page.tags if a.get("id")}
    assert tags["results"] == "h2" and heading["tabindex"] == "-1"
    assert page.index_of(**{"data-testid": "skip-to-results"}) < page.index_of(
        id="search-form"
    )
    assert page.by_id("search-form")["class"].endswith("collapse d-md-block")
    toggle = page.tags[page.index_of(**{"data-testid": "filters-toggle"})][1]
    assert toggle["aria-controls"] == "search-form"
    assert toggle["aria-expanded"] == "false"
    details = page.tags[page.index_of(**{"data-testid": "more-filters"})][1]
    assert "open" not in details  # folded although a skill is chosen
    # No heading level is skipped: h1, then the count, then the cards' h3.
    levels = [int(t[1]) for t, _ in page.tags if t in ("h1", "h2", "h3", "h4")]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_a_search_with_an_error_keeps_its_filters_open(client):
    html = client.get("/opportunities?starts_after=not-a-date").get_data(as_text=True)
    page = _Page(html)
    assert "collapse" not in page.by_id("search-form")["class"]
    _assert_announced(page, "starts_after", "")


@pytest.fixture
def organizer(auth):
    user = factories.make_user(Role.ORGANIZER, email="o@example.org")
    db.session.commit()
    auth.login("o@example.org")
    return user


def _held_place(organization, *, started: bool, name: str = "สมชาย รักดี"):
    volunteer = factories.make_user(email="somchai@example.org", name=name)
    opportunity = factories.make_opportunity(organization)
    shift = opportunity.shifts[0]
    if started:
        shift.starts_at = utcnow() - timedelta(minutes=20)
        shift.ends_at = utcnow() + timedelta(hours=2)
    application = Application(
        shift=shift, volunteer=volunteer, status=ApplicationStatus.APPROVED
    )
    db.session.add(application)
    db.session.commit()
    return shift, application


def test_check_in_controls_name_the_volunteer(client, organizer):
    organization = factories.make_organization(members=[organizer])
    shift, application = _held_place(organization, started=True)
    html = client.get(f"/manage/shifts/{shift.id}/check-in").get_data(as_text=True)
    assert f'for="hours-{application.id}">จำนวนชั่วโมงของ สมชาย รักดี</label>' in html
    assert (
        f'data-testid="attended-{application.id}">มาร่วมงาน'
        '<span class="visually-hidden">, สมชาย รักดี</span>' in html
    )
    assert f'data-testid="no-show-{application.id}">' in html
    assert html.count('<span class="visually-hidden">, สมชาย รักดี</span>') == 2


def test_applicant_controls_name_the_volunteer(client, organizer):
    organization = factories.make_organization(members=[organizer])
    application = factories.make_pending_application(organization)
    url = f"/manage/opportunities/{application.shift.opportunity_id}/applicants"
    html = client.get(url).get_data(as_text=True)
    name = '<span class="visually-hidden">, อาสา ใจดี</span>'
    assert f'data-testid="accept-{application.id}">' in html
    assert html.count(name) >= 2  # accept and decline
    assert f'for="message-{application.id}">' in html and "สำหรับ อาสา ใจดี" in html


def test_opportunity_page_puts_shifts_before_a_skippable_map(client, auth):
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[organizer])
    opportunity = factories.make_opportunity(organization)
    volunteer = factories.make_user(email="v@example.org")
    application = Application(
        shift=opportunity.shifts[0],
        volunteer=volunteer,
        status=ApplicationStatus.APPROVED,
    )
    db.session.add(application)
    db.session.commit()
    auth.login("v@example.org")
    html = client.get(f"/opportunities/{opportunity.id}").get_data(as_text=True)
    page = _Page(html)
    withdraw = page.index_of(**{"data-testid": f"withdraw-{application.id}"})
    skip = page.index_of(**{"data-testid": "skip-map"})
    the_map = page.index_of(**{"data-map": "single"})
    assert withdraw < skip < the_map < page.index_of(id="after-map")
    assert page.tags[skip][1]["href"] == "#after-map"
    # Withdraw says which shift; the map's controls get Thai names.
    after = html.split(f'data-testid="withdraw-{application.id}">')[1]
    button = after.split("</button>")[0]
    assert opportunity.title in button and 'class="visually-hidden"' in button
    attributes = page.tags[the_map][1]
    assert attributes["data-zoom-in"] == "ขยายแผนที่"
    assert "{num}" in attributes["data-cluster"]


def test_week_grid_is_one_keyboard_stop_posting_the_same_boxes(client, volunteer):
    page = _Page(client.get("/me/profile").get_data(as_text=True))
    grid = page.tags[page.index_of(**{"data-testid": "week-grid"})][1]
    assert "data-week-grid" in grid and grid["aria-describedby"] == "week-grid-hint"
    boxes = [a for t, a in page.tags if t == "input" and a.get("name") == "slot"]
    assert len(boxes) == 112 and all(a["aria-label"] for a in boxes)
    picker = page.tags[page.index_of(**{"data-map": "picker"})][1]
    assert picker["aria-describedby"] == "picker-hint"
    assert "{lat}" in picker["data-picked"]


def test_a_mistyped_member_address_is_explained_at_the_field(client, auth, people):
    organization = people["org"]
    auth.login("member@example.org")
    url = f"/organizations/{organization.id}/members"
    response = client.post(url, data={"email": "colleague.example.org"})
    assert response.status_code == 200  # not a redirect with a note at the top
    page = _Page(response.get_data(as_text=True))
    _assert_announced(page, "email", "")
    assert page.text["email-error"].strip()
    assert page.by_id("email")["value"] == "colleague.example.org"  # kept to fix
    empty = _Page(client.post(url, data={"email": ""}).get_data(as_text=True))
    _assert_announced(empty, "email", "")


def test_a_bad_search_filter_is_explained_next_to_it(client):
    html = client.get("/opportunities?cause=nonsense").get_data(as_text=True)
    page = _Page(html)
    _assert_announced(page, "cause", "")
    # Beside the select, inside the form, not in an alert under it.
    assert page.index_of(id="cause") < page.index_of(id="cause-error")
    assert page.index_of(id="cause-error") < page.index_of(id="search-skills")
    assert "collapse" not in page.by_id("search-form")["class"]


def test_an_unknown_place_is_explained_at_the_profile_place_field(client, volunteer):
    data = {"place": "ไม่มีที่นี่แน่นอน", "max_distance_km": "20"}
    response = client.post("/me/profile", data=data)
    assert response.status_code == 200
    page = _Page(response.get_data(as_text=True))
    # The service says "location" (its API name); the form's field is `place`.
    _assert_announced(page, "place", "ไม่มีที่นี่แน่นอน")
    assert 'href="#place"' in page.html  # the summary links to the field


def test_an_unknown_place_is_explained_at_the_opportunity_place_field(
    client, auth, people
):
    organization = people["org"]
    auth.login("member@example.org")
    day = (utcnow() + timedelta(days=9)).date().isoformat()
    data = {
        "title": "ต้อนรับผู้เข้างาน",
        "causes": ["community"],
        "approval_mode": "review",
        "place": "ไม่มีที่นี่แน่นอน",
        "shifts-0-day": day,
        "shifts-0-start": "09:00",
        "shifts-0-end": "12:00",
        "shifts-0-capacity": "4",
        "action": "draft",
    }
    url = f"/organizations/{organization.id}/opportunities/new"
    response = client.post(url, data=data)
    assert response.status_code == 200
    page = _Page(response.get_data(as_text=True))
    _assert_announced(page, "place", "ไม่มีที่นี่แน่นอน")
    assert 'href="#place"' in page.html
