"""Organisations (API.md "Organisations")."""

import marshmallow as ma
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from .. import access
from ..access import role_required, staff_required
from ..auth.limits import member_invite_limit
from ..extensions import db
from ..models import Cause, Organization, Role, User
from ..organizations import services
from .schemas import ErrorSchema, OutputSchema, Schema, codes, text

blp = Blueprint("api_organizations", __name__, description="Partner organisations")
BEARER = [{"bearerAuth": []}]


class OrganizationInSchema(Schema):
    name = text(Organization.name_th, required=True)
    name_en = text(Organization.name_en, load_default="")
    description = text(Organization.description, load_default="")
    causes = codes(Cause.slug, load_default=list)
    website = text(Organization.website, load_default=None, allow_none=True)
    contact_email = text(Organization.contact_email, load_default=None, allow_none=True)
    contact_phone = text(Organization.contact_phone, load_default=None, allow_none=True)


class OrganizationPatchSchema(Schema):
    name = text(Organization.name_th)
    name_en = text(Organization.name_en)
    description = text(Organization.description)
    causes = codes(Cause.slug)
    website = text(Organization.website, allow_none=True)
    contact_email = text(Organization.contact_email, allow_none=True)
    contact_phone = text(Organization.contact_phone, allow_none=True)


class OrganizationSchema(OutputSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    name_en = ma.fields.String()
    description = ma.fields.String()
    causes = ma.fields.List(ma.fields.String())
    website = ma.fields.String(allow_none=True)
    status = ma.fields.String()


class MemberInSchema(Schema):
    email = text(User.email, required=True)


class InvitationSchema(OutputSchema):
    id = ma.fields.Integer()
    organization_id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    status = ma.fields.String()


class MembershipSchema(OutputSchema):
    id = ma.fields.Integer()
    organization_id = ma.fields.Integer()
    status = ma.fields.String()


def organization_body(organization) -> dict:
    """An organisation as API.md writes it."""
    return {
        "id": organization.id,
        "name": organization.name_th,
        "name_en": organization.name_en,
        "description": organization.description,
        "causes": [cause.slug for cause in organization.causes],
        "website": organization.website,
        "status": organization.status.value,
    }


def _input(data: dict) -> services.OrganizationInput:
    return services.OrganizationInput(
        name_th=data["name"],
        name_en=data["name_en"],
        description=data["description"],
        causes=data["causes"],
        website=data["website"],
        contact_email=data["contact_email"],
        contact_phone=data["contact_phone"],
    )


@blp.route("/organizations", methods=["POST"])
@role_required(Role.ORGANIZER)
@blp.arguments(OrganizationInSchema)
@blp.response(201, OrganizationSchema)
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
@blp.doc(security=BEARER)
def create_organization(data):
    """Register an organisation, pending until staff verify it; you become admin."""
    organization = services.register_organization(current_user, _input(data))
    db.session.commit()
    return organization_body(organization)


@blp.route("/organizations/<int:organization_id>", methods=["GET"])
@blp.response(200, OrganizationSchema)
@blp.alt_response(404, schema=ErrorSchema, description="not_found")
def get_organization(organization_id: int):
    """A verified organisation (pending ones only for members and staff)."""
    return organization_body(
        services.visible_organization(current_user, organization_id)
    )


@blp.route("/organizations/<int:organization_id>", methods=["PATCH"])
@login_required
@blp.arguments(OrganizationPatchSchema)
@blp.response(200, OrganizationSchema)
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member")
@blp.doc(security=BEARER)
def update_organization(data, organization_id: int):
    """Edit the organisation's public page (members)."""
    organization = access.get_organization_or_404(
        organization_id, for_user=current_user, action=access.ACT
    )
    current = organization_body(organization) | {
        "contact_email": organization.contact_email,
        "contact_phone": organization.contact_phone,
    }
    merged = {**current, **data}
    services.update_organization(current_user, organization, _input(merged))
    db.session.commit()
    return organization_body(organization)


@blp.route("/organizations/<int:organization_id>/verify", methods=["POST"])
@staff_required
@blp.response(200, OrganizationSchema)
@blp.alt_response(403, schema=ErrorSchema, description="forbidden")
@blp.doc(security=BEARER)
def verify_organization(organization_id: int):
    """Verify an organisation (staff)."""
    organization = services.get_organization(organization_id)
    services.verify_organization(current_user, organization)
    db.session.commit()
    return organization_body(organization)


@blp.route("/organizations/<int:organization_id>/members", methods=["POST"])
@login_required
@member_invite_limit
@blp.arguments(MemberInSchema)
@blp.response(201, InvitationSchema)
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member")
@blp.alt_response(404, schema=ErrorSchema, description="user_not_found")
@blp.alt_response(409, schema=ErrorSchema, description="already_member")
@blp.alt_response(422, schema=ErrorSchema, description="not_an_organizer")
@blp.alt_response(429, schema=ErrorSchema, description="rate_limited")
@blp.doc(security=BEARER)
def add_member(data, organization_id: int):
    """Invite an organizer account (admins of verified organisations).

    The person becomes a member only after accepting the invitation; staff and
    volunteer accounts cannot be invited (422 not_an_organizer).
    """
    organization = services.get_organization(organization_id)
    membership = services.invite_member(current_user, organization, data["email"])
    db.session.commit()
    return _membership_body(membership)


def _membership_body(membership) -> dict:
    return {
        "id": membership.id,
        "organization_id": membership.organization_id,
        "user_id": membership.user_id,
        "status": membership.status.value,
    }


@blp.route("/memberships/<int:membership_id>/accept", methods=["POST"])
@login_required
@blp.response(200, MembershipSchema)
@blp.alt_response(404, schema=ErrorSchema, description="not_found")
@blp.alt_response(409, schema=ErrorSchema, description="invalid_status")
@blp.doc(security=BEARER)
def accept_membership(membership_id: int):
    """Accept an invitation to an organisation (the invited person only)."""
    membership = services.accept_invitation(current_user, membership_id)
    db.session.commit()
    return _membership_body(membership)


@blp.route("/memberships/<int:membership_id>/decline", methods=["POST"])
@login_required
@blp.response(200, MembershipSchema)
@blp.alt_response(404, schema=ErrorSchema, description="not_found")
@blp.alt_response(409, schema=ErrorSchema, description="invalid_status")
@blp.doc(security=BEARER)
def decline_membership(membership_id: int):
    """Decline an invitation to an organisation (the invited person only)."""
    membership = services.decline_invitation(current_user, membership_id)
    db.session.commit()
    return _membership_body(membership)
