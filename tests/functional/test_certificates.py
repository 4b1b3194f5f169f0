"""Certificates of hours: what they state, who issues and revokes, how they verify."""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from marketplace.certificates import queries, services, signing
from marketplace.extensions import db
from marketplace.models import (
    Application,
    Attendance,
    AuditEvent,
    Certificate,
    Opportunity,
    Organization,
    Role,
    Shift,
)
from tests import factories

ISSUED = datetime(2027, 6, 11, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok


@pytest.fixture
def served(volunteer):
    """Hours with two organisations, plus rows that must not count."""
    first = factories.make_organization(name="มูลนิธิป่าชายเลน")
    second = factories.make_organization(name="มูลนิธิเด็กริมน้ำ")
    factories.make_past_application(volunteer, first, hours=2.5, title="1")
    factories.make_past_application(volunteer, first, hours=3, title="2", days_ago=9)
    factories.make_past_application(volunteer, second, hours=4, title="3")
    # A no-show, an unrecorded shift and someone else's hours do not count.
    factories.make_past_application(volunteer, first, attended=False, title="4")
    factories.make_past_application(volunteer, second, attended=None, title="5")
    other = factories.make_user(email="other@example.org")
    factories.make_past_application(other, first, hours=6, title="6")
    db.session.commit()
    return {"first": first, "second": second}


def _direct_hours(volunteer_id: int, organization_id: int | None = None):
    """Hours and shifts counted straight from the tables."""
    query = (
        sa.select(sa.func.sum(Application.hours), sa.func.count(Application.id))
        .join(Shift, Shift.id == Application.shift_id)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .where(
            Application.volunteer_id == volunteer_id,
            Application.attendance == Attendance.ATTENDED,
        )
    )
    if organization_id is not None:
        query = query.where(Opportunity.organization_id == organization_id)
    hours, shifts = db.session.execute(query).one()
    return float(hours or 0), shifts


def _issue(client, scope="all", locale="en"):
    return client.post("/me/certificates", data={"scope": scope, "locale": locale})


def _latest() -> Certificate:
    return db.session.scalar(sa.select(Certificate).order_by(Certificate.id.desc()))


def _verdict(response) -> str | None:
    found = re.search(r'data-verdict="(\w+)"', response.get_data(as_text=True))
    return found.group(1) if found else None


# --- Hours -------------------------------------------------------------------------


def test_hours_match_a_direct_count(client, volunteer, served):
    summary = queries.hours_served(volunteer.id)
    assert (summary.hours, summary.shifts) == _direct_hours(volunteer.id) == (9.5, 3)
    for organization in served.values():
        line = summary.for_organization(organization.id)
        assert (line.hours, line.shifts) == _direct_hours(volunteer.id, organization.id)
    page = client.get("/me/certificates").get_data(as_text=True)
    assert 'data-testid="total-hours">9.5<' in page
    assert 'data-testid="total-shifts">3<' in page
    assert "มูลนิธิป่าชายเลน" in page and "มูลนิธิเด็กริมน้ำ" in page


def test_certificate_for_all_or_one_organisation(client, volunteer, served):
    response = _issue(client, "all")
    assert response.status_code == 302
    everything = _latest()
    assert response.headers["Location"].endswith(
        f"/certificates/{signing.code_for(everything.serial)}"
    )
    assert (everything.hours, everything.shifts) == (9.5, 3)
    assert everything.organization_id is None
    assert everything.holder_name == "วีระ อาสาดี"
    assert everything.volunteer_id == volunteer.id

    first = served["first"]
    assert _issue(client, str(first.id)).status_code == 302
    one = _latest()
    assert one.organization_id == first.id
    assert (one.hours, one.shifts) == _direct_hours(volunteer.id, first.id)
    assert (one.hours, one.shifts) == (5.5, 2)
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert actions.count("certificate.issue") == 2


def test_hours_are_frozen_when_issued(client, volunteer, served):
    _issue(client)
    code = signing.code_for(_latest().serial)
    factories.make_past_application(volunteer, served["second"], hours=8, title="7")
    db.session.commit()
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "9.5" in page and "17.5" not in page
    assert queries.hours_served(volunteer.id).hours == 17.5


def test_no_hours_no_certificate(client, volunteer):
    page = client.get("/me/certificates").get_data(as_text=True)
    assert 'class="empty-state' in page
    assert 'href="/opportunities"' in page
    response = _issue(client)
    assert response.status_code in (302, 422)
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_bad_issue_input_is_explained(app, client, volunteer, served):
    client.post("/language", data={"locale": "en"})
    stranger = factories.make_organization()
    db.session.commit()
    response = _issue(client, str(stranger.id))
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    response = _issue(client, "all", "fr")
    assert response.status_code == 422
    assert "Choose Thai or English." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    # Bypassing the form, the service refuses as well.
    with app.test_request_context(), pytest.raises(services.ValidationFailed):
        services.issue_certificate(volunteer, stranger.id, "th")


def test_only_volunteers_issue_and_only_their_own(app, client, volunteer, served):
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    db.session.commit()
    other = _client_for(app, organizer.email)
    assert other.post("/me/certificates", data={"scope": "all"}).status_code == 403
    anonymous = app.test_client().post("/me/certificates", data={"scope": "all"})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    # Another volunteer's certificate is about their own hours only.
    someone = _client_for(app, "other@example.org")
    assert _issue(someone).status_code == 302
    theirs = _latest()
    assert theirs.volunteer_id != volunteer.id and theirs.hours == 6


def test_issuing_needs_the_csrf_token(client, volunteer, served):
    response = client.post(
        "/me/certificates", data={"scope": "all", "locale": "th"}, csrf=False
    )
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


# --- The certificate in Thai and English -------------------------------------------


def test_thai_certificate_uses_the_buddhist_era(client, volunteer, served):
    certificate = services.issue_certificate(
        volunteer, served["first"].id, "th", ISSUED
    )
    db.session.commit()
    code = signing.code_for(certificate.serial)
    client.post("/language", data={"locale": "en"})  # the page chrome stays English
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert '<article class="certificate" lang="th"' in page
    assert "11 มิถุนายน พ.ศ. 2570" in page
    assert "2027" not in page.split('data-testid="issued-on"')[1][:80]
    assert "มูลนิธิป่าชายเลน" in page  # the organisation's Thai name
    assert "วีระ อาสาดี" in page
    assert code in page
    assert 'src="data:image/svg+xml' in page
    assert f"/verify/{code}" in page


def test_english_certificate(client, volunteer, served):
    certificate = services.issue_certificate(volunteer, None, "en", ISSUED)
    db.session.commit()
    code = signing.code_for(certificate.serial)
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert '<html lang="th">' in page  # the visitor's language for the page …
    assert '<article class="certificate" lang="en"' in page  # … English inside
    assert "Certificate of volunteer hours" in page
    assert "11 June 2027" in page and "2570" not in page
    assert "Good Society Expo partners" in page
    assert "gave 9.5 hours as a volunteer in 3 shifts with" in page
    assert 'style="' not in page  # the strict CSP allows no inline styles


# --- Verification ------------------------------------------------------------------


@pytest.fixture
def certificate(volunteer, served):
    issued = services.issue_certificate(volunteer, served["second"].id, "th", ISSUED)
    db.session.commit()
    return issued


def test_code_is_short_and_typeable(app, certificate):
    code = signing.code_for(certificate.serial)
    assert re.fullmatch(r"[A-Z2-7]{8}\.[A-Z2-7]{16}", code)
    typed = " " + code.lower().replace("o", "0") + " "
    assert signing.serial_from(typed) == certificate.serial


def test_valid_certificate_verifies(app, certificate):
    code = signing.code_for(certificate.serial)
    visitor = app.test_client()
    visitor.post("/language", data={"locale": "en"})
    response = visitor.get(f"/verify/{code}")
    assert response.status_code == 200
    assert _verdict(response) == "valid"
    page = response.get_data(as_text=True)
    assert "วีระ อาสาดี" in page and ">4 (1 shift)<" in page
    assert certificate.organization.name_en in page
    assert "11 June 2027" in page
    # The form at /verify leads to the same answer, typed sloppily.
    typed = visitor.get("/verify", query_string={"code": f" {code.lower()} "})
    assert typed.status_code == 302
    assert typed.headers["Location"].endswith(f"/verify/{code}")


def test_revoked_certificate_says_so(app, certificate):
    staff = factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    services.revoke_certificate(
        staff, certificate, "ชั่วโมงบันทึกผิด", datetime(2027, 7, 1, 5, tzinfo=UTC)
    )
    db.session.commit()
    code = signing.code_for(certificate.serial)
    visitor = app.test_client()
    visitor.post("/language", data={"locale": "en"})
    response = visitor.get(f"/verify/{code}")
    assert _verdict(response) == "revoked"
    page = response.get_data(as_text=True)
    assert "REVOKED" in page and "ชั่วโมงบันทึกผิด" in page and "1 July 2027" in page
    printable = visitor.get(f"/certificates/{code}").get_data(as_text=True)
    assert 'data-testid="revoked-stamp"' in printable


def _forgeries(app, serial: str) -> dict[str, str]:
    code = signing.code_for(serial)
    body, signature = code.split(".")
    other_serial = ("A" if body[0] != "A" else "B") + body[1:]
    other_signature = ("A" if signature[0] != "A" else "B") + signature[1:]
    other_key = signing.CodeSigner(["someone-elses-secret"]).sign(serial).decode()
    return {
        "altered serial": f"{other_serial}.{signature}",
        "altered signature": f"{body}.{other_signature}",
        "signature only": signature,
        "random string": "HELLO-WORLD-1234",
        "other secret key": other_key,
        "too long": "A" * 500,
        "thai text": "ใบรับรองปลอม",
        "valid serial, unknown certificate": signing.code_for("ZZZZZZZZ"),
    }


def test_forged_codes_are_not_valid(app, certificate, count_queries):
    visitor = app.test_client()
    for name, code in _forgeries(app, certificate.serial).items():
        with count_queries() as statements:
            response = visitor.get(f"/verify/{code}")
            printable = visitor.get(f"/certificates/{code}")
        assert response.status_code == 404, name
        assert _verdict(response) == "invalid", name
        assert printable.status_code == 404, name
        assert _verdict(printable) == "invalid", name
        touched = [s for s in statements if "certificate" in s.lower()]
        if name != "valid serial, unknown certificate":
            assert touched == [], name  # a bad signature never reaches the database


def test_other_secret_key_does_not_verify(app, make_app, certificate):
    code = signing.code_for(certificate.serial)
    other_app = make_app(SECRET_KEY="another-deployment")
    with other_app.app_context():
        assert signing.serial_from(code) is None
        response = other_app.test_client().get(f"/verify/{code}")
        assert response.status_code == 404
    # After a key rotation the old key, kept as a fallback, still verifies.
    rotated = make_app(
        SECRET_KEY="the-new-key", SECRET_KEY_FALLBACKS=[app.config["SECRET_KEY"]]
    )
    with rotated.app_context():
        assert signing.serial_from(code) == certificate.serial


# --- Revocation --------------------------------------------------------------------


def _client_for(app, email: str):
    client = app.test_client()
    client.post("/login", data={"email": email, "password": factories.PASSWORD})
    return client


def test_staff_revoke_from_the_verify_page(app, certificate):
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    db.session.commit()
    code = signing.code_for(certificate.serial)
    staff = _client_for(app, "s@example.org")
    assert 'data-testid="revoke"' in staff.get(f"/verify/{code}").get_data(as_text=True)
    response = staff.post(f"/certificates/{code}/revoke", data={"reason": "ซ้ำ"})
    assert response.status_code == 302
    with staff.session_transaction() as session:
        [(_kind, message)] = session.pop("_flashes")
    assert certificate.holder_name in message and code in message
    db.session.refresh(certificate)
    assert certificate.revoked_at is not None and certificate.revoked_reason == "ซ้ำ"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "certificate.revoke")
    )
    assert event.target_id == certificate.id
    # Revoking twice is refused with a message, and changes nothing.
    first_revoked_at = certificate.revoked_at
    staff.post(f"/certificates/{code}/revoke", data={"reason": "อีกครั้ง"})
    db.session.refresh(certificate)
    assert certificate.revoked_reason == "ซ้ำ"
    assert certificate.revoked_at == first_revoked_at


def test_only_staff_revoke(app, client, certificate):
    factories.make_user(Role.ORGANIZER, email="o@example.org")
    db.session.commit()
    code = signing.code_for(certificate.serial)
    url = f"/certificates/{code}/revoke"
    # The holder, an organisation member, and the public are refused.
    assert 'data-testid="revoke"' not in client.get(f"/verify/{code}").get_data(
        as_text=True
    )
    assert client.post(url, data={"reason": "x"}).status_code == 403
    assert (
        _client_for(app, "o@example.org").post(url, data={"reason": "x"}).status_code
        == 403
    )
    anonymous = app.test_client().post(url, data={"reason": "x"})
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    db.session.refresh(certificate)
    assert certificate.revoked_at is None


def test_revoking_needs_a_reason_and_the_csrf_token(app, certificate):
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    db.session.commit()
    code = signing.code_for(certificate.serial)
    staff = _client_for(app, "s@example.org")
    staff.post("/language", data={"locale": "en"})
    url = f"/certificates/{code}/revoke"
    assert staff.post(url, data={"reason": "ซ้ำ"}, csrf=False).status_code == 400
    response = staff.post(url, data={"reason": "   "}, follow_redirects=True)
    assert "Say why the certificate is revoked." in response.get_data(as_text=True)
    assert (
        staff.post("/certificates/NOT.VALID/revoke", data={"reason": "x"}).status_code
        == 404
    )
    db.session.refresh(certificate)
    assert certificate.revoked_at is None


# --- The page lists rows in a constant number of queries ---------------------------


def test_my_certificates_page_query_count_is_constant(client, volunteer, count_queries):
    organizations = [factories.make_organization() for _ in range(4)]
    factories.make_past_application(volunteer, organizations[0], title="0")
    services.issue_certificate(volunteer, None, "th")
    db.session.commit()

    def statements() -> int:
        with count_queries() as seen:
            assert client.get("/me/certificates").status_code == 200
        return len(seen)

    one = statements()
    for number, organization in enumerate(organizations):
        factories.make_past_application(
            volunteer, organization, title=f"x{number}", days_ago=3 + number
        )
        services.issue_certificate(volunteer, organization.id, "en")
    db.session.commit()
    assert statements() == one
    assert db.session.scalar(sa.select(sa.func.count(Organization.id))) == 4
