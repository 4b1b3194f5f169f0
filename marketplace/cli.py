"""Flask commands: seed-demo, create-staff, send-mail, send-reminders, and more."""

import logging

import click
from flask import Flask, current_app

from .errors import ValidationFailed
from .extensions import db
from .i18n import to_bangkok
from .models import utcnow


def init_commands(app: Flask) -> None:
    """Register the marketplace's commands on the app."""
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_staff)
    app.cli.add_command(demo_logins)
    app.cli.add_command(send_mail)
    app.cli.add_command(send_reminders)
    app.cli.add_command(propose_matches)
    from .backup import backup, restore

    app.cli.add_command(backup)
    app.cli.add_command(restore)


@click.command("seed-demo")
@click.option(
    "--taxonomy-only", is_flag=True, help="Load causes and skills, no demo content."
)
def seed_demo(taxonomy_only: bool) -> None:
    """Load the causes and skills, and the expo demo when the database is empty."""
    from .seed import load_taxonomy
    from .seed.demo import DemoBuilder, has_content

    counts = load_taxonomy()
    click.echo(f"Taxonomy: {counts['cause']} causes, {counts['skill']} skills.")
    if taxonomy_only:
        db.session.commit()
        return
    if has_content():
        db.session.commit()
        click.echo("The database already has accounts: demo content not loaded.")
        return
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException(
            "Refusing to load demo accounts with a published password in production."
        )
    click.echo("Loading the Good Society Expo demo …")
    builder = DemoBuilder(
        to_bangkok(utcnow()).date(), current_app.config["NOTICE_VERSION"]
    )
    built = builder.build()
    db.session.commit()
    click.echo(", ".join(f"{count} {name}" for name, count in built.items()) + ".")


@click.command("create-staff")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="Staff", help="Display name.")
def create_staff(email: str, password: str, name: str) -> None:
    """Create a staff account (or make an existing account staff).

    On an existing account this also resets the password and the second factor.
    """
    from .auth.services import create_staff as make_staff

    try:
        user = make_staff(email, password, name)
    except ValidationFailed as error:
        problems = "; ".join(m for messages in error.fields.values() for m in messages)
        raise click.ClickException(problems) from None
    db.session.commit()
    click.echo(f"Staff account ready: {user.email}")


@click.command("demo-logins")
def demo_logins() -> None:
    """Print the demo accounts and their password."""
    from .seed.demo import demo_logins as logins

    for login in logins():
        click.echo(f"  {login.role:<20} {login.email:<26} password: {login.password}")
        click.echo(f"  {'':<20} try: {login.try_this}")


@click.command("send-mail")
@click.option("--limit", type=int, default=None, help="At most this many e-mails.")
def send_mail(limit: int | None) -> None:
    """Send pending e-mail deliveries and queued e-mails now (else: to the log)."""
    from .channels.delivery import deliver_now, pending_keys
    from .mail import deliver_outbox
    from .models import DeliveryStatus

    logging.getLogger("marketplace.mail").setLevel(logging.INFO)
    sent = failed = 0
    # Notifications waiting for the queue (or for a retry) go out now, each in
    # its own transaction, exactly as the queue would send them.
    for key in pending_keys("email")[:limit]:
        outcome = deliver_now(key, utcnow())
        db.session.commit()
        if outcome.status == DeliveryStatus.SENT:
            sent += 1
        elif outcome.status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED):
            failed += 1
    left = None if limit is None else max(limit - sent - failed, 0)
    report = deliver_outbox(current_app.config, limit=left)
    db.session.commit()
    click.echo(f"{report.sent + sent} sent, {report.failed + failed} failed.")


@click.command("send-reminders")
def send_reminders() -> None:
    """Queue a reminder for each approved shift of tomorrow (Bangkok), once."""
    from .reminders import queue_shift_reminders

    count = queue_shift_reminders(utcnow())
    db.session.commit()
    click.echo(f"{count} reminders queued.")


@click.command("propose-matches")
@click.argument("run_id", type=int)
def propose_matches(run_id: int) -> None:
    """Run a queued marketplace-wide proposal now (the queue normally runs it)."""
    from .staff.proposals import execute_run

    run = execute_run(run_id)
    click.echo(f"Run {run.id}: {run.status.value} {run.error or ''}".rstrip())
