"""Outcome rounds: propose, comment, endorse, agree; report values; pledges."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..access import staff_required
from ..database import DB_INT_MAX
from ..edonation.services import verified_details
from ..errors import ValidationFailed
from ..exports import csv_response, local_date, timestamp, wants_machine_csv
from ..extensions import db
from ..i18n import lang_render_kw, to_bangkok
from ..impact.indicators import INDICATORS
from ..labels import PLEDGE_KIND_LABELS
from ..models import Cause, OutcomeStatus, utcnow
from ..web import committing, taxonomy_choices
from . import queries, services
from .forms import CommentForm, OutcomeForm, PledgeForm, ReportForm, RoundForm
from .progress import agreed_progress, progress_of

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")

HISTORY_LABELS = {
    "outcome.proposed": _l("proposed it"),
    "outcome.endorsed": _l("endorsed it"),
    "outcome.commented": _l("commented"),
    "outcome.agreed": _l("marked it agreed"),
    "outcome.set_aside": _l("set it aside"),
    "outcome.value_reported": _l("reported a value"),
}


def _locale() -> str:
    return str(get_locale())


def _cause_choices() -> list[tuple[str, str]]:
    return [("", _("— none —")), *taxonomy_choices(Cause)]


def _back_to(outcome) -> str:
    return url_for(".round_page", round_id=outcome.round_id) + f"#outcome-{outcome.id}"


@bp.get("/")
def rounds():
    """The outcome rounds."""
    return render_template(
        "outcomes/rounds.html",
        rounds=queries.rounds(),
        progress=agreed_progress(),
        may_see_pledges=services.may_see_pledges(current_user),
    )


@bp.route("/rounds/new", methods=["GET", "POST"])
@staff_required
def open_round():
    """Open a round of co-defining outcomes (staff)."""
    form = RoundForm()
    form.cause.choices = _cause_choices()
    if form.validate_on_submit():
        opened = _("Round opened. Stakeholders can now propose outcomes.")
        with committing(opened, form=form) as saved:
            outcome_round = services.open_round(
                current_user,
                services.RoundInput(
                    title_th=form.title_th.data or "",
                    title_en=form.title_en.data or "",
                    cause=form.cause.data or None,
                ),
            )
        if saved:
            return redirect(url_for(".round_page", round_id=outcome_round.id))
    return render_template("outcomes/round_form.html", form=form)


@bp.get("/rounds/<int:round_id>")
def round_page(round_id: int):
    """A round: its outcomes, endorsements, comments, history and progress."""
    outcome_round = services.get_round(round_id)
    view = queries.round_view(
        outcome_round, current_user, details=current_user.is_authenticated
    )
    member_of = (
        services.member_ids(current_user) if current_user.is_authenticated else set()
    )
    return render_template(
        "outcomes/round.html",
        view=view,
        progress=list(view.progress.values()),
        indicators=INDICATORS,
        history_labels=HISTORY_LABELS,
        comment_form=CommentForm(),
        can_propose=current_user.is_authenticated
        and (current_user.is_staff or bool(member_of)),
        member_of=member_of,
    )


def _proposal_choices(form: OutcomeForm) -> None:
    locale = _locale()
    form.cause.choices = _cause_choices()
    form.indicator_key.choices = [("", _("— reported: describe below —"))] + [
        (key, indicator.name_en if locale == "en" else indicator.name_th)
        for key, indicator in INDICATORS.items()
    ]
    organizations = queries.proposable_organizations(current_user)
    choices = [(str(o.id), o.name(locale)) for o in organizations]
    if current_user.is_staff:
        choices.insert(0, ("", _("The whole expo")))
    form.organization_id.choices = choices


def _int_or_none(text: str | None) -> int | None:
    """An id chosen in a form; -1 (unknown) when it is not one the database holds."""
    if text in (None, ""):
        return None
    try:
        number = int(text)
    except ValueError:
        return -1
    return number if 1 <= number <= DB_INT_MAX else -1


@bp.route("/rounds/<int:round_id>/propose", methods=["GET", "POST"])
@login_required
def propose(round_id: int):
    """Propose an outcome (members for their organisation; staff for any or all)."""
    outcome_round = services.get_round(round_id)
    if not (current_user.is_staff or services.member_ids(current_user)):
        abort(403)
    form = OutcomeForm()
    _proposal_choices(form)
    if request.method == "POST":
        organization_id = _int_or_none(form.organization_id.data)
        if not services.can_propose_for(current_user, organization_id):
            abort(403)
    if form.validate_on_submit():
        source = form.source.data
        data = services.OutcomeInput(
            name_th=form.name_th.data or "",
            name_en=form.name_en.data or "",
            source=source,
            indicator=(
                form.indicator_key.data
                if source == "computed"
                else form.indicator_text.data
            )
            or "",
            unit=form.unit.data or "",
            baseline=_number(form.baseline.data, default=0.0),
            target=_number(form.target.data),
            cause=form.cause.data or None,
            organization_id=organization_id,
        )
        proposed = _("Outcome proposed. Stakeholders can now endorse it.")
        with committing(proposed, form=form) as saved:
            outcome = services.propose_outcome(current_user, outcome_round, data)
        if saved:
            return redirect(_back_to(outcome))
        error = saved.error
        if not (isinstance(error, ValidationFailed) and error.fields):
            flash(error.message, "danger")  # e.g. the round closed meanwhile
            return redirect(url_for(".round_page", round_id=round_id))
        if "indicator" in error.fields:
            target = form.indicator_key if source == "computed" else None
            (target or form.indicator_text).errors = error.fields["indicator"]
    return render_template(
        "outcomes/propose.html", form=form, outcome_round=outcome_round
    )


def _number(text: str | None, default: float | None = None):
    """A number typed in a form (Thai users may type 1,500); None or text if bad."""
    text = (text or "").strip().replace(",", "")
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        return text


@bp.post("/rounds/<int:round_id>/close")
@staff_required
def close_round(round_id: int):
    """Close the round as agreed (staff)."""
    outcome_round = services.get_round(round_id)
    title = (
        outcome_round.title_en if str(get_locale()) == "en" else outcome_round.title_th
    )
    closed = _(
        "“%(title)s” is closed: its agreed outcomes are now tracked.", title=title
    )
    with committing(closed):
        services.close_round(current_user, outcome_round)
    return redirect(url_for(".round_page", round_id=round_id))


def _discussion(outcome_id: int, action, *args, done: str):
    outcome = services.get_outcome(outcome_id)
    with committing() as saved:
        result = action(current_user, outcome, *args)
    if saved and result is not False:
        flash(done, "success")
    return redirect(_back_to(outcome))


@bp.post("/<int:outcome_id>/endorse")
@login_required
def endorse(outcome_id: int):
    """Endorse an outcome (any stakeholder; once)."""
    return _discussion(outcome_id, services.endorse, done=_("Endorsed. Thank you."))


@bp.post("/<int:outcome_id>/comments")
@login_required
def add_comment(outcome_id: int):
    """Comment on an outcome (any stakeholder)."""
    form = CommentForm()
    return _discussion(
        outcome_id, services.comment, form.body.data or "", done=_("Comment added.")
    )


@bp.post("/<int:outcome_id>/agree")
@staff_required
def agree(outcome_id: int):
    """Mark an outcome agreed (staff)."""
    return _discussion(
        outcome_id, services.decide, OutcomeStatus.AGREED, done=_("Marked agreed.")
    )


@bp.post("/<int:outcome_id>/set-aside")
@staff_required
def set_aside(outcome_id: int):
    """Set an outcome aside (staff)."""
    return _discussion(
        outcome_id, services.decide, OutcomeStatus.SET_ASIDE, done=_("Set aside.")
    )


@bp.route("/<int:outcome_id>/report", methods=["GET", "POST"])
@login_required
def report(outcome_id: int):
    """Report a value for one of the caller's own opportunities (members)."""
    outcome = services.get_outcome(outcome_id)
    if not services.can_report(current_user, outcome):
        abort(403)
    opportunities = services.reportable_opportunities(current_user, outcome)
    form = ReportForm()
    locale = str(get_locale())
    form.opportunity_id.choices = [
        (str(o.id), o.title, lang_render_kw(o.title, locale)) for o in opportunities
    ]
    if form.validate_on_submit():
        data = services.ReportInput(
            opportunity_id=_int_or_none(form.opportunity_id.data),
            value=_number(form.value.data),
            note=form.note.data or "",
            evidence_url=form.evidence_url.data,
        )
        with committing(_("Value reported. Thank you."), form=form) as saved:
            services.report_value(current_user, outcome, data)
        if saved:
            return redirect(url_for(".report", outcome_id=outcome.id))
    own = services.member_ids(current_user)
    reported = list(db.session.scalars(queries.reported_values(outcome.id, own)))
    return render_template(
        "outcomes/report.html",
        form=form,
        outcome=outcome,
        reported=reported,
        opportunities={o.id: o for o in opportunities},
        progress=[
            item
            for item in progress_of([outcome])
            if outcome.status is OutcomeStatus.AGREED
        ],
        indicators=INDICATORS,
    )


def _pledge_scope() -> set[int] | None:
    """None (every pledge) for staff, else the caller's giving partners; 403 if none."""
    if current_user.is_staff:
        return None
    partners = services.giving_partner_ids(current_user)
    if not partners:
        abort(403)
    return partners


def _pledge_form(scope: set[int] | None) -> PledgeForm:
    form = PledgeForm()
    locale = _locale()
    partners = queries.giving_partners(services.giving_partner_ids(current_user))
    form.source_partner_id.choices = [(str(p.id), p.name(locale)) for p in partners]
    form.cause.choices = _cause_choices()
    form.organization_id.choices = [("", _("The expo's cause fund"))] + [
        (str(o.id), o.name(locale)) for o in queries.organizations_by_name()
    ]
    if not form.pledged_on.data and request.method == "GET":
        form.pledged_on.data = to_bangkok(utcnow()).date()
    return form


def _pledge_page(form: PledgeForm, scope: set[int] | None):
    pledges = list(db.session.scalars(queries.pledges_query(scope)).unique())
    return render_template(
        "outcomes/pledges.html",
        form=form,
        pledges=pledges,
        totals=queries.pledge_totals(scope),
        donate=verified_details(
            {p.organization_id for p in pledges if p.organization_id is not None}
        ),
    )


@bp.get("/pledges")
@login_required
def pledges():
    """Pledges and donations with totals by cause and partner (staff, partners)."""
    scope = _pledge_scope()
    return _pledge_page(_pledge_form(scope), scope)


@bp.post("/pledges")
@login_required
def record_pledge():
    """Record a pledge or donation (staff, or for one's own giving partner)."""
    scope = _pledge_scope()
    form = _pledge_form(scope)
    partner_id = _int_or_none(form.source_partner_id.data)
    if scope is not None and partner_id not in scope:
        abort(403)
    if form.validate_on_submit():
        data = services.PledgeInput(
            source_partner_id=partner_id,
            amount=form.amount_thb.data,
            kind=form.kind.data,
            cause=form.cause.data or None,
            organization_id=_int_or_none(form.organization_id.data),
            pledged_on=form.pledged_on.data,
            note=form.note.data or "",
        )
        with committing(_("Recorded."), form=form) as saved:
            services.record_pledge(current_user, data)
        if saved:
            return redirect(url_for(".pledges"))
    return _pledge_page(form, scope)


# The stable columns of `?format=machine` (docs/exports.md): never renamed.
PLEDGE_COLUMNS = (
    "pledge_id",
    "kind",
    "amount_thb",
    "cause",
    "beneficiary",
    "source_partner",
    "pledged_on",
    "note",
    "fulfilled_e_donation_at",
)
PLEDGE_HEADERS = (
    _l("Pledge number"),
    _l("Kind"),
    _l("Amount (THB)"),
    _l("Cause"),
    _l("Beneficiary"),
    _l("Giving partner"),
    _l("Date"),
    _l("Note"),
    _l("Received through e-Donation"),
)


def _pledge_row(pledge, locale: str, machine: bool) -> list:
    """One pledge's CSV row: codes and Thai names, or words in the user's language."""
    if machine:
        return [
            pledge.id,
            pledge.kind.value,
            f"{pledge.amount_thb:.2f}",
            pledge.cause.slug if pledge.cause else "",
            pledge.organization.name_th if pledge.organization else "",
            pledge.source_partner.name_th,
            pledge.pledged_on.isoformat(),
            pledge.note,
            timestamp(pledge.fulfilled_at),
        ]
    return [
        pledge.id,
        str(PLEDGE_KIND_LABELS[pledge.kind]),
        f"{pledge.amount_thb:.2f}",
        pledge.cause.name(locale) if pledge.cause else "",
        pledge.organization.name(locale)
        if pledge.organization
        else _("The expo's cause fund"),
        pledge.source_partner.name(locale),
        local_date(pledge.pledged_on),
        pledge.note,
        local_date(pledge.fulfilled_at),
    ]


@bp.get("/pledges.csv")
@login_required
def pledges_csv():
    """The visible pledges as CSV (UTF-8 with BOM, so Excel shows Thai).

    In the user's language; ``?format=machine`` gives PLEDGE_COLUMNS' stable form.
    """
    scope = _pledge_scope()
    machine, locale = wants_machine_csv(), str(get_locale())
    rows = [
        _pledge_row(pledge, locale, machine)
        for pledge in db.session.scalars(queries.pledges_query(scope)).unique()
    ]
    headers = PLEDGE_COLUMNS if machine else PLEDGE_HEADERS
    return csv_response(headers, rows, f"pledges-{to_bangkok(utcnow()):%Y%m%d}")
