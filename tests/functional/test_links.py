"""Every absolute link starts with PUBLIC_URL, whatever Host the request carried."""

import io
import re
from datetime import datetime, time, timedelta

import pytest
import segno
import sqlalchemy as sa
from icalendar import Calendar
from itsdangerous import URLSafeSerializer

from marketplace.certificates import services as certificates
from marketplace.certificates import signing
from marketplace.extensions import db
from marketplace.i18n import BANGKOK, to_bangkok
from marketplace.links import public_url
from marketplace.models import (
    Application,
    ApplicationStatus,
    EmailOutbox,
    Role,
    User,
    utcnow,
)
from marketplace.notifications import notify
from tests import factories

SITE = "https://expo.test.example"  # TestingConfig's PUBLIC_URL
_URL = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture
def foreign(app) -> str:
    """The test client's requests (and cookies) go to `Host: attacker.example`."""
    app.config["SERVER_NAME"] = "attacker.example"
    return "attacker.example"


def urls(text: str) -> list[str]:
    """The absolute URLs in a text."""
    return _URL.findall(text)


def test_public_url_works_without_a_request_and_keeps_a_path_prefix(app):
    assert public_url("main.notifications") == f"{SITE}/notifications"
    assert public_url("certificates.verify", code="AB CD", x="1") == (
        f"{SITE}/verify/AB%20CD?x=1"
    )
    app.config["PUBLIC_URL"] = "http://127.0.0.1:8000/expo"
    assert (
        public_url("main.notifications") == "http://127.0.0.1:8000/expo/notifications"
    )


def test_reset_link_ignores_the_host_header(client, foreign):
    user = factories.make_user(email="somchai@example.org")
    db.session.commit()
    response = client.post("/forgot-password", data={"email": user.email})
    assert response.status_code == 302
    (email,) = db.session.scalars(sa.select(EmailOutbox)).all()
    (link,) = urls(email.body)
    assert link.startswith(f"{SITE}/reset-password/")


def test_notification_emails_link_to_the_public_site_from_a_command(app):
    """Queued outside any request (a cron command), the link is still ours."""
    volunteer = factories.make_user(email="v@example.org")
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    db.session.commit()
    (email,) = db.session.scalars(sa.select(EmailOutbox)).all()
    # The page it is about, then where to change how one is reached.
    assert urls(email.body) == [f"{SITE}/me/shifts", f"{SITE}/account/channels"]


def test_reminders_queued_by_the_command_link_to_the_public_site(app):
    tomorrow = to_bangkok(utcnow()).date() + timedelta(days=1)
    starts = datetime.combine(tomorrow, time(12), BANGKOK)
    shift = factories.make_opportunity(
        factories.make_organization(), starts=starts
    ).shifts[0]
    volunteer = factories.make_user(email="v@example.org")
    db.session.add(
        Application(shift=shift, volunteer=volunteer, status=ApplicationStatus.APPROVED)
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.output == "1 reminders queued.\n"
    (body,) = db.session.scalars(sa.select(EmailOutbox.body)).all()
    assert urls(body) == [f"{SITE}/me/shifts", f"{SITE}/account/channels"]


def test_calendar_feed_and_its_link_use_the_public_site(client, auth, foreign):
    volunteer = factories.make_user(email="v@example.org")
    opportunity = factories.make_opportunity(factories.make_organization())
    db.session.commit()
    auth.login("v@example.org")
    client.post(f"/shifts/{opportunity.shifts[0].id}/apply", data={})
    client.post("/me/calendar")
    token = db.session.get(User, volunteer.id).calendar_token
    page = client.get("/me/shifts").get_data(as_text=True)
    assert f'value="{SITE}/calendar/{token}.ics"' in page
    feed = client.get(f"/calendar/{token}.ics")
    (event,) = Calendar.from_ical(feed.data).walk("VEVENT")
    assert str(event["url"]) == f"{SITE}/opportunities/{opportunity.id}"


def _qr_svg(url: str, **options) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", **options)
    return out.getvalue()


def test_check_in_qr_code_encodes_the_public_site(app, client, auth, foreign):
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[organizer])
    shift = factories.make_opportunity(organization).shifts[0]
    db.session.commit()
    auth.login("o@example.org")
    svg = client.get(f"/manage/shifts/{shift.id}/qr.svg").data
    token = URLSafeSerializer(app.config["SECRET_KEY"], salt="shift-check-in").dumps(
        shift.id
    )
    expected = f"{SITE}/check-in/{shift.id}/{token}"
    assert svg == _qr_svg(expected, scale=8, border=2)
    assert svg != _qr_svg(f"http://attacker.example/check-in/{shift.id}/{token}")


def test_certificate_verify_link_and_qr_use_the_public_site(client, foreign):
    volunteer = factories.make_user(email="v@example.org")
    organization = factories.make_organization()
    factories.make_past_application(volunteer, organization, hours=3)
    db.session.commit()
    certificate = certificates.issue_certificate(volunteer, None, "en")
    db.session.commit()
    code = signing.code_for(certificate.serial)
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    verify = f"{SITE}/verify/{code}"
    assert f"Check it at {verify} or scan" in page
    qr = segno.make(verify, error="m").svg_data_uri(scale=4, border=2)
    assert qr in page
    assert "attacker.example" not in page


def test_booth_codes_use_the_public_site(client, auth, foreign):
    factories.make_user(Role.ORGANIZER, email="staff@example.org", is_staff=True)
    organization = factories.make_organization()
    db.session.commit()
    auth.login("staff@example.org")
    page = client.get("/staff/impact/booths").get_data(as_text=True)
    booth = f"{SITE}/expo/booth/{organization.id}"
    assert booth in page
    assert segno.make(booth, error="m").svg_inline(scale=4, border=2) in page
    assert "attacker.example" not in page


def test_public_url_refuses_an_unknown_or_incomplete_endpoint(app):
    from werkzeug.routing import BuildError

    with pytest.raises(BuildError):
        public_url("auth.reset_password")  # the token is missing
    with pytest.raises(BuildError):
        public_url("no.such_endpoint")
