"""Certificate codes: the serial signed with the secret key, short enough to type.

A code reads ``SERIAL.SIGNATURE``: 8 base32 characters of random serial, then 16
of HMAC-SHA256 (80 bits, truncated) over it, keyed from SECRET_KEY with a salt of
its own. Checking a code needs no database: a forged or mistyped one fails here.
"""

import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app
from itsdangerous import BadSignature, Signer
from itsdangerous.encoding import want_bytes
from itsdangerous.signer import HMACAlgorithm

SALT = "certificate-code"
SEPARATOR = "."
SERIAL_BYTES = 5  # 40 bits: 8 base32 characters
SIGNATURE_BYTES = 10  # 80 bits: 16 base32 characters
_SERIAL = re.compile(r"^[A-Z2-7]{8}$")
# Base32 has no 0, 1 or 8: read them as the letters people mistake them for.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def _base32(raw: bytes) -> bytes:
    return base64.b32encode(raw).rstrip(b"=")


def new_serial() -> str:
    """A random serial (unique in practice; the database enforces it)."""
    return _base32(secrets.token_bytes(SERIAL_BYTES)).decode()


class _TruncatedHMAC(HMACAlgorithm):
    """HMAC-SHA256 cut to SIGNATURE_BYTES, so the printed code stays short."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        """Return the first SIGNATURE_BYTES of the HMAC."""
        return super().get_signature(key, value)[:SIGNATURE_BYTES]


class CodeSigner(Signer):
    """An itsdangerous signer whose signatures are base32 (upper case, no padding)."""

    def __init__(self, secret_keys: list[str | bytes]):
        super().__init__(
            secret_keys,
            salt=SALT,
            sep=SEPARATOR,
            key_derivation="hmac",
            digest_method=hashlib.sha256,
            algorithm=_TruncatedHMAC(hashlib.sha256),
        )

    def get_signature(self, value: str | bytes) -> bytes:
        """Return the base32 signature of a value under the newest key."""
        key = self.derive_key()
        return _base32(self.algorithm.get_signature(key, want_bytes(value)))

    def verify_signature(self, value: str | bytes, sig: str | bytes) -> bool:
        """Check a signature against every key, newest first, in constant time."""
        value, sig = want_bytes(value), want_bytes(sig)
        for secret_key in reversed(self.secret_keys):
            key = self.derive_key(secret_key)
            expected = _base32(self.algorithm.get_signature(key, value))
            if hmac.compare_digest(sig, expected):
                return True
        return False


def _signer() -> CodeSigner:
    config = current_app.config
    keys = [*(config.get("SECRET_KEY_FALLBACKS") or []), config["SECRET_KEY"]]
    return CodeSigner(keys)


def code_for(serial: str) -> str:
    """The printed code of a certificate serial."""
    return _signer().sign(serial).decode()


def normalize(code: str) -> str:
    """Upper-case a typed code and drop spaces and look-alike digits."""
    return "".join(code.split()).upper().translate(_LOOKALIKES)


def serial_from(code: str) -> str | None:
    """The serial a code was signed for, or None when the code is not genuine."""
    code = normalize(code)
    if len(code) > 64:
        return None
    try:
        serial = _signer().unsign(code).decode()
    except (BadSignature, UnicodeDecodeError):
        return None
    return serial if _SERIAL.match(serial) else None
