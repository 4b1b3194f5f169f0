"""Staff run the marketplace-wide proposal and send chosen rows as invitations."""

import sqlalchemy as sa

from marketplace.auth.services import record_consents
from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    AvailabilityWindow,
    ConsentPurpose,
    ProposalRun,
    Role,
    RunStatus,
    Skill,
)
from tests import factories
from tests.functional.test_recommendations import next_weekday


def make_marketplace(volunteers: int = 4) -> list:
    big = factories.make_organization(name="องค์กรใหญ่")
    small = factories.make_organization(name="องค์กรเล็ก")
    saturday = next_weekday(5, 10)
    factories.make_opportunity(big, title="งานใหญ่", starts=saturday, capacity=3)
    factories.make_opportunity(small, title="งานเล็ก", starts=saturday, capacity=1)
    teaching = db.session.scalars(
        sa.select(Skill).where(Skill.slug == "teaching")
    ).all()
    people = []
    for number in range(volunteers):
        user = factories.make_user(email=f"p{number}@example.org")
        user.profile.skills = teaching
        user.profile.lat, user.profile.lon = 13.75, 100.54
        user.profile.max_distance_km = 20
        user.profile.availability = [
            AvailabilityWindow(weekday=5, start_minute=480, end_minute=1080)
        ]
        record_consents(user, {ConsentPurpose.MATCHING: number != 0}, "test")
        people.append(user)
    db.session.commit()
    return people


def test_run_review_and_invite(client, auth):
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    people = make_marketplace()
    auth.login("s@example.org")
    response = client.post("/staff/proposals", data={"cause": ["education"]})
    assert response.status_code == 302
    run = db.session.scalar(sa.select(ProposalRun))
    assert run.status is RunStatus.DONE, run.error
    assert run.summary["volunteers"] == 3  # the one without consent is left out
    optimal, greedy = run.summary["optimal"], run.summary["greedy"]
    assert optimal["placed"] == 3 and optimal["organizations_covered"] == 2
    assert optimal["total_score"] >= greedy["total_score"] - 1e-9
    page = client.get(f"/staff/proposals/{run.id}").get_data(as_text=True)
    assert 'data-testid="summary"' in page and "องค์กรเล็ก" in page
    assert people[0].id not in {row["volunteer_id"] for row in run.rows}
    chosen = [f"{row['volunteer_id']}:{row['shift_id']}" for row in run.rows[:2]]
    client.post(f"/staff/proposals/{run.id}/invite", data={"row": [*chosen, "9:9"]})
    invited = db.session.scalars(
        sa.select(Application).where(Application.status == ApplicationStatus.INVITED)
    ).all()
    assert len(invited) == 2


def test_the_command_runs_a_queued_proposal(app):
    make_marketplace(2)
    run = ProposalRun(filters={})
    db.session.add(run)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["propose-matches", str(run.id)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(ProposalRun, run.id).status is RunStatus.DONE
    again = app.test_cli_runner().invoke(args=["propose-matches", str(run.id)])
    assert again.exit_code != 0


def test_the_page_queues_the_run_for_the_consumer(client, auth, held_jobs):
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    make_marketplace(2)
    auth.login("s@example.org")
    response = client.post("/staff/proposals", data={})
    run = db.session.scalar(sa.select(ProposalRun))
    assert response.headers["Location"].endswith(f"/staff/proposals/{run.id}")
    # The request only queued it: the page shows the run waiting.
    assert run.status is RunStatus.QUEUED
    page = client.get(f"/staff/proposals/{run.id}").get_data(as_text=True)
    assert 'data-testid="progress"' in page and "waiting-for-queue" in page
    [task] = held_jobs.pending()
    assert type(task).__name__ == "run_proposal_task" and task.args == (run.id,)
    held_jobs.execute(task)
    db.session.commit()  # end the test's read, see the task's
    assert db.session.get(ProposalRun, run.id).status is RunStatus.DONE
    page = client.get(f"/staff/proposals/{run.id}").get_data(as_text=True)
    assert 'data-testid="summary"' in page
    # A second delivery of the same task (a retry, a restarted consumer) is harmless.
    finished = db.session.get(ProposalRun, run.id).finished_at
    held_jobs.execute(task)
    db.session.commit()  # end the test's read, see the task's
    assert db.session.get(ProposalRun, run.id).finished_at == finished


def test_a_rolled_back_start_queues_nothing(app, held_jobs):
    from marketplace.staff.proposals import start_run

    run = ProposalRun(filters={})
    db.session.add(run)
    db.session.flush()
    start_run(run)
    db.session.rollback()
    assert held_jobs.pending() == []


def test_filters_narrow_the_run(client, auth):
    from marketplace.models import Organization

    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    make_marketplace(3)
    small = db.session.scalar(
        sa.select(Organization).where(Organization.name_th == "องค์กรเล็ก")
    )
    auth.login("s@example.org")
    client.post("/staff/proposals", data={"organization": [str(small.id)]})
    run = db.session.scalar(sa.select(ProposalRun))
    assert run.summary["shifts"] == 1 and run.summary["optimal"]["placed"] == 1
    assert {row["organization"] for row in run.rows} == {"องค์กรเล็ก"}
