"""The page cache across servers: Redis holds the pages and the catalogue version.

Two app objects stand for two app servers on one database and one Redis: a change
committed through one invalidates what the other serves, at once.
"""

import pytest

from marketplace.caching import RedisVersion
from marketplace.config import TestingConfig
from marketplace.extensions import db
from marketplace.models import Opportunity, OpportunityStatus, Role
from tests import factories
from tests.functional.test_rate_limit_workers import redis_url  # noqa: F401

pytestmark = pytest.mark.slow


def test_a_change_on_one_server_shows_on_the_other(app, make_app, redis_url):  # noqa: F811
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[organizer])
    opportunity = factories.make_opportunity(organization, title="ปลูกป่าชายเลน")
    db.session.commit()
    settings = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url}
    one, two = make_app(TestingConfig, **settings), make_app(TestingConfig, **settings)
    assert isinstance(one.extensions["catalogue_version"], RedisVersion)
    first, second = one.test_client(), two.test_client()
    assert "ปลูกป่าชายเลน" in first.get("/opportunities").get_data(as_text=True)
    cached = first.get("/opportunities")
    assert cached.headers["ETag"] == second.get("/opportunities").headers["ETag"]

    with two.app_context():
        db.session.get(Opportunity, opportunity.id).status = OpportunityStatus.CLOSED
        db.session.commit()
        db.session.remove()
    page = first.get("/opportunities").get_data(as_text=True)
    assert "ปลูกป่าชายเลน" not in page
