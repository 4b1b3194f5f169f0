"""The e-Donation details form (an organisation's admins) and staff decisions."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from ..forms import Form
from ..inputs import TextLength
from ..models import EDonation
from .images import MAX_BYTES

TAX_ID_TYPED = 20


class EDonationForm(Form):
    """The tax id and the bank-issued e-Donation QR image."""

    tax_id = StringField(
        _l("Tax id (13 digits)"),
        # 13 digits, as typed with the Revenue Department's dashes: 0-99-4-000-61772-1.
        validators=[DataRequired(), TextLength(max=TAX_ID_TYPED)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    qr_image = FileField(
        _l("e-Donation QR image from your bank (PNG or JPEG, up to 2 MB)"),
        validators=[
            FileAllowed(["png", "jpg", "jpeg"], _l("Upload a PNG or JPEG image.")),
            FileSize(
                MAX_BYTES,
                message=_l("The image is larger than 2 MB. Upload a smaller one."),
            ),
        ],
        render_kw={"accept": "image/png,image/jpeg"},
    )


class RejectDetailsForm(Form):
    """Staff refuse e-Donation details, saying why."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), TextLength(EDonation.rejection_reason)],
        render_kw={"rows": 2},
    )
