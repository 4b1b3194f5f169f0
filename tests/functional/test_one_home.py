"""One home per rule: consent is read in one module; "open shift" is one definition."""

import ast
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.applications import services as workflow
from marketplace.applications.openness import is_open, shift_open
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.main.queries import listed_opportunity_ids
from marketplace.models import (
    ConsentPurpose,
    Opportunity,
    OpportunityStatus,
    OrganizationStatus,
    Shift,
    utcnow,
)
from marketplace.privacy import consents
from tests import factories

PACKAGE = Path(__file__).resolve().parents[2] / "marketplace"


def _reads_consent(source: str) -> bool:
    """Whether code uses the Consent model or a user's `.consents` rows."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and any(
            alias.name == "Consent" for alias in node.names
        ):
            return True
        if isinstance(node, ast.Name) and node.id == "Consent":
            return True
        if isinstance(node, ast.Attribute) and node.attr == "consents":
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in {"user", "current_user"}:
                return True
    return False


def test_only_privacy_consents_reads_consent_rows():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.parent.name != "models"
        and path != PACKAGE / "privacy" / "consents.py"
        and _reads_consent(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert _reads_consent("for c in user.consents: pass")
    assert _reads_consent("from ..models import Consent")


def test_consent_state_in_python_and_sql_agree(app):
    users = [factories.make_user() for _ in range(4)]
    consents.record_consents(users[1], {ConsentPurpose.MATCHING: True}, "v1")
    consents.record_consents(users[2], {ConsentPurpose.MATCHING: True}, "v1")
    consents.record_consents(users[2], {ConsentPurpose.MATCHING: False}, "v2")
    consents.record_consents(users[3], {ConsentPurpose.PROFILE_SHARING: False}, "v1")
    db.session.flush()
    for purpose in consents.PURPOSES:
        in_sql = set(db.session.scalars(consents.users_granting(purpose)))
        in_python = {u.id for u in users if consents.has_consented(u, purpose)}
        assert in_sql & {u.id for u in users} == in_python, purpose
    assert consents.profile_not_shared([u.id for u in users]) == {users[3].id}
    assert [c.notice_version for c in consents.history(users[2])][:2] == ["v2", "v1"]


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


def test_open_shift_means_the_same_in_sql_python_listing_and_applying(in_request):
    """Every combination of status, organisation and start: one answer everywhere."""
    now = utcnow()
    volunteer = factories.make_user()
    cases = []
    for status, verified, started in itertools.product(
        OpportunityStatus, (True, False), (True, False)
    ):
        organization = factories.make_organization(
            status=OrganizationStatus.VERIFIED
            if verified
            else OrganizationStatus.PENDING
        )
        starts = now - timedelta(hours=1) if started else now + timedelta(days=3)
        opportunity = factories.make_opportunity(
            organization, status=status, starts=starts, skills=()
        )
        cases.append((status, verified, started, opportunity.shifts[0]))
    db.session.flush()
    open_in_sql = set(
        db.session.scalars(
            sa.select(Shift.id)
            .join(Shift.opportunity)
            .join(Opportunity.organization)
            .where(*shift_open(now))
        )
    )
    listed = set(db.session.scalars(listed_opportunity_ids(now)))
    for status, verified, started, shift in cases:
        expected = status is OpportunityStatus.PUBLISHED and verified and not started
        assert is_open(shift, now) is expected, (status, verified, started)
        assert (shift.id in open_in_sql) is expected, (status, verified, started)
        assert (shift.opportunity_id in listed) is expected, (status, verified, started)
        if not verified or status is OpportunityStatus.DRAFT:
            continue  # not visible at all: 404 before any rule
        if expected:
            assert workflow.apply_to_shift(volunteer, shift.id, now=now) is not None
            continue
        with pytest.raises(Conflict) as refused:
            workflow.apply_to_shift(volunteer, shift.id, now=now)
        assert refused.value.code == "shift_closed", (status, started)
