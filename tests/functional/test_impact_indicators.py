"""Each indicator and the funnel against counts made directly in the database."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.i18n import BANGKOK
from marketplace.impact.funnel import compute_funnel
from marketplace.impact.indicators import INDICATORS, ImpactFilter, indicator_values
from marketplace.models import (
    Application,
    ApplicationStatus,
    Attendance,
    Cause,
    Feedback,
    OrganizationKind,
    Pledge,
    PledgeKind,
    Role,
)
from tests import factories

DAY = date(2026, 3, 7)


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), BANGKOK)


def apply(shift, volunteer, status=ApplicationStatus.APPROVED, hours=None, **extra):
    application = Application(
        shift=shift,
        volunteer=volunteer,
        status=status,
        attendance=Attendance.ATTENDED if hours else extra.pop("attendance", None),
        hours=hours,
        **extra,
    )
    if status.holds_spot:
        shift.spots_taken += 1
    db.session.add(application)
    db.session.flush()
    return application


def cause_id(slug: str) -> int:
    return db.session.scalar(sa.select(Cause.id).where(Cause.slug == slug))


@pytest.fixture
def world(app):
    """Two organisations in two provinces and causes, with past shifts served."""
    bangkok = factories.make_organization(name="มูลนิธิการศึกษา")
    chiang_mai = factories.make_organization(name="มูลนิธิป่าเหนือ")
    chiang_mai.province = "เชียงใหม่"
    giving = factories.make_organization(name="เทใจ")
    giving.kind = OrganizationKind.GIVING_PARTNER
    teach = factories.make_opportunity(
        bangkok, causes=("education",), starts=at(DAY), shifts=3, hours=3
    )
    trees = factories.make_opportunity(
        chiang_mai, causes=("environment", "community"), starts=at(DAY), hours=5
    )
    trees.province = "เชียงใหม่"
    people = [factories.make_user(name=f"อาสา {n}") for n in range(5)]
    a, b, c, d, e = people
    d.profile.province = "เชียงใหม่"
    # a: attended twice at teach (weeks 0 and 1) -> returning; feedback on both.
    first = apply(teach.shifts[0], a, hours=3)
    second = apply(teach.shifts[1], a, hours=2.5)
    # b: attended trees once, no-show at teach week 2.
    third = apply(trees.shifts[0], b, hours=5)
    apply(teach.shifts[2], b, attendance=Attendance.NO_SHOW)
    # c: accepted, then rejected at teach; d: pending at trees; e: nothing.
    apply(teach.shifts[0], c, status=ApplicationStatus.REJECTED)
    apply(trees.shifts[0], d, status=ApplicationStatus.PENDING)
    # An invitation is not an application.
    apply(teach.shifts[1], e, status=ApplicationStatus.INVITED)
    for application, again in ((first, True), (second, True), (third, False)):
        db.session.add(
            Feedback(
                application=application,
                rating=5 if again else 3,
                would_volunteer_again=again,
                active_citizen=True,
            )
        )
    for kind, amount, org, cause in (
        (PledgeKind.PLEDGE, "1000", bangkok, "education"),
        (PledgeKind.DONATION, "250.50", chiang_mai, "environment"),
        (PledgeKind.DONATION, "99", None, None),
    ):
        db.session.add(
            Pledge(
                kind=kind,
                amount_thb=Decimal(amount),
                organization_id=org.id if org else None,
                cause_id=cause_id(cause) if cause else None,
                source_partner_id=giving.id,
                pledged_on=DAY,
            )
        )
    # An erased volunteer no longer counts as registered.
    gone = factories.make_user()
    gone.erased_at = at(DAY)
    factories.make_user(Role.ORGANIZER)
    db.session.commit()
    return {
        "bangkok": bangkok,
        "chiang_mai": chiang_mai,
        "people": people,
        "teach": teach,
        "trees": trees,
    }


def test_every_indicator_is_computed(world):
    values = indicator_values()
    assert set(values) == set(INDICATORS)


def test_whole_marketplace_matches_direct_counts(app, world):
    values = indicator_values()
    assert values["volunteers_registered"] == 5
    # Invitations excluded: a×2, b×2, c, d.
    assert values["applications"] == 6
    assert values["approved_matches"] == db.session.scalar(
        sa.select(sa.func.count(Application.id)).where(
            Application.status == ApplicationStatus.APPROVED
        )
    )
    assert values["approved_matches"] == 4
    assert values["attended_hours"] == 10.5
    assert values["hours_value_thb"] == 10.5 * app.config["HOUR_VALUE_THB"]
    assert values["returning_volunteers"] == 1
    # Person-level: a answered yes twice but counts once.
    assert values["would_volunteer_again"] == 1
    assert values["active_citizens"] == 2
    assert values["new_partners"] == 3
    assert values["pledged_thb"] == pytest.approx(1349.5)
    assert values["donated_thb"] == pytest.approx(349.5)


def test_filter_by_cause(world):
    values = indicator_values(where=ImpactFilter(cause_id=cause_id("environment")))
    assert values["attended_hours"] == 5
    assert values["approved_matches"] == 1
    assert values["volunteers_registered"] == 2  # b and d applied there
    assert values["returning_volunteers"] == 0
    assert values["pledged_thb"] == pytest.approx(250.5)
    assert values["new_partners"] == 0  # the test organisations list no causes


def test_filter_by_organization(world):
    where = ImpactFilter(organization_id=world["bangkok"].id)
    values = indicator_values(where=where)
    assert values["volunteers_registered"] == 3  # a, b, c applied; e was invited
    assert values["attended_hours"] == 5.5
    assert values["approved_matches"] == 3
    assert values["returning_volunteers"] == 1
    assert values["new_partners"] == 1
    assert values["pledged_thb"] == 1000


def test_filter_by_province(world):
    values = indicator_values(where=ImpactFilter(province="เชียงใหม่"))
    assert values["attended_hours"] == 5
    assert values["volunteers_registered"] == 1  # d lives there
    assert values["new_partners"] == 1
    assert values["pledged_thb"] == pytest.approx(250.5)


def test_filter_by_dates_in_bangkok_days(world):
    first_week = ImpactFilter(first_day=DAY, last_day=DAY)
    values = indicator_values(where=first_week)
    assert values["attended_hours"] == 8  # a 3 h + b 5 h on DAY
    assert values["returning_volunteers"] == 0  # a's return is a week later
    later = indicator_values(where=ImpactFilter(first_day=DAY + timedelta(days=1)))
    assert later["attended_hours"] == 2.5
    assert later["pledged_thb"] == 0


def test_unknown_indicator_is_refused(world):
    with pytest.raises(KeyError):
        indicator_values(["no_such_thing"])


def test_funnel_counts_people_step_by_step(world):
    funnel = compute_funnel()
    # profile 5; applied a b c d; accepted a b c; approved a b; attended a b; ret a.
    assert funnel.total.counts == [5, 4, 3, 2, 2, 1]
    assert funnel.total.conversions == [None, 0.8, 0.75, 2 / 3, 1.0, 0.5]
    assert funnel.total.overall == 0.2
    by_org = {row.key: row.counts for row in funnel.by_organization}
    assert by_org[world["bangkok"].id] == [None, 3, 3, 2, 1, 1]
    assert by_org[world["chiang_mai"].id] == [None, 2, 1, 1, 1, 0]
    by_province = {row.key: row.counts for row in funnel.by_province}
    assert by_province["เชียงใหม่"] == [1, 1, 0, 0, 0, 0]
    by_cause = {row.key: row.counts for row in funnel.by_cause}
    assert by_cause[cause_id("community")] == [None, 2, 1, 1, 1, 0]


def test_funnel_filters_keep_every_step_a_subset(world):
    funnel = compute_funnel(ImpactFilter(organization_id=world["chiang_mai"].id))
    assert funnel.total.counts == [5, 2, 1, 1, 1, 0]
    funnel = compute_funnel(ImpactFilter(province="เชียงใหม่"))
    assert funnel.total.counts == [1, 1, 0, 0, 0, 0]


def test_funnel_by_source_uses_the_first_recorded_source(world):
    a, b, c, *_ = world["people"]
    a.signup_source = "booth:1"
    first_application = db.session.scalar(
        sa.select(Application).where(Application.volunteer_id == b.id)
    )
    first_application.source = "booth:2"
    db.session.commit()
    rows = {row.key: row.counts for row in compute_funnel().by_source}
    assert rows["booth:1"] == [1, 1, 1, 1, 1, 1]
    assert rows["booth:2"] == [1, 1, 1, 1, 1, 0]
    assert rows[None] == [3, 2, 1, 0, 0, 0]
