"""Accounts: sign-up, tokens, and the caller's own account (API.md "Accounts")."""

import marshmallow as ma
from flask import abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..auth import mfa, services
from ..auth.limits import (
    login_address_limit,
    login_failure_limit,
    mark_login_failed,
    registration_limit,
)
from ..auth.sessions import bearer_token, find_token, issue_token
from ..errors import DomainError
from ..extensions import db
from ..inputs import PASSWORD_TEXT
from ..models import ConsentPurpose, Role, User, utcnow
from .schemas import BangkokDateTime, ErrorSchema, OutputSchema, Schema, text

blp = Blueprint("api_accounts", __name__, description="Accounts and API tokens")


class ConsentsSchema(Schema):
    terms = ma.fields.Boolean(required=True)
    matching = ma.fields.Boolean(load_default=False)


class UserCreateSchema(Schema):
    email = text(User.email, required=True)
    password = text(max=PASSWORD_TEXT, required=True, load_only=True)
    display_name = text(User.display_name, required=True)
    role = ma.fields.String(
        required=True, validate=ma.validate.OneOf([role.value for role in Role])
    )
    locale = ma.fields.String(
        load_default="th", validate=ma.validate.OneOf(["th", "en"])
    )
    consents = ma.fields.Nested(ConsentsSchema, required=True)


class UserSchema(OutputSchema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    display_name = ma.fields.String()
    role = ma.fields.Function(lambda user: user.role.value)


class MeSchema(UserSchema):
    locale = ma.fields.String()
    is_staff = ma.fields.Boolean()


class TokenCreateSchema(Schema):
    email = text(User.email, required=True)
    password = text(max=PASSWORD_TEXT, required=True, load_only=True)
    # Needed for accounts with two-step login: the app's code or a recovery code.
    totp = text(max=32, load_default=None, load_only=True)


class TokenSchema(OutputSchema):
    token = ma.fields.String()
    expires_at = BangkokDateTime()


class InvalidCredentials(DomainError):
    """The e-mail and password do not match an account."""

    status = 401
    code = "invalid_credentials"

    def default_message(self) -> str:
        """Return the message used when none is given."""
        return _("The e-mail or password is wrong.")


@blp.route("/users", methods=["POST"])
@registration_limit
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@blp.alt_response(429, schema=ErrorSchema, description="rate_limited")
@blp.alt_response(409, schema=ErrorSchema, description="email_taken")
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
def create_user(data):
    """Register a volunteer or organisation member."""
    registration = services.Registration(
        email=data["email"],
        password=data["password"],
        display_name=data["display_name"],
        role=Role(data["role"]),
        locale=data["locale"],
        consents={
            ConsentPurpose.TERMS: data["consents"]["terms"],
            ConsentPurpose.MATCHING: data["consents"]["matching"],
        },
    )
    user = services.register_user(registration, current_app.config["NOTICE_VERSION"])
    db.session.commit()
    return user


@blp.route("/tokens", methods=["POST"])
@login_address_limit
@login_failure_limit
@blp.arguments(TokenCreateSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(401, schema=ErrorSchema, description="invalid_credentials")
@blp.alt_response(429, schema=ErrorSchema, description="rate_limited")
def create_token(data):
    """Exchange e-mail and password (and `totp`, with two-step login) for a token.

    A wrong or missing code is the same 401 as a wrong password, and counts
    against the same per-e-mail failure limit.
    """
    user = services.authenticate(data["email"], data["password"])
    code = data["totp"] or ""
    if user is not None and user.has_totp and not mfa.verify_second_factor(user, code):
        user = None
    if user is None:
        mark_login_failed()
        raise InvalidCredentials()
    raw, token = issue_token(user, current_app.config["API_TOKEN_LIFETIME"])
    db.session.commit()
    return {"token": raw, "expires_at": token.expires_at}


@blp.route("/tokens/current", methods=["DELETE"])
@login_required
@blp.response(204)
@blp.alt_response(401, schema=ErrorSchema, description="unauthorized")
@blp.doc(security=[{"bearerAuth": []}])
def revoke_current_token():
    """Revoke the bearer token of this request."""
    raw = bearer_token(request)
    token = find_token(raw) if raw else None
    if token is None:
        abort(400, description=_("This request was not made with a bearer token."))
    token.revoked_at = utcnow()
    db.session.commit()


@blp.route("/me", methods=["GET"])
@login_required
@blp.response(200, MeSchema)
@blp.alt_response(401, schema=ErrorSchema, description="unauthorized")
@blp.doc(security=[{"bearerAuth": []}])
def me():
    """Who the caller is."""
    return current_user
