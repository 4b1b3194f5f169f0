"""Staff: verification queue, approval queue, audit log and the overview."""

from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from .. import access
from ..access import staff_required
from ..applications import queries as application_queries
from ..applications import services as workflow
from ..audit import record_event
from ..errors import DomainError
from ..extensions import db
from ..inputs import link_args, page_number, record_ids
from ..models import (
    Application,
    ApplicationStatus,
    AuditEvent,
    Cause,
    Organization,
    OrganizationStatus,
    ProposalRun,
    RunStatus,
    User,
    utcnow,
)
from ..organizations import services as organizations
from ..privacy.consents import profile_not_shared
from ..privacy.services import log_staff_view
from ..web import committing
from . import audit_text
from .forms import AuditFilterForm, QueueFilterForm, ReasonForm
from .proposals import start_run

bp = Blueprint("staff", __name__, url_prefix="/staff")

LONG_WAIT = timedelta(hours=48)
PAGE_SIZE = 50


@bp.get("/")
@staff_required
def overview():
    """Counts by status, organisations waiting, applications waiting over 48 h."""
    applications = dict(
        db.session.execute(
            sa.select(Application.status, sa.func.count()).group_by(Application.status)
        ).all()
    )
    organizations_by_status = dict(
        db.session.execute(
            sa.select(Organization.status, sa.func.count()).group_by(
                Organization.status
            )
        ).all()
    )
    long_waiting = db.session.scalar(
        sa.select(sa.func.count(Application.id)).where(
            Application.status == ApplicationStatus.ACCEPTED,
            Application.status_changed_at < utcnow() - LONG_WAIT,
        )
    )
    return render_template(
        "staff/overview.html",
        applications=[(s, applications.get(s, 0)) for s in ApplicationStatus],
        organizations=[
            (s, organizations_by_status.get(s, 0)) for s in OrganizationStatus
        ],
        long_waiting=long_waiting or 0,
    )


QUEUE_TABS = (
    OrganizationStatus.PENDING,
    OrganizationStatus.VERIFIED,
    OrganizationStatus.REJECTED,
)
MAX_NAME_SEARCH = 200


@bp.get("/organizations")
@staff_required
def verification_queue():
    """Organisations by status (tabs, oldest first), searchable by name."""
    try:
        status = OrganizationStatus(request.args.get("status", "pending"))
    except ValueError:
        status = OrganizationStatus.PENDING
    name = " ".join(request.args.get("q", "").split())[:MAX_NAME_SEARCH]
    query = (
        sa.select(Organization)
        .where(Organization.status == status)
        .options(so.selectinload(Organization.causes))
        .order_by(Organization.created_at, Organization.id)
    )
    counts_query = sa.select(Organization.status, sa.func.count()).group_by(
        Organization.status
    )
    if name:
        matches = sa.or_(
            Organization.name_th.icontains(name, autoescape=True),
            Organization.name_en.icontains(name, autoescape=True),
        )
        query = query.where(matches)
        counts_query = counts_query.where(matches)
    counts = dict(db.session.execute(counts_query).all())
    return render_template(
        "staff/organizations.html",
        organizations=db.session.scalars(query).all(),
        form=ReasonForm(),
        status=status,
        tabs=[(tab, counts.get(tab, 0)) for tab in QUEUE_TABS],
        q=name,
    )


def _organization_action(
    organization_id: int, action, done: Callable[[str], str], *args
):
    """Act on an organisation; back to the tab it was on, the message naming it."""
    organization = access.get_organization_or_404(organization_id)
    tab = organization.status.value
    name = organization.name(str(get_locale()))
    with committing(done(name)):
        action(current_user, organization, *args)
    return redirect(url_for(".verification_queue", status=tab))


@bp.post("/organizations/<int:organization_id>/verify")
@staff_required
def verify(organization_id: int):
    """Verify an organisation."""
    return _organization_action(
        organization_id,
        organizations.verify_organization,
        lambda name: _("%(name)s was verified.", name=name),
    )


@bp.post("/organizations/<int:organization_id>/reject")
@staff_required
def reject_organization(organization_id: int):
    """Refuse verification, with a reason."""
    form = ReasonForm()
    return _organization_action(
        organization_id,
        organizations.reject_organization,
        lambda name: _(
            "%(name)s was not verified; its members see your reason.", name=name
        ),
        form.reason.data or "",
    )


@bp.post("/organizations/<int:organization_id>/auto-approve")
@staff_required
def auto_approve(organization_id: int):
    """Trust (or stop trusting) an organisation's matches without staff approval."""
    trusted = request.form.get("trusted") == "yes"

    def done(name: str) -> str:
        if trusted:
            return _(
                "%(name)s is trusted: its matches are approved automatically.",
                name=name,
            )
        return _("%(name)s is no longer trusted: staff approve its matches.", name=name)

    return _organization_action(
        organization_id, organizations.set_auto_approve, done, trusted
    )


@bp.post("/organizations/<int:organization_id>/kind")
@staff_required
def set_organization_kind(organization_id: int):
    """Set an organisation's part at the expo: partner, giving partner, …"""
    kind = request.form.get("kind", "")

    def done(name: str) -> str:
        return _("%(name)s: its part at the expo is saved.", name=name)

    return _organization_action(organization_id, organizations.set_kind, done, kind)


def waited_text(waited: timedelta) -> str:
    """How long a match has waited, in words: minutes, hours, then days."""
    minutes = int(waited.total_seconds() // 60)
    if minutes < 60:
        return ngettext(
            "waiting %(num)d minute", "waiting %(num)d minutes", max(minutes, 1)
        )
    if minutes < 48 * 60:
        return ngettext("waiting %(num)d hour", "waiting %(num)d hours", minutes // 60)
    return ngettext("waiting %(num)d day", "waiting %(num)d days", minutes // 1440)


@bp.get("/approvals")
@staff_required
def approval_queue():
    """Accepted applications waiting for staff, longest waiting first."""
    form = QueueFilterForm(request.args)
    locale = str(get_locale())
    form.cause.choices = [("", _("All causes"))] + [
        (cause.slug, cause.name(locale))
        for cause in db.session.scalars(sa.select(Cause).order_by(Cause.position))
    ]
    form.validate()
    query = application_queries.approval_queue(
        organization_id=form.organization.data,
        cause=form.cause.data or None,
        starts_after=form.starts_after.data,
        starts_before=form.starts_before.data,
    )
    page = db.paginate(
        query, page=page_number(), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE
    )
    verified = db.session.scalars(
        sa.select(Organization)
        .where(Organization.status == OrganizationStatus.VERIFIED)
        .order_by(Organization.name_th)
    ).all()
    html = render_template(
        "staff/approvals.html",
        page=page,
        form=form,
        organizations=verified,
        reason_form=ReasonForm(),
        now=utcnow(),
        not_shared=profile_not_shared([a.volunteer_id for a in page.items]),
        waited_text=waited_text,
        args=link_args(request.args, "page"),
    )
    if log_staff_view(
        current_user, "approval_queue", [a.volunteer_id for a in page.items]
    ):
        db.session.commit()
    return html


@bp.post("/approvals")
@staff_required
def decide_approvals():
    """Approve or reject the chosen applications (one or many)."""
    ids = record_ids(request.form.getlist("application"))
    decision = request.form.get("decision")
    reason = request.form.get("reason", "")
    # A row's own button decides that row alone: "approve:12" or "reject:12".
    decision, _colon, one = request.form.get("one", decision or "").partition(":")
    if one:
        ids = record_ids([one])
        reason = request.form.get(f"reason-{one}", "")
    if not ids or decision not in ("approve", "reject"):
        flash(_("Choose applications and a decision."), "warning")
        return redirect(url_for(".approval_queue"))
    done = _("%(n)d applications done.", n=len(ids))
    with committing(done):
        workflow.decide_many(current_user, ids, decision == "approve", reason)
    return redirect(url_for(".approval_queue", **link_args(request.args)))


@bp.get("/audit")
@staff_required
def audit_log():
    """Everything staff and members did, newest first, with filters."""
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("Every action except personal-data views"))]
    form.action.choices += audit_text.action_choices()
    action = form.action.data if form.action.data in audit_text.ACTIONS else ""
    actor = (form.actor.data or "").replace("\x00", "").strip()[:254]
    if action == audit_text.PERSONAL_DATA_VIEWED:
        return render_template(
            "staff/audit.html",
            form=form,
            groups=audit_text.personal_data_views(actor),
        )
    query = (
        sa.select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .order_by(AuditEvent.id.desc())
    )
    if action:
        query = query.where(AuditEvent.action == action)
    else:
        # Views of personal data are many; they have their own grouped view.
        query = query.where(AuditEvent.action != audit_text.PERSONAL_DATA_VIEWED)
    if actor:
        query = query.where(User.email.contains(actor.lower()))
    page = page_number()
    rows = db.session.execute(
        query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    events = [event for event, _user in rows[:PAGE_SIZE]]
    return render_template(
        "staff/audit.html",
        rows=rows[:PAGE_SIZE],
        names=audit_text.target_names(events, str(get_locale())),
        audit_action=audit_text.action_label,
        audit_details=audit_text.details_text,
        has_more=len(rows) > PAGE_SIZE,
        page=page,
        form=form,
        args=link_args(request.args, "page"),
    )


@bp.route("/proposals", methods=["GET", "POST"])
@staff_required
def proposals():
    """Start a marketplace-wide proposal, and see the recent ones."""
    locale = str(get_locale())
    causes = db.session.scalars(sa.select(Cause).order_by(Cause.position)).all()
    if request.method == "POST":
        run = ProposalRun(
            created_by_id=current_user.id,
            filters={
                "causes": request.form.getlist("cause"),
                "organizations": [
                    int(i) for i in request.form.getlist("organization") if i.isdigit()
                ],
                "first_day": request.form.get("first_day") or None,
                "last_day": request.form.get("last_day") or None,
            },
        )
        db.session.add(run)
        db.session.flush()
        record_event(current_user, "proposal.started", run)
        start_run(run)
        db.session.commit()
        return redirect(url_for(".proposal", run_id=run.id))
    runs = db.session.scalars(
        sa.select(ProposalRun).order_by(ProposalRun.id.desc()).limit(10)
    ).all()
    organizations = db.session.scalars(
        sa.select(Organization)
        .where(Organization.status == OrganizationStatus.VERIFIED)
        .order_by(Organization.name_th)
    ).all()
    return render_template(
        "staff/proposals.html",
        runs=runs,
        causes=[(cause.slug, cause.name(locale)) for cause in causes],
        organizations=organizations,
    )


@bp.get("/proposals/<int:run_id>")
@staff_required
def proposal(run_id: int):
    """Progress of a run, then its result: optimal vs greedy, and the rows."""
    run = db.session.get(ProposalRun, run_id)
    if run is None:
        abort(404)
    return render_template("staff/proposal.html", run=run)


@bp.post("/proposals/<int:run_id>/invite")
@staff_required
def invite_proposed(run_id: int):
    """Send the chosen rows as invitations."""
    run = db.session.get(ProposalRun, run_id)
    if run is None or run.status is not RunStatus.DONE:
        abort(404)
    proposed = {(row["volunteer_id"], row["shift_id"]) for row in run.rows}
    sent = failed = 0
    for value in request.form.getlist("row"):
        volunteer_text, _colon, shift_text = value.partition(":")
        if not (volunteer_text.isdigit() and shift_text.isdigit()):
            continue
        pair = (int(volunteer_text), int(shift_text))
        volunteer = db.session.get(User, pair[0]) if pair in proposed else None
        if volunteer is None:
            failed += 1
            continue
        try:  # each invitation on its own savepoint: a refused one is skipped
            with db.session.begin_nested():
                workflow.invite_volunteer(current_user, pair[1], volunteer)
        except DomainError:
            failed += 1
            continue
        sent += 1
    db.session.commit()
    flash(
        _("%(sent)d invitations sent, %(failed)d skipped.", sent=sent, failed=failed),
        "info",
    )
    return redirect(url_for(".proposal", run_id=run_id))
