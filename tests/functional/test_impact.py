"""The impact pages: public page, staff dashboard, partner report, CSV, booth codes."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.impact.funnel import compute_funnel
from marketplace.models import (
    Application,
    ApplicationStatus,
    Attendance,
    Outcome,
    OutcomeRound,
    OutcomeSource,
    OutcomeStatus,
    ReportedValue,
    Role,
    RoundStatus,
    User,
    utcnow,
)
from tests import factories


def served(organization, volunteer, hours=3, days_ago=10, title="ปลูกป่า"):
    """An opportunity with a past shift the volunteer attended."""
    opportunity = factories.make_opportunity(
        organization,
        title=title,
        starts=utcnow().replace(microsecond=0) - timedelta(days=days_ago),
    )
    shift = opportunity.shifts[0]
    shift.spots_taken = 1
    db.session.add(
        Application(
            shift=shift,
            volunteer=volunteer,
            status=ApplicationStatus.APPROVED,
            attendance=Attendance.ATTENDED,
            hours=hours,
        )
    )
    db.session.flush()
    return opportunity


def add_rows(organization, count: int) -> None:
    """More volunteers, opportunities and hours (for the constant query counts)."""
    for n in range(count):
        volunteer = factories.make_user(name=f"อาสา {n}")
        served(organization, volunteer, hours=2, title=f"กิจกรรม {n}")


@pytest.fixture
def staff(app):
    user = factories.make_user(Role.ORGANIZER, email="staff@example.org", is_staff=True)
    db.session.commit()
    return user


@pytest.fixture
def member(app):
    user = factories.make_user(Role.ORGANIZER, email="member@example.org")
    organization = factories.make_organization(members=[user])
    db.session.commit()
    return user, organization


def agreed_round(organization=None) -> None:
    round_ = OutcomeRound(
        title_th="รอบทดสอบ", title_en="Test round", status=RoundStatus.AGREED
    )
    round_.outcomes.append(
        Outcome(
            name_th="ชั่วโมงอาสา",
            name_en="Hours served",
            indicator="attended_hours",
            unit="hours",
            target=100,
            source=OutcomeSource.COMPUTED,
            status=OutcomeStatus.AGREED,
        )
    )
    db.session.add(round_)
    db.session.flush()


def test_public_page_shows_numbers_outcomes_charts_and_map(client, member):
    _, organization = member
    volunteer = factories.make_user()
    opportunity = served(organization, volunteer, hours=4)
    agreed_round()
    db.session.commit()
    page = client.get("/impact").get_data(as_text=True)
    assert 'data-testid="n-hours">4<' in page
    assert 'data-testid="n-volunteers">1<' in page
    assert 'data-testid="outcome-progress"' in page
    assert 'max="100" value="4"' in page  # 4 of 100 hours
    chart = re.search(r"data-chart='([^']+)'", page).group(1)
    assert json.loads(chart)["series"][0]["data"] == [4.0]
    points = json.loads(re.search(r"data-points='([^']+)'", page).group(1))
    assert points == [
        [
            13.7466,
            100.5393,
            4.0,
            opportunity.title,
            "มูลนิธิทดสอบ " + organization.slug.split("-")[1],
            1,
        ]
    ]
    assert "<script>" not in page and 'style="' not in page


def test_public_page_is_bilingual_and_has_empty_states(client):
    page = client.get("/impact").get_data(as_text=True)
    assert 'data-testid="impact-empty"' in page
    assert 'data-testid="empty-outcomes"' in page
    assert 'data-testid="empty-map"' in page
    client.post("/language", data={"locale": "en", "next": "/impact"})
    english = client.get("/impact").get_data(as_text=True)
    assert "Hours served" in english


def test_filters_go_in_the_url_and_bad_input_is_explained(client, member):
    _, organization = member
    served(organization, factories.make_user(), hours=4)
    db.session.commit()
    filtered = client.get("/impact?cause=environment").get_data(as_text=True)
    assert 'data-testid="n-hours">0<' in filtered
    assert "cause=environment" in filtered  # the CSV links keep the filter
    bad = client.get("/impact?cause=nonsense&first_day=2026-13-45")
    assert bad.status_code == 200
    assert 'data-testid="filter-error"' in bad.get_data(as_text=True)
    backwards = client.get("/impact?first_day=2026-05-02&last_day=2026-05-01")
    assert 'data-testid="filter-error"' in backwards.get_data(as_text=True)


def _csv_rows(response) -> list[list[str]]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_exports_are_utf8_with_bom_and_neutralise_formulas(client, member):
    _, organization = member
    served(organization, factories.make_user(), hours=4, title="=HYPERLINK(1)")
    db.session.commit()
    response = client.get("/impact/places.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, row = _csv_rows(response)
    assert row[0] == "'=HYPERLINK(1)"
    assert row[4] == "4.0"
    causes = [r[2] for r in _csv_rows(client.get("/impact/causes.csv"))[1:]]
    assert causes.count("4.0") == 1
    assert client.get("/impact/nonsense.csv").status_code == 404
    # The funnel is for staff only, even through the public CSV route.
    assert client.get("/impact/funnel_source.csv").status_code == 404


def test_staff_dashboard_has_the_funnel_and_its_csv(client, auth, staff, member):
    _, organization = member
    volunteer = factories.make_user()
    volunteer.signup_source = f"booth:{organization.id}"
    served(organization, volunteer)
    db.session.commit()
    auth.login("staff@example.org")
    page = client.get("/staff/impact").get_data(as_text=True)
    assert 'data-testid="funnel-steps"' in page
    assert 'data-testid="funnel-4">1<' in page  # attended
    rows = _csv_rows(client.get("/staff/impact/funnel_source.csv"))
    booth = next(r for r in rows if organization.name_th in r[0])
    assert booth[1:7] == ["1", "1", "1", "1", "1", "0"]
    assert booth[7] == "100 %"


def test_partner_report_for_members_and_staff_only(client, auth, staff, member):
    user, organization = member
    served(organization, factories.make_user(), hours=6)
    other = factories.make_organization()
    served(other, factories.make_user(), hours=20)
    factories.make_user(Role.ORGANIZER, email="other@example.org")
    db.session.commit()
    auth.login("member@example.org")
    page = client.get(f"/organizations/{organization.id}/impact")
    assert page.status_code == 200
    assert 'data-testid="n-hours">6<' in page.get_data(as_text=True)
    assert client.get(f"/organizations/{other.id}/impact").status_code == 403
    csv_rows = _csv_rows(
        client.get(f"/organizations/{organization.id}/impact/organizations.csv")
    )
    assert [r[0] for r in csv_rows[1:]] == [organization.name_th]
    auth.logout()
    auth.login("other@example.org")
    assert client.get(f"/organizations/{organization.id}/impact").status_code == 403
    auth.logout()
    auth.login("staff@example.org")
    assert client.get(f"/organizations/{organization.id}/impact").status_code == 200
    assert client.get("/organizations/999999/impact").status_code == 404


def test_staff_pages_refuse_others(client, auth, member):
    assert "/login" in client.get("/staff/impact").headers["Location"]
    auth.login("member@example.org")
    assert client.get("/staff/impact").status_code == 403
    assert client.get("/staff/impact/booths").status_code == 403
    assert client.get("/staff/impact/funnel.csv").status_code == 403


@pytest.mark.parametrize("path", ["/impact", "/staff/impact"])
def test_dashboards_run_a_constant_number_of_queries(
    client, auth, staff, member, count_queries, path
):
    _, organization = member
    agreed_round()
    add_rows(organization, 2)
    db.session.commit()
    auth.login("staff@example.org")
    client.get(path)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    add_rows(organization, 12)
    add_rows(factories.make_organization(), 5)
    db.session.commit()
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few)


def test_booth_codes_page_lists_verified_partners(client, auth, staff, member):
    _, organization = member
    factories.make_organization(status=factories.OrganizationStatus.PENDING)
    db.session.commit()
    auth.login("staff@example.org")
    page = client.get("/staff/impact/booths").get_data(as_text=True)
    assert f'data-testid="booth-{organization.id}"' in page
    assert page.count('class="segno"') == 1
    assert f"/expo/booth/{organization.id}" in page


def test_booth_codes_are_drawn_once_per_process(client, auth, staff, member):
    from marketplace.impact.views import booth_qr_svg

    auth.login("staff@example.org")
    first = client.get("/staff/impact/booths").get_data(as_text=True)
    drawn = booth_qr_svg.cache_info()
    again = client.get("/staff/impact/booths").get_data(as_text=True)
    after = booth_qr_svg.cache_info()
    assert after.misses == drawn.misses and after.hits > drawn.hits
    assert again.count('class="segno"') == first.count('class="segno"') == 1


def test_booth_scan_register_apply_reaches_the_funnel(client, auth, member):
    _, organization = member
    opportunity = factories.make_opportunity(organization)
    db.session.commit()
    scan = client.get(f"/expo/booth/{organization.id}")
    assert scan.status_code == 302
    assert scan.headers["Location"].endswith(f"/expo/walk-in/{organization.id}")
    response = client.post(
        "/register",
        data={
            "display_name": "มานี มีใจ",
            "email": "manee@example.org",
            "password": factories.PASSWORD,
            "confirm": factories.PASSWORD,
            "role": "volunteer",
            "accept_terms": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.session.scalar(sa.select(User).where(User.email == "manee@example.org"))
    assert user.signup_source == f"booth:{organization.id}"
    client.get(f"/expo/booth/{organization.id}")  # scanned again, logged in
    applied = client.post(f"/shifts/{opportunity.shifts[0].id}/apply", data={})
    assert applied.status_code == 302
    application = db.session.scalar(
        sa.select(Application).where(Application.volunteer_id == user.id)
    )
    assert application.source == f"booth:{organization.id}"
    rows = {row.key: row.counts for row in compute_funnel().by_source}
    assert rows[f"booth:{organization.id}"] == [1, 1, 1, 0, 0, 0]


def test_an_invitation_does_not_take_the_inviters_source(client, auth, member):
    user, organization = member
    opportunity = factories.make_opportunity(organization, starts=factories.daytime(7))
    volunteer = factories.make_matchable(factories.make_user(), organization)
    db.session.commit()
    auth.login("member@example.org")
    client.get(f"/expo/booth/{organization.id}")
    client.post(
        f"/manage/shifts/{opportunity.shifts[0].id}/invite",
        data={"volunteer_id": volunteer.id},
    )
    invitation = db.session.scalar(sa.select(Application))
    assert invitation is not None and invitation.source is None


def test_booth_of_an_unknown_or_pending_organisation_is_404(client):
    pending = factories.make_organization(status=factories.OrganizationStatus.PENDING)
    db.session.commit()
    assert client.get(f"/expo/booth/{pending.id}").status_code == 404
    assert client.get("/expo/booth/999999").status_code == 404


def test_reported_outcomes_show_partners_values(client, member):
    _, organization = member
    opportunity = factories.make_opportunity(organization)
    round_ = OutcomeRound(title_th="รอบ", title_en="Round", status=RoundStatus.AGREED)
    outcome = Outcome(
        name_th="ต้นไม้ที่ปลูก",
        name_en="Trees planted",
        indicator="trees",
        unit="trees",
        target=200,
        source=OutcomeSource.REPORTED,
        status=OutcomeStatus.AGREED,
    )
    round_.outcomes.append(outcome)
    db.session.add(round_)
    db.session.flush()
    db.session.add(
        ReportedValue(outcome=outcome, opportunity_id=opportunity.id, value=50)
    )
    db.session.commit()
    page = client.get("/impact").get_data(as_text=True)
    assert 'max="100" value="25"' in page
    rows = _csv_rows(client.get("/impact/outcomes.csv"))
    assert rows[1][:6] == ["ต้นไม้ที่ปลูก", "trees", "0.0", "50.0", "200.0", "25 %"]
