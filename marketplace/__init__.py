"""The Good Society Marketplace: volunteers matched to partner organisations."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .config import INSTANCE_DIR, Config, config_from_env
from .startup import check_settings


def create_app(
    config_class: type[Config] | None = None, settings: Mapping[str, Any] | None = None
) -> Flask:
    """Create and wire up the application; the only app object lives in wsgi.py."""
    app = Flask(
        __name__, instance_path=str(INSTANCE_DIR), template_folder="../templates"
    )
    app.config.from_object(config_class or config_from_env())
    app.config.update(settings or {})
    check_settings(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_deployment(app)
    return app


def register_deployment(app: Flask) -> None:
    """Trust the configured proxies' X-Forwarded-* and log requests (JSON in prod)."""
    from .auth.limits import trust_proxy_headers
    from .logging import init_logging

    trust_proxy_headers(app)
    init_logging(app)


def register_extensions(app: Flask) -> None:
    """Bind every extension object to the app."""
    from . import models  # noqa: F401  (registers the tables with the metadata)
    from .auth.passwords import init_password_hasher
    from .auth.sessions import init_login_manager
    from .caching import init_caching
    from .database import engine_options, register_sqlite_policy
    from .extensions import babel, csrf, db, limiter, migrate
    from .i18n import select_locale, select_timezone
    from .jobs import init_jobs

    register_sqlite_policy()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, timezone_selector=select_timezone
    )
    limiter.init_app(app)
    init_login_manager(app)
    init_jobs(app)
    # The modules that declare tasks, so every process (consumer too) knows them.
    from . import reminders  # noqa: F401
    from .channels import tasks  # noqa: F401

    init_password_hasher(app)
    init_caching(app)


def register_blueprints(app: Flask) -> None:
    """Register the web blueprints and the JSON API."""
    from .api import init_api
    from .auth.views import bp as auth_bp
    from .certificates.views import bp as certificates_bp
    from .channels.views import bp as channels_bp
    from .conversations.views import bp as conversations_bp
    from .cover.views import bp as cover_bp
    from .database import RecordIdConverter
    from .edonation.views import bp as edonation_bp
    from .floaters.views import bp as floaters_bp
    from .floor.views import bp as floor_bp
    from .groups.views import bp as groups_bp
    from .impact.views import bp as impact_bp
    from .inputs import refuse_nul_bytes
    from .line.views import bp as line_bp
    from .main.views import bp as main_bp
    from .organizations.views import bp as organizations_bp
    from .outcomes.views import bp as outcomes_bp
    from .privacy.views import bp as privacy_bp
    from .service_hours.views import bp as service_hours_bp
    from .staff.views import bp as staff_bp
    from .volunteers.views import bp as volunteers_bp
    from .walkin.views import bp as walkin_bp

    app.url_map.converters["int"] = RecordIdConverter
    app.before_request(refuse_nul_bytes)
    for blueprint in (
        main_bp,
        auth_bp,
        volunteers_bp,
        organizations_bp,
        staff_bp,
        impact_bp,
        outcomes_bp,
        certificates_bp,
        privacy_bp,
        floor_bp,
        floaters_bp,
        walkin_bp,
        line_bp,
        groups_bp,
        edonation_bp,
        conversations_bp,
        cover_bp,
        channels_bp,
        service_hours_bp,
    ):
        app.register_blueprint(blueprint)
    init_api(app)


def register_errorhandlers(app: Flask) -> None:
    """Answer errors as bilingual pages or API.md JSON; add the security headers."""
    from .errors import init_error_handlers
    from .security import init_security_headers

    init_error_handlers(app)
    init_security_headers(app)


def register_template_helpers(app: Flask) -> None:
    """Add the filters and globals the templates use."""
    from .i18n import init_template_helpers
    from .line import login_enabled
    from .line.services import current_user_linked
    from .links import public_url
    from .web import init_template_globals

    init_template_helpers(app)
    init_template_globals(app)
    # Links that leave the page (to copy, print or subscribe to) use PUBLIC_URL.
    app.jinja_env.globals["public_url"] = public_url
    # "Log in with LINE" and the account's LINE page show only when configured.
    app.jinja_env.globals["line_login_enabled"] = login_enabled
    app.jinja_env.globals["line_linked"] = current_user_linked


def register_commands(app: Flask) -> None:
    """Add the flask commands (seed-demo, create-staff, …)."""
    from .cli import init_commands

    init_commands(app)
