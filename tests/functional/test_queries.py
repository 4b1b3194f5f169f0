"""Busy pages run a fixed number of SQL queries, however many rows they show."""

import pytest

from marketplace.extensions import db
from marketplace.models import Role
from tests import factories


def add_opportunities(count: int) -> None:
    organizer = factories.make_user(Role.ORGANIZER)
    organization = factories.make_organization(members=[organizer])
    for number in range(count):
        factories.make_opportunity(
            organization,
            title=f"งานอาสา {number}",
            shifts=3,
            skills=("teaching", "first-aid"),
        )
    db.session.commit()


@pytest.mark.parametrize("path", ["/", "/opportunities"])
def test_page_queries_do_not_grow_with_rows(app, client, count_queries, path):
    app.config["PAGE_CACHE"] = False  # count the rendering, not the shared cache
    add_opportunities(2)
    client.get(path)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    add_opportunities(30)
    client.get(path)  # the catalogue changed: the per-process taxonomy refills once
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few), many
    assert len(many) <= 12
