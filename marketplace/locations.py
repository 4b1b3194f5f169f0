"""Turning what people type or click into stored locations (via geopy)."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from geopy.geocoders.base import Geocoder
from geopy.location import Location as GeopyLocation

from .geo import get_geocoder, suggest_places, valid_coordinates


@dataclass(frozen=True)
class Location:
    """A point with a human label and its province, as stored on models."""

    lat: float
    lon: float
    label: str
    province: str | None


def app_geocoder() -> Geocoder:
    """The configured geocoder (offline gazetteer unless GEOCODER says otherwise)."""
    geocoder = current_app.extensions.get("geocoder")
    if geocoder is None:
        geocoder = get_geocoder(current_app.config["GEOCODER"])
        current_app.extensions["geocoder"] = geocoder
    return geocoder


def _from_geopy(found: GeopyLocation, lat: float, lon: float) -> Location:
    raw = found.raw if isinstance(found.raw, dict) else {}
    return Location(lat, lon, found.address, raw.get("province_th"))


def geocode_place(text: str) -> Location | None:
    """Find a typed place (Thai or English); None when it is unknown."""
    text = (text or "").strip()
    if not text:
        return None
    found = app_geocoder().geocode(text)
    if found is None:
        return None
    return _from_geopy(found, found.latitude, found.longitude)


def unknown_place_message(text: str) -> str:
    """Say a typed place is unknown, with places close to it or what to type."""
    locale = str(get_locale() or "th")
    close = suggest_places(text or "", limit=3)
    if close:
        return _(
            "We do not know the place “%(place)s”. Did you mean %(places)s?",
            place=text,
            places=_(" or ").join(f"“{place.label(locale)}”" for place in close),
        )
    return _(
        "We do not know the place “%(place)s”. Type a district or province, "
        "such as ลาดพร้าว or เชียงใหม่ (Lat Phrao, Chiang Mai).",
        place=text,
    )


def locate_point(lat: float, lon: float) -> Location | None:
    """Label a clicked point by the nearest known place; None if out of range."""
    if not valid_coordinates(lat, lon):
        return None
    nearest = app_geocoder().reverse((lat, lon))
    if nearest is None:
        return Location(lat, lon, f"{lat:.4f}, {lon:.4f}", None)
    return _from_geopy(nearest, lat, lon)
