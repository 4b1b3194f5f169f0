"""Causes, skills and places (API.md "Taxonomy and places")."""

import marshmallow as ma
import sqlalchemy as sa
from flask_smorest import Blueprint

from ..extensions import db
from ..geo import search_places
from ..inputs import SEARCH_TEXT
from ..models import Cause, Skill
from .schemas import OutputSchema, PageArgsSchema, page_of, page_schema, text

blp = Blueprint("api_taxonomy", __name__, description="Causes, skills and places")

MAX_PLACES = 100


class NamedSchema(OutputSchema):
    slug = ma.fields.String()
    name_th = ma.fields.String()
    name_en = ma.fields.String()


class SkillSchema(NamedSchema):
    category = ma.fields.String()


class PlaceArgsSchema(PageArgsSchema):
    q = text(max=SEARCH_TEXT, load_default="")


class PlaceSchema(OutputSchema):
    label = ma.fields.String()
    label_en = ma.fields.String(
        metadata={"description": "`label` in English, for English pages"}
    )
    province = ma.fields.String()
    lat = ma.fields.Float()
    lon = ma.fields.Float()
    name_th = ma.fields.String()
    name_en = ma.fields.String()
    kind = ma.fields.String()


def _all_in_order(model) -> list:
    """Every entry of a taxonomy table, in its display order."""
    return list(db.session.scalars(sa.select(model).order_by(model.position, model.id)))


@blp.route("/causes", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(NamedSchema, "CausePage"))
def list_causes(args):
    """The causes (themes) of the expo, in their display order."""
    return page_of(_all_in_order(Cause), args["page"], args["per_page"])


@blp.route("/skills", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(SkillSchema, "SkillPage"))
def list_skills(args):
    """The skills volunteers can offer and opportunities can ask for."""
    return page_of(_all_in_order(Skill), args["page"], args["per_page"])


@blp.route("/places", methods=["GET"])
@blp.arguments(PlaceArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(PlaceSchema, "PlacePage"))
def list_places(args):
    """Places of the offline gazetteer matching `q` (Thai or English), best first."""
    places = [
        {
            "label": place.label("th"),
            "label_en": place.label("en"),
            "province": place.province_th,
            "lat": place.lat,
            "lon": place.lon,
            "name_th": place.name_th,
            "name_en": place.name_en,
            "kind": place.kind,
        }
        for place in search_places(args["q"], limit=MAX_PLACES)
    ]
    return page_of(places, args["page"], args["per_page"])
