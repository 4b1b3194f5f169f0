"""A client generated from /api/openapi.json works against the running app.

openapi-python-client builds a typed client the way an integrator would; the test
uses it over HTTP against gunicorn on loopback: log in for a token, list
opportunities, read one with its location, apply to a shift, export one's data.
A field the document marks required but an answer leaves out fails here (the
client reads it with `dict.pop`), and so does a location typed as a plain dict.
"""

import importlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from marketplace.extensions import db
from tests import factories
from tests.servers import gunicorn_server

pytestmark = pytest.mark.slow

PACKAGE = "marketplace_client"
CONFIG = f"""\
project_name_override: marketplace-client
package_name_override: {PACKAGE}
post_hooks: []
"""


def generate_client(spec_url: str, where: Path):
    """Generate the client package from the served document and import it."""
    spec = where / "openapi.json"
    with urllib.request.urlopen(spec_url, timeout=30) as answer:
        spec.write_bytes(answer.read())
    config = where / "config.yaml"
    config.write_text(CONFIG)
    generator = Path(sys.executable).with_name("openapi-python-client")
    result = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(spec),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The generator says so when it leaves part of the document out.
    assert "Warning" not in result.stdout + result.stderr, result.stdout
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))


@pytest.fixture
def forget_client():
    yield
    for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def test_a_generated_client_logs_in_reads_and_applies(
    app, database_url, tmp_path, forget_client
):
    factories.make_user(email="v@example.org")
    organization = factories.make_organization()
    organization.lat, organization.lon = 13.7563, 100.5018
    organization.location_label = "สวนลุมพินี"
    opportunity = factories.make_opportunity(organization, title="ปลูกป่าชายเลน")
    db.session.commit()
    shift_id = opportunity.shifts[0].id

    with gunicorn_server(database_url, workers=1) as base:
        client_package = generate_client(f"{base}/api/openapi.json", tmp_path)
        from marketplace_client import AuthenticatedClient, Client
        from marketplace_client.api.api_accounts import post_api_v1_tokens
        from marketplace_client.api.api_opportunities import (
            get_api_v1_opportunities,
            get_api_v1_opportunities_opportunity_id,
        )
        from marketplace_client.api.api_privacy import get_api_v1_me_export
        from marketplace_client.api.api_volunteers import (
            post_api_v1_shifts_shift_id_applications,
        )
        from marketplace_client.models import (
            Application,
            ApplyIn,
            Export,
            Location,
            OpportunityDetail,
            OpportunityPage,
            Token,
            TokenCreate,
        )

        assert client_package.__name__ == PACKAGE
        anonymous = Client(base_url=base, raise_on_unexpected_status=True)
        token = post_api_v1_tokens.sync(
            client=anonymous,
            body=TokenCreate(email="v@example.org", password=factories.PASSWORD),
        )
        assert isinstance(token, Token) and token.token
        volunteer = AuthenticatedClient(
            base_url=base, token=token.token, raise_on_unexpected_status=True
        )

        page = get_api_v1_opportunities.sync(client=volunteer, q="ป่าชายเลน")
        assert isinstance(page, OpportunityPage)
        assert page.total == 1 and page.items[0].id == opportunity.id

        one = get_api_v1_opportunities_opportunity_id.sync(
            opportunity.id, client=volunteer
        )
        assert isinstance(one, OpportunityDetail)
        assert isinstance(one.location, Location)
        assert (one.location.lat, one.location.lon) == (13.7563, 100.5018)
        assert one.location.label == "สวนลุมพินี"
        assert one.organization.id == organization.id
        assert [shift.id for shift in one.shifts] == [shift_id]
        assert one.shifts[0].spots_left == 10

        applied = post_api_v1_shifts_shift_id_applications.sync(
            shift_id, client=volunteer, body=ApplyIn(message="ยินดีช่วยค่ะ")
        )
        assert isinstance(applied, Application)
        assert (applied.shift_id, applied.status) == (shift_id, "accepted")
        assert applied.message == "ยินดีช่วยค่ะ"
        # The whole answer round-trips through the typed model.
        assert json.loads(json.dumps(applied.to_dict()))["id"] == applied.id

        export = get_api_v1_me_export.sync(client=volunteer)
        assert isinstance(export, Export)
        assert [row.shift_id for row in export.applications] == [shift_id]
        assert export.applications[0].opportunity == "ปลูกป่าชายเลน"
