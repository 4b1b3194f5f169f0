"""The public JSON API v1 (API.md), documented at /api/openapi.json."""

from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from flask import Flask, current_app, request
from flask_smorest import Api

from ..auth.sessions import bearer_token
from ..extensions import csrf
from .schemas import ErrorSchema

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_BLUEPRINTS: set[str] = set()


class NullableNestedConverter(OpenAPIConverter):
    """A nullable nested object is written `allOf: [X]` with `nullable: true`.

    apispec writes OpenAPI 3.0's nullable $ref as "any object, or X", which client
    generators read as a plain dict; `allOf` with `nullable` reads as "X or null".
    """

    def field2nullable(self, field, ret) -> dict:
        """The nullable attributes of a field, the nested case as above."""
        if field.allow_none and self.openapi_version.major == 3:
            if self.openapi_version.minor < 1 and "$ref" in ret:
                return {"allOf": [{"$ref": ret.pop("$ref")}], "nullable": True}
            if self.openapi_version.minor < 1 and "allOf" in ret:
                return {"nullable": True}
        return super().field2nullable(field, ret)


class MarketplacePlugin(MarshmallowPlugin):
    """apispec's marshmallow plugin with NullableNestedConverter."""

    Converter = NullableNestedConverter


class MarketplaceApi(Api):
    """flask-smorest's Api, leaving error answers to marketplace.errors."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        """Errors are formatted app-wide by marketplace.errors (API.md format)."""


def protect_browser_calls() -> None:
    """Check CSRF when a browser calls the API with any cookie that can log in.

    Either the session cookie or Flask-Login's remember cookie authenticates a
    browser, so either one makes an unsafe request need the CSRF token; a call
    with a bearer token is authenticated by the token alone and needs none.
    """
    if request.blueprint not in API_BLUEPRINTS or request.method not in UNSAFE_METHODS:
        return
    if bearer_token(request) is not None:
        return
    config = current_app.config
    cookies = (
        config["SESSION_COOKIE_NAME"],
        config.get("REMEMBER_COOKIE_NAME", "remember_token"),
    )
    if any(name in request.cookies for name in cookies):
        csrf.protect()


def init_api(app: Flask) -> None:
    """Create the Api object and register the API blueprints."""
    from ..certificates import api as certificates
    from ..conversations import api as conversations
    from ..floor import api as floor
    from ..service_hours import api as service_hours
    from . import (
        accounts,
        applications,
        impact,
        matching,
        offers,
        opportunities,
        organizations,
        outcomes,
        privacy,
        taxonomy,
        volunteers,
    )

    api = MarketplaceApi(
        app,
        spec_kwargs={
            "marshmallow_plugin": MarketplacePlugin(),
            "info": {"description": "The contract partners build on (API.md)."},
            "servers": [{"url": "/"}],
        },
    )
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer"}
    )
    blueprints = (
        accounts.blp,
        taxonomy.blp,
        organizations.blp,
        opportunities.blp,
        volunteers.blp,
        applications.blp,
        matching.blp,
        privacy.blp,
        outcomes.blp,
        impact.blp,
        certificates.blp,
        floor.blp,
        offers.blp,
        conversations.blp,
        service_hours.blp,
    )
    for blueprint in blueprints:
        csrf.exempt(blueprint)
        API_BLUEPRINTS.add(blueprint.name)
        api.register_blueprint(blueprint, url_prefix="/api/v1")
    app.before_request(protect_browser_calls)
    app.extensions["marketplace_api"] = api
