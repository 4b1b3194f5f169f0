"""Alembic environment: the app's engine and metadata (Flask-Migrate)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def render_item(type_, obj, autogen_context):
    """Write the models' UTCDateTime as the plain column type it stores."""
    from marketplace.models.types import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    """Emit SQL for a URL without connecting (`flask db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the app's engine."""

    def process_revision_directives(context, revision, directives):
        # An autogenerate that finds no change writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", process_revision_directives)
    options.setdefault("render_item", render_item)
    with target_db.engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_db.metadata, **options
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
