"""The flask commands: seed-demo (idempotent), create-staff, demo-logins."""

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    Application,
    Cause,
    Opportunity,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Role,
    Shift,
    Skill,
    User,
)
from marketplace.seed.demo import ORGANIZER_EMAIL, STAFF_EMAIL, VOLUNTEER_EMAIL

NAMED_PARTNERS = {
    "มูลนิธินวัตกรรมทางสังคม",
    "มูลนิธิยุวพัฒน์",
    "องค์กรต่อต้านคอร์รัปชัน (ประเทศไทย)",
    "มูลนิธิเอ็นไลฟ",
    "สำนักงานกองทุนสนับสนุนการสร้างเสริมสุขภาพ (สสส.)",
    "โครงการร้อยพลังเปลี่ยนประเทศ",
    "มูลนิธิเพื่อคนไทย",
    "เทใจ",
    "ปันกัน",
    "ฟู้ดฟอร์กู๊ด",
    "โซเชียลกีฟเวอร์",
    "เครือข่ายจิตอาสา",
}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_builds_the_expo_and_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    names = set(db.session.scalars(sa.select(Organization.name_th)))
    assert names >= NAMED_PARTNERS
    assert count(Organization) >= 50
    assert count(Opportunity) >= 150
    volunteers = db.session.scalar(
        sa.select(sa.func.count(User.id)).where(User.role == Role.VOLUNTEER)
    )
    assert volunteers >= 300
    assert count(Skill) >= 40 and count(Cause) >= 5
    # Every cause has opportunities, and spots held never exceed capacity.
    for cause in db.session.scalars(sa.select(Cause)):
        assert db.session.scalar(
            sa.select(sa.func.count(Opportunity.id)).where(
                Opportunity.causes.contains(cause)
            )
        ), cause.slug
    assert not db.session.scalar(
        sa.select(sa.func.count(Shift.id)).where(Shift.spots_taken > Shift.capacity)
    )
    kinds = set(db.session.scalars(sa.select(Organization.kind)))
    assert kinds == set(OrganizationKind)
    assert db.session.scalar(
        sa.select(sa.func.count(Organization.id)).where(
            Organization.status == OrganizationStatus.PENDING
        )
    )
    assert db.session.scalar(sa.select(User).where(User.email == STAFF_EMAIL)).is_staff
    organizer = db.session.scalar(sa.select(User).where(User.email == ORGANIZER_EMAIL))
    assert organizer.memberships
    assert db.session.scalar(sa.select(User).where(User.email == VOLUNTEER_EMAIL))
    assert count(Application) > 0
    assert all(o.is_demo for o in db.session.scalars(sa.select(Organization)))

    before = {model: count(model) for model in (Organization, Opportunity, User, Skill)}
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert {model: count(model) for model in before} == before


def test_demo_logins_work(app, client, auth):
    app.test_cli_runner().invoke(args=["seed-demo"])
    output = app.test_cli_runner().invoke(args=["demo-logins"]).output
    for email in (VOLUNTEER_EMAIL, ORGANIZER_EMAIL, STAFF_EMAIL):
        assert email in output
        password = output.split(email)[1].split("password:")[1].split()[0]
        assert auth.login(email, password).status_code == 302, email
        auth.logout()
    assert output.count("try: ") == 3
    assert "waiting for review" in output and "running right now" in output


def test_create_staff(app, auth, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-staff",
            "Boss@Example.org",
            "--password",
            "a long staff passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "boss@example.org"))
    assert user.is_staff
    auth.login("boss@example.org", "a long staff passphrase")
    assert client.get("/staff/").status_code == 200


def test_create_staff_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-staff", "boss@example.org", "--password", "password"]
    )
    assert result.exit_code != 0
    assert count(User) == 0
