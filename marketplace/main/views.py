"""The home page, the language switch and the health check."""

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request, session
from flask_babel import get_locale
from flask_login import current_user, login_required

from ..caching import public_page, rendered, shared_fragment, shared_value
from ..expo import EXPO_VENUE_EN, EXPO_VENUE_TH, next_expo_days
from ..extensions import db
from ..i18n import to_bangkok
from ..models import Notification, utcnow
from ..recommendations import recommend, why_none
from ..web import safe_next
from . import queries

bp = Blueprint("main", __name__)

NOTIFICATIONS_SHOWN = 50
RECOMMENDED_SHOWN = 6


@bp.get("/")
@public_page
def index():
    """Present the expo, its causes and partners, and featured opportunities."""
    now = utcnow()
    recommended, why_not = [], []
    if current_user.is_authenticated and current_user.is_volunteer:
        recommended = recommend(
            current_user,
            now,
            RECOMMENDED_SHOWN,
            str(get_locale()),
            made_by=_recommended_cards,
            variant=session.get("era"),  # the cards' dates
        )
        if not recommended:
            why_not = why_none(current_user, now)
    # The counts may lag by PAGE_CACHE_SECONDS; the catalogue never lags a change.
    numbers = shared_value(
        "home-numbers",
        lambda: {
            "volunteer_count": queries.count_volunteers(),
            "opportunity_count": queries.count_listed_opportunities(now),
            "partner_count": queries.count_expo_partners(),
        },
    )
    catalogue = shared_fragment(
        "home-catalogue",
        lambda: render_template(
            "main/_catalogue.html",
            featured=queries.featured_opportunities(now),
            causes=queries.causes_with_counts(now),
            partners=queries.expo_partners(),
        ),
        with_query=False,
    )
    return render_template(
        "main/index.html",
        recommended=recommended,
        why_not=why_not,
        expo_days=next_expo_days(to_bangkok(now).date()),
        venue={"th": EXPO_VENUE_TH, "en": EXPO_VENUE_EN},
        catalogue=catalogue,
        **numbers,
    )


def _recommended_cards(recommended: list) -> str:
    """The cards of "Recommended for you" (empty markup when there are none)."""
    if not recommended:
        return rendered("")
    return rendered(render_template("main/_recommended.html", recommended=recommended))


@bp.post("/language")
def set_language():
    """Switch the language (kept for the session, and on the account if logged in)."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    era = request.form.get("era")
    if era in ("be", "ce"):
        session["era"] = era
    return safe_next(request.form.get("next"))


@bp.get("/notifications")
@login_required
def notifications():
    """The caller's notifications, newest first."""
    rows = db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc())
        .limit(NOTIFICATIONS_SHOWN)
    ).all()
    return render_template("main/notifications.html", notifications=rows)


@bp.post("/notifications/read")
@login_required
def read_notifications():
    """Mark every notification as read."""
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return safe_next(request.form.get("next"), "main.notifications")


@bp.get("/healthz")
def healthz():
    """Report whether the app can reach its database."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("Health check failed")
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
