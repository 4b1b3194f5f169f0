"""One migration chain: empty → head → base → head, and models match it."""

import uuid

import sqlalchemy as sa
from flask_migrate import check, downgrade, upgrade

from marketplace import create_app
from marketplace.config import TestingConfig
from marketplace.extensions import db
from tests.servers import create_database


def fresh_database_url(database_url: str, tmp_path) -> str:
    if database_url.startswith("postgresql"):
        return create_database(database_url, f"migrations_{uuid.uuid4().hex[:8]}")
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


def test_upgrade_downgrade_upgrade_and_models_match(database_url, tmp_path):
    url = fresh_database_url(database_url, tmp_path)
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"user", "organization", "shift", "application", "consent"} <= tables
        check()  # raises when the models and the migrations disagree
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        check()
        db.engine.dispose()
