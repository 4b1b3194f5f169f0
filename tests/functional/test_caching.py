"""The shared cache of public pages: reused when nothing changed, never stale.

Every change that matters moves the listing version (publish, close, capacity), a
cached answer is built again when a spot it shows was taken or given back, and
the language and era are part of the key; a logged-in person is never served a
shared answer, and every visitor gets their own CSRF token from a cached page.
"""

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import template_rendered

from marketplace.caching import (
    CSRF_PLACEHOLDER,
    FileVersion,
    catalogue_version,
    listing_version,
)
from marketplace.extensions import db
from marketplace.models import (
    Application,
    Opportunity,
    OpportunityStatus,
    Role,
    Shift,
    Skill,
)
from tests import factories
from tests.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def organization(app):
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[organizer])
    db.session.commit()
    return organization


@pytest.fixture
def person(app):
    """A second browser: a volunteer who applies while `client` looks on."""
    factories.make_user(email="v@example.org", name="วีระ อาสาสมัคร")
    db.session.commit()
    browser = app.test_client()
    assert (
        browser.post(
            "/login", data={"email": "v@example.org", "password": factories.PASSWORD}
        ).status_code
        == 302
    )
    return browser


def english(client) -> None:
    assert client.post("/language", data={"locale": "en"}).status_code == 302


def test_an_anonymous_page_comes_from_the_cache_with_validators(
    client, organization, count_queries
):
    factories.make_opportunity(organization, title="ปลูกป่าชายเลน")
    first = client.get("/opportunities")
    with count_queries() as statements:
        again = client.get("/opportunities")
    # Nothing changed since it was built: not even its spots are checked.
    assert again.status_code == 200 and statements == []
    assert again.get_data() == first.get_data()
    assert "ปลูกป่าชายเลน" in again.get_data(as_text=True)
    assert CSRF_PLACEHOLDER not in again.get_data(as_text=True)
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert "Cookie" in again.headers["Vary"]
    etag = again.headers["ETag"]
    assert etag.startswith('W/"')
    reuse = client.get("/opportunities", headers={"If-None-Match": etag})
    assert reuse.status_code == 304 and reuse.get_data() == b""
    since = client.get(
        "/opportunities",
        headers={"If-Modified-Since": again.headers["Last-Modified"]},
    )
    assert since.status_code == 304


def test_publishing_and_closing_show_at_once(client, organization):
    draft = factories.make_opportunity(
        organization, title="ครัวชุมชน", status=OpportunityStatus.DRAFT
    )
    factories.make_opportunity(organization, title="ปลูกป่าชายเลน")
    db.session.commit()
    assert "ครัวชุมชน" not in client.get("/opportunities").get_data(as_text=True)
    etag = client.get("/").headers["ETag"]

    db.session.get(Opportunity, draft.id).status = OpportunityStatus.PUBLISHED
    db.session.commit()
    assert "ครัวชุมชน" in client.get("/opportunities").get_data(as_text=True)
    assert client.get(f"/opportunities/{draft.id}").status_code == 200
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 200

    db.session.get(Opportunity, draft.id).status = OpportunityStatus.CLOSED
    db.session.commit()
    assert "ครัวชุมชน" not in client.get("/opportunities").get_data(as_text=True)
    assert client.get(f"/opportunities/{draft.id}").status_code == 404


def test_a_capacity_change_shows_at_once(client, organization):
    opportunity = factories.make_opportunity(organization, capacity=10)
    db.session.commit()
    english(client)
    url = f"/opportunities/{opportunity.id}"
    assert "10 spots left" in client.get(url).get_data(as_text=True)
    db.session.get(Shift, opportunity.shifts[0].id).capacity = 4
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "4 spots left" in page and "10 spots left" not in page


def test_a_spot_taken_and_a_withdrawal_show_at_once(client, person, organization):
    opportunity = factories.make_opportunity(organization, capacity=1)
    shift_id = opportunity.shifts[0].id
    db.session.commit()
    english(client)
    url = f"/opportunities/{opportunity.id}"
    api_url = f"/api/v1/opportunities?q={opportunity.title}"
    assert "1 spot left" in client.get(url).get_data(as_text=True)
    assert client.get(api_url).json["items"][0]["shifts"][0]["spots_left"] == 1

    assert person.post(f"/shifts/{shift_id}/apply", data={}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Full" in page and "1 spot left" not in page
    assert client.get(api_url).json["items"][0]["shifts"][0]["spots_left"] == 0

    application = db.session.scalar(sa.select(Application))
    person.post(f"/me/applications/{application.id}/withdraw", data={})
    assert "1 spot left" in client.get(url).get_data(as_text=True)
    assert client.get(api_url).json["items"][0]["shifts"][0]["spots_left"] == 1


def test_language_and_era_are_part_of_the_key(client, organization):
    opportunity = factories.make_opportunity(organization)
    db.session.commit()
    buddhist_year = str(opportunity.shifts[0].starts_at.year + 543)
    thai = client.get("/opportunities").get_data(as_text=True)
    assert '<html lang="th">' in thai and buddhist_year in thai
    assert 'value="ce" data-testid="switch-era"' in thai

    client.post("/language", data={"era": "ce"})
    common = client.get("/opportunities").get_data(as_text=True)
    assert 'value="be" data-testid="switch-era"' in common
    assert buddhist_year not in common

    english(client)
    page = client.get("/opportunities").get_data(as_text=True)
    assert '<html lang="en">' in page and "Opportunities" in page


def test_logged_in_pages_are_never_shared(client, person, organization):
    opportunity = factories.make_opportunity(organization)
    db.session.commit()
    for path in ("/", "/opportunities", f"/opportunities/{opportunity.id}"):
        anonymous = client.get(path)
        assert "วีระ อาสาสมัคร" not in anonymous.get_data(as_text=True)
        mine = person.get(path)
        assert "วีระ อาสาสมัคร" in mine.get_data(as_text=True)
        assert mine.headers["Cache-Control"] == "no-store"
        assert "ETag" not in mine.headers
        again = client.get(path)
        assert "วีระ อาสาสมัคร" not in again.get_data(as_text=True)


def test_every_visitor_gets_their_own_csrf_token(app, organization):
    factories.make_opportunity(organization)
    db.session.commit()
    one, two = app.test_client(), app.test_client()
    first = one.get("/opportunities").get_data(as_text=True)
    second = two.get("/opportunities").get_data(as_text=True)
    mine, theirs = _TOKEN.search(first).group(1), _TOKEN.search(second).group(1)
    assert mine != theirs and CSRF_PLACEHOLDER not in second
    # Each token works in its own session and only there.
    refused = one.post(
        "/language", data={"csrf_token": theirs, "locale": "en"}, csrf=False
    )
    assert refused.status_code == 400
    accepted = two.post(
        "/language", data={"csrf_token": theirs, "locale": "en"}, csrf=False
    )
    assert accepted.status_code == 302


def test_a_flashed_message_is_not_lost_to_the_cache(client, organization):
    factories.make_opportunity(organization)
    db.session.commit()
    client.get("/")  # cached
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "ข้อความเฉพาะคุณ")]
    assert "ข้อความเฉพาะคุณ" in client.get("/").get_data(as_text=True)
    assert "ข้อความเฉพาะคุณ" not in client.get("/").get_data(as_text=True)


def test_the_api_list_is_shared_but_not_with_token_holders(api, organization):
    factories.make_opportunity(organization, title="ปลูกป่าชายเลน")
    db.session.commit()
    first = api.get("/api/v1/opportunities")
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert [item["title"] for item in first.json["items"]] == ["ปลูกป่าชายเลน"]
    reuse = api.get(
        "/api/v1/opportunities", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert reuse.status_code == 304

    factories.make_opportunity(organization, title="ครัวชุมชน")
    db.session.commit()
    assert api.get("/api/v1/opportunities").json["total"] == 2
    with_token = api.get(
        "/api/v1/opportunities", headers={"Authorization": "Bearer nothing"}
    )
    assert "ETag" not in with_token.headers


def test_update_statements_move_the_version_and_rollbacks_do_not(organization):
    shift = factories.make_opportunity(organization).shifts[0]
    db.session.commit()
    before = catalogue_version()
    db.session.execute(
        sa.update(Shift).where(Shift.id == shift.id).values(spots_taken=1)
    )
    db.session.rollback()
    assert catalogue_version() == before
    db.session.execute(
        sa.update(Shift).where(Shift.id == shift.id).values(spots_taken=1)
    )
    db.session.commit()
    after = catalogue_version()
    assert after != before
    factories.make_user()  # not the catalogue
    db.session.commit()
    assert catalogue_version() == after


def test_spots_taken_alone_move_the_catalogue_version_not_the_listing(
    app, organization
):
    shift = factories.make_opportunity(organization).shifts[0]
    db.session.commit()

    def versions() -> tuple[str, str]:
        with app.test_request_context():
            return catalogue_version(), listing_version()

    start = versions()
    db.session.execute(
        sa.update(Shift).where(Shift.id == shift.id).values(spots_taken=1)
    )
    db.session.commit()
    spots = versions()
    assert spots[0] != start[0] and spots[1] == start[1]  # recommendations move
    db.session.get(Shift, shift.id).spots_taken = 2  # by the ORM, alone
    db.session.commit()
    orm = versions()
    assert orm[0] != spots[0] and orm[1] == start[1]
    db.session.execute(sa.update(Shift).where(Shift.id == shift.id).values(capacity=5))
    db.session.commit()
    capacity = versions()
    assert capacity[0] != orm[0] and capacity[1] != start[1]
    shift = db.session.get(Shift, shift.id)
    shift.spots_taken, shift.capacity = 3, 6  # spots and something else
    db.session.commit()
    both = versions()
    assert both[0] != capacity[0] and both[1] != capacity[1]


def test_a_spot_taken_elsewhere_keeps_the_page_a_spot_shown_rebuilds_it(
    client, organization, count_queries
):
    shown = factories.make_opportunity(organization, title="ที่แสดง", capacity=3)
    other = factories.make_opportunity(organization, title="อีกงาน", capacity=3)
    db.session.commit()
    english(client)
    url = f"/opportunities/{shown.id}"
    assert "3 spots left" in client.get(url).get_data(as_text=True)

    def take(opportunity: Opportunity) -> None:
        db.session.execute(
            sa.update(Shift)
            .where(Shift.id == opportunity.shifts[0].id)
            .values(spots_taken=Shift.spots_taken + 1)
        )
        db.session.commit()

    take(other)
    with count_queries() as statements:
        page = client.get(url).get_data(as_text=True)
    assert "3 spots left" in page
    queries = [s for s in statements if s != "BEGIN"]
    assert len(queries) == 1 and "spots_taken" in queries[0]  # checked, then kept
    with count_queries() as statements:
        client.get(url)
    assert statements == []  # checked once per catalogue version
    take(shown)
    with count_queries() as statements:
        page = client.get(url).get_data(as_text=True)
    assert "2 spots left" in page and "3 spots left" not in page
    assert len([s for s in statements if s != "BEGIN"]) > 1  # built again


def test_the_version_file_is_shared_by_every_worker(tmp_path: Path):
    path = tmp_path / "catalogue-version"
    one, two = FileVersion(path), FileVersion(path)
    seen = one.get()
    assert two.get() == seen
    two.bump()
    assert one.get() != seen and one.get() == two.get()


def test_logged_in_pages_share_only_the_catalogue(app, person, organization):
    factories.make_user(email="w@example.org", name="วันดี ใจงาม")
    factories.make_opportunity(organization, title="ปลูกป่าชายเลน", is_expo=True)
    db.session.commit()
    other = app.test_client()
    other.post("/login", data={"email": "w@example.org", "password": PASSWORD})
    for path in ("/", "/opportunities"):
        mine = person.get(path).get_data(as_text=True)
        theirs = other.get(path).get_data(as_text=True)
        assert "วีระ อาสาสมัคร" in mine and "วันดี ใจงาม" not in mine
        assert "วันดี ใจงาม" in theirs and "วีระ อาสาสมัคร" not in theirs
        assert "ปลูกป่าชายเลน" in mine and "ปลูกป่าชายเลน" in theirs

    factories.make_opportunity(organization, title="ครัวชุมชน", is_expo=True)
    db.session.commit()
    for path in ("/", "/opportunities"):
        assert "ครัวชุมชน" in person.get(path).get_data(as_text=True)
        assert "ครัวชุมชน" in other.get(path).get_data(as_text=True)


def test_the_menus_are_kept_per_roles_and_language(app, person, organization):
    organizer = app.test_client()
    organizer.post("/login", data={"email": "o@example.org", "password": PASSWORD})
    drawn = []

    def record(sender, template, context, **extra):
        if template.name in ("_role_links.html", "_account_links.html"):
            drawn.append(template.name)

    with template_rendered.connected_to(record, app):
        for _ in range(2):  # drawn, then kept
            volunteer_page = person.get("/").get_data(as_text=True)
            organizer_page = organizer.get("/").get_data(as_text=True)
            assert "/me/shifts" in volunteer_page
            assert "/me/shifts" not in organizer_page
            assert "/organizations/mine" in organizer_page
            assert "/organizations/mine" not in volunteer_page
            assert ">กะของฉัน<" in volunteer_page
    assert len(drawn) == 4  # two menus for each of the two roles, once
    english(person)
    page = person.get("/").get_data(as_text=True)
    assert ">My shifts<" in page and ">กะของฉัน<" not in page
    assert 'data-testid="line-account"' not in page
    app.config.update(LINE_LOGIN_CHANNEL_ID="1", LINE_LOGIN_CHANNEL_SECRET="s")
    assert 'data-testid="line-account"' in person.get("/").get_data(as_text=True)


def test_volunteers_share_an_opportunity_page_only_where_it_is_the_same(
    app, person, organization
):
    teacher = factories.make_user(email="t@example.org", name="ครูใจดี")
    teacher.profile.skills = list(
        db.session.scalars(sa.select(Skill).where(Skill.slug == "teaching"))
    )
    opportunity = factories.make_opportunity(organization, capacity=2)
    shift_id = opportunity.shifts[0].id
    db.session.commit()
    other = app.test_client()
    other.post("/login", data={"email": "t@example.org", "password": PASSWORD})
    english(person)
    english(other)
    url = f"/opportunities/{opportunity.id}"

    mine, theirs = person.get(url), other.get(url)
    assert 'data-testid="skill-held"' not in mine.get_data(as_text=True)
    assert 'data-testid="skill-held"' in theirs.get_data(as_text=True)
    tokens = {
        _TOKEN.search(page.get_data(as_text=True)).group(1) for page in (mine, theirs)
    }
    assert len(tokens) == 2 and CSRF_PLACEHOLDER not in mine.get_data(as_text=True)

    assert person.post(f"/shifts/{shift_id}/apply", data={}).status_code == 302
    mine = person.get(url).get_data(as_text=True)
    theirs = other.get(url).get_data(as_text=True)
    assert 'data-testid="my-status"' in mine and 'data-testid="my-status"' not in theirs
    assert "1 spot left" in mine and "1 spot left" in theirs
    assert "ครูใจดี" in theirs and "ครูใจดี" not in mine


def test_an_unreadable_version_means_no_reuse_not_stale_pages(
    app, client, organization, tmp_path
):
    factories.make_opportunity(organization, title="ปลูกป่าชายเลน")
    db.session.commit()
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the version's folder should be")
    for name in ("catalogue_version", "listing_version"):
        app.extensions[name] = FileVersion(blocked / name)
    assert "ปลูกป่าชายเลน" in client.get("/opportunities").get_data(as_text=True)
    factories.make_opportunity(organization, title="ครัวชุมชน")
    db.session.commit()
    page = client.get("/opportunities").get_data(as_text=True)
    assert "ครัวชุมชน" in page and "ปลูกป่าชายเลน" in page
