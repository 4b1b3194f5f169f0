"""Shipped data (taxonomy) and the expo demo, loaded by idempotent commands."""

import json
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..models import Cause, Skill

DATA_DIR = Path(__file__).parent / "data"


@cache
def read_data(name: str) -> Any:
    """Read one of the shipped JSON files under seed/data/."""
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def load_taxonomy() -> dict[str, int]:
    """Insert or update the causes and skills; return how many of each exist."""
    counts = {}
    for model, filename in ((Cause, "causes.json"), (Skill, "skills.json")):
        existing = {row.slug: row for row in db.session.scalars(sa.select(model))}
        for position, entry in enumerate(read_data(filename)):
            row = existing.get(entry["slug"]) or model(slug=entry["slug"])
            row.name_th = entry["name_th"]
            row.name_en = entry["name_en"]
            row.position = position
            if model is Cause:
                row.icon = entry.get("icon", "heart")
            else:
                row.category = entry.get("category", "general")
            db.session.add(row)
        counts[model.__tablename__] = len(read_data(filename))
    db.session.flush()
    return counts


def language_codes() -> list[str]:
    """The language codes volunteers and opportunities can name."""
    return [entry["code"] for entry in read_data("languages.json")]
