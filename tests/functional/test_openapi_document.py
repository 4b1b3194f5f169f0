"""The OpenAPI document is exact enough for generated clients (issue 11).

Every object the API answers with marks its fields required (else generators make
every field optional), a location is a real object with its own input and output
schemas, and GET /me/export's JSON is described, checked against a real export.
"""

import json

import marshmallow as ma
import pytest

from marketplace.api.privacy import ExportSchema
from marketplace.extensions import db
from marketplace.models import Role
from tests import factories
from tests.functional.test_api_accounts import bearer, login_token
from tests.functional.test_erasure import seed_person


@pytest.fixture
def spec(api) -> dict:
    return api.get("/api/openapi.json").get_json()


def _refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                found.add(value.rsplit("/", 1)[-1])
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _answered_schemas(spec: dict) -> set[str]:
    """The component schemas reachable from a response of an operation."""
    components = {
        **spec["components"]["schemas"],
        **spec["components"].get("responses", {}),
    }
    found: set[str] = set()
    for operations in spec["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict):
                _refs(operation.get("responses", {}), found)
    todo = set(found)
    while todo:
        more: set[str] = set()
        _refs(components.get(todo.pop(), {}), more)
        todo |= more - found
        found |= more
    return found & set(spec["components"]["schemas"])


# Fields an answer may leave out: an error names `fields` for invalid input only.
OPTIONAL = {"ErrorDetail": {"fields"}}


def test_every_answered_object_marks_its_required_fields(spec):
    schemas = spec["components"]["schemas"]
    answered = _answered_schemas(spec)
    assert {"Opportunity", "Profile", "Location", "Export", "Feedback"} <= answered
    assert len(answered) > 50
    missing = {
        name: sorted(
            set(schema["properties"])
            - set(schema.get("required", []))
            - OPTIONAL.get(name, set())
        )
        for name in answered
        if (schema := schemas[name]).get("properties")
    }
    assert {name: fields for name, fields in missing.items() if fields} == {}


def test_no_field_is_typed_as_any_object(spec):
    """apispec writes a nullable object as "any object, or X": a plain dict."""
    text = json.dumps(spec)
    assert '{"type": "object", "nullable": true}' not in text


def test_a_location_is_an_object_with_input_and_output_schemas(spec):
    schemas = spec["components"]["schemas"]
    answered = {"allOf": [{"$ref": "#/components/schemas/Location"}], "nullable": True}
    sent = {"$ref": "#/components/schemas/LocationIn"}
    assert schemas["Opportunity"]["properties"]["location"] == answered
    assert schemas["Profile"]["properties"]["location"] == answered
    for name in ("OpportunityIn", "OpportunityPatch", "ProfileIn"):
        assert schemas[name]["properties"]["location"]["allOf"] == [sent], name
    assert schemas["Location"]["required"] == ["label", "lat", "lon"]
    assert set(schemas["LocationIn"]["properties"]) == {"lat", "lon", "place", "label"}
    profile = spec["paths"]["/api/v1/me/profile"]["put"]
    body = profile["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ProfileIn"}


def test_the_export_is_documented(spec):
    answer = spec["paths"]["/api/v1/me/export"]["get"]["responses"]["200"]
    schema = answer["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Export"}
    export = spec["components"]["schemas"]["Export"]
    assert {"account", "profile", "applications", "consents", "activity"} <= set(
        export["required"]
    )
    application = spec["components"]["schemas"]["ExportedApplication"]
    assert application["properties"]["starts_at"]["format"] == "date-time"


def test_a_real_export_matches_its_document_exactly(api):
    """Every section, key, type and null of a full export is as documented."""
    seeded = seed_person()
    token = login_token(api, seeded["volunteer"].email)
    body = api.get("/api/v1/me/export", headers=bearer(token)).get_json()
    for section in ("applications", "feedback", "certificates", "memberships"):
        assert body[section], section
    assert body["profile"]["availability"]
    ExportSchema().load(body)  # unknown keys, missing keys and wrong types raise

    del body["applications"][0]["starts_at"]
    with pytest.raises(ma.ValidationError):
        ExportSchema().load(body)


def test_an_organiser_export_has_no_profile(api):
    factories.make_user(Role.ORGANIZER, email="o@example.org")
    db.session.commit()
    token = login_token(api, "o@example.org")
    body = api.get("/api/v1/me/export", headers=bearer(token)).get_json()
    assert body["profile"] is None
    ExportSchema().load(body)
