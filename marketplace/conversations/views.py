"""The conversation pages: a shift's conversation, the shared inbox, a volunteer's
thread with a shift, and writing to an opportunity's volunteers."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from .. import access
from ..access import role_required
from ..auth.limits import mark_message_sent, shift_message_limit
from ..extensions import db
from ..models import Application, Opportunity, Role, Shift, utcnow
from ..web import committing
from . import services
from .forms import MessageForm, ReplyForm, audience_labels

bp = Blueprint("conversations", __name__)


@bp.app_template_global("message_max_body")
def _max_body() -> int:
    return services.MAX_BODY


@bp.app_template_global()
def message_counts(applications: list[Application]) -> dict[str, int]:
    """How many of a shift's loaded applicants each group reaches (compose forms)."""
    return services.counts_of(applications, current_user)


@bp.app_template_global()
def opportunity_message_counts(
    opportunity: Opportunity, by_shift: dict[int, list[Application]]
) -> dict[str, int]:
    """How many volunteers each group reaches over the shifts not yet ended."""
    shifts = services.upcoming_shifts(opportunity, utcnow())
    counts = [services.counts_of(by_shift[s.id], current_user) for s in shifts]
    return {
        group: sum(count[group] for count in counts)
        for group in ("held", "waitlisted", "all")
    }


@bp.app_template_global()
def audience_choices(counts: dict[str, int]) -> list[tuple[str, str]]:
    """The "send to" choices with their counts, for a compose form."""
    return audience_labels(counts)


@bp.app_template_global()
def message_threads(applications: list[Application]) -> set[int]:
    """The shifts (of My shifts) where the current volunteer has a thread."""
    return services.threads_of(current_user, [a.shift_id for a in applications])


@bp.app_template_global()
def inbox_unread(organization_id: int) -> int:
    """Unread entries of the organisation's conversations for the current member."""
    return services.unread_total(current_user, organization_id)


# --- The organisation's side --------------------------------------------------------


def _conversation_page(shift: Shift, form: MessageForm, status: int = 200):
    entries = services.conversation(shift)
    last_read = services.last_read_id(current_user, shift)
    counts = services.recipient_counts([shift.id], current_user)[shift.id]
    page = render_template(
        "conversations/conversation.html",
        shift=shift,
        counts=counts,
        entries=entries,
        last_read=last_read,
        form=form,
        is_member=access.is_member(current_user, shift),
        me=current_user.id,
    )
    services.mark_read(current_user, shift, entries)
    db.session.commit()
    return page, status


@bp.get("/manage/shifts/<int:shift_id>/messages")
@login_required
def conversation(shift_id: int):
    """A shift's conversation (members; its leads on its day); opening reads it."""
    shift = services.shift_for_conversation(shift_id, current_user)
    return _conversation_page(shift, MessageForm())


@bp.post("/manage/shifts/<int:shift_id>/messages")
@login_required
@shift_message_limit
def send(shift_id: int):
    """Write to the shift's volunteers in the chosen group."""
    shift = services.shift_for_conversation(shift_id, current_user)
    form = MessageForm()
    if form.validate_on_submit():
        with committing(form=form) as sent:
            message = services.send_to_shift(
                current_user, shift, form.body.data, form.to.data
            )
        if sent:
            mark_message_sent()
            flash(
                ngettext(
                    "Sent to %(num)d volunteer.",
                    "Sent to %(num)d volunteers.",
                    message.recipients,
                ),
                "success",
            )
            return redirect(url_for(".conversation", shift_id=shift.id))
    return _conversation_page(shift, form, status=422)


@bp.post("/manage/shifts/<int:shift_id>/messages/unread")
@login_required
def mark_unread(shift_id: int):
    """Show the conversation as unread again (for the member who asks)."""
    shift = services.shift_for_conversation(shift_id, current_user)
    with committing(_("Marked as unread.")):
        services.mark_unread(current_user, shift)
    if access.is_member(current_user, shift):
        organization_id = shift.opportunity.organization_id
        return redirect(url_for(".inbox", organization_id=organization_id))
    return redirect(url_for(".conversation", shift_id=shift.id))


@bp.post("/manage/opportunities/<int:opportunity_id>/messages")
@role_required(Role.ORGANIZER)
@shift_message_limit
def send_to_opportunity(opportunity_id: int):
    """Write to the volunteers of every shift of the opportunity not yet ended."""
    opportunity = access.get_opportunity_or_404(
        opportunity_id, for_user=current_user, action=access.ACT
    )
    back = url_for(
        "organizations.applicants", opportunity_id=opportunity.id, _anchor="message"
    )
    form = MessageForm()
    if not form.validate_on_submit():
        for problems in form.errors.values():
            for problem in problems:
                flash(str(problem), "danger")
        return redirect(back)
    with committing() as sent:
        messages = services.send_to_opportunity(
            current_user, opportunity, form.body.data, form.to.data
        )
    if not sent:
        return redirect(back)
    mark_message_sent()
    reached = sum(message.recipients for message in messages)
    flash(
        _(
            "Sent to %(people)d volunteers on %(shifts)d shifts.",
            people=reached,
            shifts=len(messages),
        ),
        "success",
    )
    return redirect(back)


@bp.get("/organizations/<int:organization_id>/inbox")
@login_required
def inbox(organization_id: int):
    """The organisation's shared inbox: shifts with conversations, newest first."""
    organization = access.get_organization_or_404(
        organization_id, for_user=current_user, action=access.ACT
    )
    return render_template(
        "conversations/inbox.html",
        organization=organization,
        rows=services.inbox(current_user, organization.id),
    )


# --- The volunteer's side -------------------------------------------------------------


def _thread_page(shift: Shift, form: ReplyForm, status: int = 200):
    entries = services.thread(current_user, shift)
    return render_template(
        "conversations/thread.html",
        shift=shift,
        entries=entries,
        members=services.member_ids(shift.opportunity.organization_id),
        form=form,
        open=shift.ends_at + services.REPLY_WINDOW > utcnow(),
    ), status


@bp.get("/me/shifts/<int:shift_id>/messages")
@role_required(Role.VOLUNTEER)
def thread(shift_id: int):
    """The volunteer's thread with a shift: messages to them and their answers."""
    shift = services.thread_shift(current_user, shift_id)
    return _thread_page(shift, ReplyForm())


@bp.post("/me/shifts/<int:shift_id>/messages")
@role_required(Role.VOLUNTEER)
def reply(shift_id: int):
    """Answer in the thread: the organisation's members see it in the conversation."""
    shift = services.thread_shift(current_user, shift_id)
    form = ReplyForm()
    if form.validate_on_submit():
        with committing(_("Your answer is sent."), form=form, errors_on="body") as ok:
            services.reply(current_user, shift, form.body.data)
        if ok:
            return redirect(url_for(".thread", shift_id=shift.id, _anchor="answer"))
    return _thread_page(shift, form, status=422)
