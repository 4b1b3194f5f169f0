"""Organisations (API.md "Organisations")."""

import marshmallow as ma
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..access import role_required, staff_required
from ..extensions import db
from ..models import Cause, Organization, Role, User
from ..organizations import services
from .schemas import ErrorSchema, Schema, codes, text

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


class OrganizationSchema(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    name_en = ma.fields.String()
    description = ma.fields.String()
    causes = ma.fields.List(ma.fields.String())
    website = ma.fields.String(allow_none=True)
    status = ma.fields.String()


class MemberInSchema(Schema):
    email = text(User.email, required=True)


class MemberSchema(Schema):
    organization_id = ma.fields.Integer()
    user_id = ma.fields.Integer()
    email = ma.fields.String()
    display_name = ma.fields.String()
    role = ma.fields.String()


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
    organization = services.get_organization(organization_id)
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
@blp.arguments(MemberInSchema)
@blp.response(201, MemberSchema)
@blp.alt_response(404, schema=ErrorSchema, description="user_not_found")
@blp.alt_response(409, schema=ErrorSchema, description="already_member")
@blp.alt_response(422, schema=ErrorSchema, description="not_an_organizer")
@blp.doc(security=BEARER)
def add_member(data, organization_id: int):
    """Add an existing organizer account as a member (organisation admins)."""
    organization = services.get_organization(organization_id)
    membership = services.add_member(current_user, organization, data["email"])
    db.session.commit()
    return {
        "organization_id": organization.id,
        "user_id": membership.user.id,
        "email": membership.user.email,
        "display_name": membership.user.display_name,
        "role": membership.role.value,
    }
