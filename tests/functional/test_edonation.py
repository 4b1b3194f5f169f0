"""e-Donation beside pledges: details, uploads, staff checks, pledges received."""

import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from PIL import Image

from marketplace.extensions import db
from marketplace.impact.indicators import ImpactFilter, indicator_values
from marketplace.models import (
    EDonation,
    EDonationStatus,
    Notification,
    Pledge,
    PledgeKind,
    Role,
)
from marketplace.outcomes.queries import pledge_totals
from tests import factories

TAX_ID = "0994000617721"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def people():
    people = {
        "admin": factories.make_user(Role.ORGANIZER, email="admin@example.org"),
        "member": factories.make_user(Role.ORGANIZER, email="member@example.org"),
        "outsider": factories.make_user(Role.ORGANIZER, email="out@example.org"),
        "giver": factories.make_user(Role.ORGANIZER, email="giver@example.org"),
        "staff": factories.make_user(
            Role.ORGANIZER, email="staff@example.org", is_staff=True
        ),
    }
    people["org"] = factories.make_organization(
        members=[people["admin"], people["member"]], name="มูลนิธิรับบริจาค"
    )
    factories.make_organization(members=[people["outsider"]])
    people["partner"] = factories.make_giving_partner(members=[people["giver"]])
    db.session.commit()
    return people


def _login(client, email):
    client.post("/logout")
    client.post("/login", data={"email": email, "password": factories.PASSWORD})
    client.post("/language", data={"locale": "en"})


def _image(kind: str = "PNG", size=(200, 200), mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "white").save(out, kind, **save)
    return out.getvalue()


def _submit(client, org, tax_id=TAX_ID, image: bytes | None = None, name="qr.png"):
    data = {"tax_id": tax_id}
    if image is not None:
        data["qr_image"] = (io.BytesIO(image), name)
    response = client.post(
        f"/organizations/{org.id}/e-donation",
        data=data,
        content_type="multipart/form-data",
    )
    # Werkzeug's client leaves a large body's temporary file open unless the
    # redirects are followed; close it here.
    response.request.input_stream.close()
    return response


def _details(org) -> EDonation | None:
    db.session.expire_all()
    return db.session.get(EDonation, org.id)


def test_an_admin_records_details_that_wait_for_staff(client, people):
    _login(client, "admin@example.org")
    jpeg = _image("JPEG", exif=b"Exif\x00\x00secret-camera")
    response = _submit(client, people["org"], "0-99-4-000-61772-1", jpeg, "qr.jpg")
    assert response.status_code == 302
    details = _details(people["org"])
    assert details.tax_id == TAX_ID
    assert details.status is EDonationStatus.PENDING
    # Re-encoded: a PNG without what the camera wrote.
    assert details.qr_png.startswith(PNG_SIGNATURE)
    assert b"secret-camera" not in details.qr_png
    # Not public before staff check it; its members see it.
    client.post("/logout")
    assert (
        client.get(f"/organizations/{people['org'].id}/e-donation/qr.png").status_code
        == 404
    )
    page = client.get(f"/organizations/{people['org'].id}").get_data(as_text=True)
    assert "e-Donation" not in page
    _login(client, "member@example.org")
    assert (
        client.get(f"/organizations/{people['org'].id}/e-donation/qr.png").status_code
        == 200
    )


@pytest.mark.parametrize(
    ("image", "name", "message"),
    [
        (b"GIF89a" + b"\x00" * 50, "qr.png", "Upload a PNG or JPEG image."),
        (b"not an image at all", "qr.png", "Upload a PNG or JPEG image."),
        (_image("GIF"), "qr.gif", "Upload a PNG or JPEG image."),
        (b"\x89PNG" + b"\x00" * (2 * 1024 * 1024), "qr.png", "larger than 2 MB"),
        # 5,000 × 5,000 pixels that compress to a few kilobytes.
        (
            _image("PNG", size=(5_000, 5_000), mode="1", optimize=True),
            "qr.png",
            "too many pixels",
        ),
    ],
    ids=["gif-named-png", "text", "gif", "too-large", "too-many-pixels"],
)
def test_an_upload_that_is_not_a_small_png_or_jpeg_is_refused(
    client, people, image, name, message
):
    _login(client, "admin@example.org")
    response = _submit(client, people["org"], TAX_ID, image, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _details(people["org"]) is None


def test_a_wrong_tax_id_gets_a_message_and_nothing_is_lost(client, people):
    _login(client, "admin@example.org")
    response = _submit(client, people["org"], "0994000617722", _image())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "13-digit tax id" in page
    assert 'value="0994000617722"' in page
    assert _details(people["org"]) is None


@pytest.mark.parametrize("who", ["member", "outsider", "staff"])
def test_only_the_organisations_admins_record_details(client, people, who):
    _login(client, f"{'out' if who == 'outsider' else who}@example.org")
    assert _submit(client, people["org"], TAX_ID, _image()).status_code == 403
    assert _details(people["org"]) is None


def test_details_need_the_csrf_token(client, people):
    _login(client, "admin@example.org")
    response = client.post(
        f"/organizations/{people['org'].id}/e-donation",
        data={"tax_id": TAX_ID, "qr_image": (io.BytesIO(_image()), "qr.png")},
        content_type="multipart/form-data",
        csrf=False,
    )
    assert response.status_code == 400
    assert _details(people["org"]) is None


def test_staff_verify_and_the_organisations_page_shows_the_qr(client, people):
    _login(client, "admin@example.org")
    _submit(client, people["org"], TAX_ID, _image())
    _login(client, "member@example.org")
    assert (
        client.post(f"/staff/e-donation/{people['org'].id}/verify").status_code == 403
    )
    _login(client, "staff@example.org")
    queue = client.get("/staff/e-donation").get_data(as_text=True)
    assert people["org"].name_en in queue
    assert (
        client.post(f"/staff/e-donation/{people['org'].id}/verify").status_code == 302
    )
    assert _details(people["org"]).status is EDonationStatus.VERIFIED
    notes = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == people["admin"].id)
    ).all()
    assert "edonation_verified" in notes

    client.post("/logout")
    page = client.get(f"/organizations/{people['org'].id}").get_data(as_text=True)
    assert "Donate with tax deduction (e-Donation)" in page
    assert "0-99-4-000-61772-1" in page
    qr = client.get(f"/organizations/{people['org'].id}/e-donation/qr.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png"
    assert (
        client.get(
            f"/organizations/{people['org'].id}/e-donation/qr.png",
            headers={"If-None-Match": qr.headers["ETag"]},
        ).status_code
        == 304
    )


def test_a_rejection_needs_a_reason_and_a_fix_goes_back_to_staff(client, people):
    _login(client, "admin@example.org")
    _submit(client, people["org"], TAX_ID, _image())
    _login(client, "staff@example.org")
    client.post(f"/staff/e-donation/{people['org'].id}/reject", data={"reason": ""})
    assert _details(people["org"]).status is EDonationStatus.PENDING
    client.post(
        f"/staff/e-donation/{people['org'].id}/reject",
        data={"reason": "QR ไม่ใช่ของมูลนิธินี้"},
    )
    details = _details(people["org"])
    assert details.status is EDonationStatus.REJECTED
    original = details.qr_png
    _login(client, "admin@example.org")
    page = client.get(f"/organizations/{people['org'].id}/e-donation").get_data(
        as_text=True
    )
    assert "QR ไม่ใช่ของมูลนิธินี้" in page
    # A fixed tax id without a new image keeps the image and waits for staff again.
    assert _submit(client, people["org"], TAX_ID).status_code == 302
    details = _details(people["org"])
    assert details.status is EDonationStatus.PENDING
    assert details.qr_png == original
    assert details.rejection_reason == ""


def _pledge(people, kind=PledgeKind.PLEDGE, amount="1000.00") -> Pledge:
    pledge = Pledge(
        kind=kind,
        amount_thb=Decimal(amount),
        organization_id=people["org"].id,
        source_partner_id=people["partner"].id,
        pledged_on=date(2027, 6, 9),
    )
    db.session.add(pledge)
    db.session.commit()
    return pledge


def _verified(people) -> None:
    db.session.add(
        EDonation(
            organization_id=people["org"].id,
            tax_id=TAX_ID,
            qr_png=factories.png_bytes(),
            qr_sha256="0" * 64,
            status=EDonationStatus.VERIFIED,
        )
    )
    db.session.commit()


def test_the_receiving_organisation_marks_a_pledge_received(client, people):
    pledge = _pledge(people, amount="1000.00")
    _pledge(people, amount="250.00")
    _pledge(people, PledgeKind.DONATION, amount="40.00")
    _login(client, "member@example.org")
    # Not before the details are verified.
    client.post(f"/pledges/{pledge.id}/fulfilled")
    db.session.expire_all()
    assert db.session.get(Pledge, pledge.id).fulfilled_at is None

    _verified(people)
    _login(client, "out@example.org")
    assert client.post(f"/pledges/{pledge.id}/fulfilled").status_code == 404
    _login(client, "giver@example.org")
    assert client.post(f"/pledges/{pledge.id}/fulfilled").status_code == 404
    _login(client, "member@example.org")
    assert client.post(f"/pledges/{pledge.id}/fulfilled").status_code == 302
    db.session.expire_all()
    assert db.session.get(Pledge, pledge.id).fulfilled_by_id == people["member"].id
    # Twice is refused with a message, nothing changes.
    again = client.post(f"/pledges/{pledge.id}/fulfilled", follow_redirects=True)
    assert "already marked as received" in again.get_data(as_text=True)

    totals = pledge_totals(None)
    assert (totals.pledged, totals.fulfilled, totals.donated) == (
        Decimal("250.00"),
        Decimal("1000.00"),
        Decimal("40.00"),
    )
    assert totals.total == Decimal("1290.00")
    values = indicator_values(
        ["pledged_thb", "donated_thb", "fulfilled_thb"], ImpactFilter()
    )
    assert values == {
        "pledged_thb": 1290.0,
        "donated_thb": 40.0,
        "fulfilled_thb": 1000.0,
    }

    _login(client, "giver@example.org")
    page = client.get("/outcomes/pledges").get_data(as_text=True)
    assert 'data-testid="total-fulfilled">1,000.00' in page
    assert 'data-testid="total-pledged">250.00' in page
    assert f'data-testid="edonation-{people["org"].id}"' in page
