"""An opportunity's own questions, the applicants' answers, and reading them back.

Organisations add questions (short text, one choice, several choices), required
or optional, in Thai and English; the apply form asks them; the answers are kept
on the application (`Application.answers`: question id -> text, a choice's value,
or a list of values). `answers_for` reads them back for reviewers, the CSV, the
API and the roster. Nothing here commits.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .. import access
from ..audit import record_event
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..inputs import check_length
from ..models import Application, Opportunity, Question, QuestionKind, Shift, User

# The longest answer to a short-text question, and the most choices a question has.
ANSWER_CHARS = 500
MAX_CHOICES = 30
MAX_QUESTIONS = 20


def field_name(question: Question) -> str:
    """The form (and API `fields`) name of a question's answer."""
    return f"question_{question.id}"


# --- Organisations: asking ----------------------------------------------------------


@dataclass
class QuestionInput:
    """A new question as an organisation writes it (choices one per line)."""

    kind: str
    label_th: str
    label_en: str = ""
    choices: str = ""  # one choice a line: "ไทย | English" or just "ไทย"
    required: bool = False


def _parse_choices(text: str) -> list[dict]:
    choices = []
    for line in (text or "").splitlines():
        thai, _sep, english = line.partition("|")
        thai, english = thai.strip(), english.strip()
        if not thai and not english:
            continue
        choices.append(
            {"value": str(len(choices) + 1), "th": thai or english, "en": english}
        )
    return choices


def add_question(
    member: User, opportunity: Opportunity, data: QuestionInput
) -> Question:
    """Add a question at the end of the opportunity's apply form (its members)."""
    access.require(member, access.ACT, opportunity)
    problems: dict[str, list[str]] = {}
    try:
        kind = QuestionKind(data.kind)
    except ValueError:
        kind = None
        problems["kind"] = [str(_l("Choose what kind of answer you want."))]
    label_th, label_en = (data.label_th or "").strip(), (data.label_en or "").strip()
    if not label_th:
        problems["label_th"] = [str(_l("Write the question in Thai."))]
    check_length("label_th", label_th, Question.label_th)
    check_length("label_en", label_en, Question.label_en)
    choices = _parse_choices(data.choices) if kind is not QuestionKind.TEXT else []
    if kind in (QuestionKind.CHOICE, QuestionKind.CHOICES) and len(choices) < 2:
        problems["choices"] = [str(_l("Give at least two choices, one a line."))]
    if len(choices) > MAX_CHOICES or any(
        len(c["th"]) > 100 or len(c["en"]) > 100 for c in choices
    ):
        problems["choices"] = [
            str(_l("At most 30 choices of at most 100 characters each."))
        ]
    if len(opportunity.questions) >= MAX_QUESTIONS:
        problems["label_th"] = [str(_l("An opportunity asks at most 20 questions."))]
    if problems:
        raise ValidationFailed(fields=problems)
    position = max((q.position for q in opportunity.questions), default=0) + 1
    question = Question(
        kind=kind,
        label_th=label_th,
        label_en=label_en,
        choices=choices,
        required=bool(data.required),
        position=position,
    )
    opportunity.questions.append(question)
    db.session.flush()
    record_event(member, "question.added", opportunity, question=question.id)
    return question


def remove_question(member: User, question_id: int) -> Opportunity:
    """Remove a question (answers already given stay on the applications, unread)."""
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFound()
    opportunity = access.get_opportunity_or_404(
        question.opportunity_id, for_user=member, action=access.ACT
    )
    opportunity.questions.remove(question)
    db.session.flush()
    record_event(member, "question.removed", opportunity, question=question_id)
    return opportunity


# --- Volunteers: answering ----------------------------------------------------------


def check_answers(questions: Iterable[Question], given: Mapping) -> dict[str, object]:
    """The answers to keep, from what was sent (by question id or field name).

    Refuses (422, naming each question's field) a missing required answer, an
    unknown choice, or a text too long. Unknown questions are ignored.
    """
    answers: dict[str, object] = {}
    problems: dict[str, list[str]] = {}
    named: list[str] = []
    locale = _locale(None)
    for question in questions:
        name = field_name(question)
        raw = given.get(str(question.id), given.get(name))
        value, problem = _one_answer(question, raw)
        if not problem and value in (None, "", []) and question.required:
            problem = str(_l("Please answer this question."))
        if problem:
            problems[name] = [problem]
            named.append(question.label(locale))
        elif value not in (None, "", []):
            answers[str(question.id)] = value
    if problems:
        message = str(
            _l("Please check your answers: %(questions)s", questions=", ".join(named))
        )
        raise ValidationFailed(message, fields=problems)
    return answers


def _one_answer(question: Question, raw) -> tuple[object, str | None]:
    values = {choice["value"] for choice in question.choices}
    if question.kind is QuestionKind.TEXT:
        if raw is not None and not isinstance(raw, str):
            return None, str(_l("Write the answer as text."))
        text = (raw or "").strip()
        if len(text) > ANSWER_CHARS:
            return None, str(_l("Use at most %(max)d characters.", max=ANSWER_CHARS))
        return text, None
    if question.kind is QuestionKind.CHOICE:
        if isinstance(raw, list):
            raw = raw[0] if len(raw) == 1 else None
        if raw in (None, ""):
            return None, None
        if not isinstance(raw, str) or raw not in values:
            return None, str(_l("Choose one of the answers given."))
        return raw, None
    chosen = [raw] if isinstance(raw, str) else (raw or [])
    if not isinstance(chosen, list) or any(
        not isinstance(value, str) or value not in values for value in chosen
    ):
        return None, str(_l("Choose among the answers given."))
    return [c["value"] for c in question.choices if c["value"] in chosen], None


# --- Reading them back --------------------------------------------------------------


def _locale(locale: str | None) -> str:
    if locale:
        return locale
    return str(get_locale()) if has_request_context() else "th"


def answer_text(question: Question, value, locale: str = "th") -> str:
    """An answer as people read it: the text, or the chosen wording(s)."""
    if question.kind is QuestionKind.TEXT:
        return str(value)
    chosen = value if isinstance(value, list) else [value]
    return ", ".join(question.choice_label(str(v), locale) for v in chosen)


def questions_by_opportunity(opportunity_ids: Iterable[int]) -> dict[int, list]:
    """The questions of each opportunity, in order, in one query."""
    found: dict[int, list[Question]] = {}
    ids = set(opportunity_ids)
    if not ids:
        return found
    rows = db.session.scalars(
        sa.select(Question)
        .where(Question.opportunity_id.in_(ids))
        .order_by(Question.opportunity_id, Question.position, Question.id)
    )
    for question in rows:
        found.setdefault(question.opportunity_id, []).append(question)
    return found


def answers_for(
    applications: Iterable[Application], locale: str | None = None
) -> dict[int, dict[str, str]]:
    """Application id -> {question (in the locale): answer as text}, in form order.

    Unanswered questions are left out; questions removed since are not shown.
    One query for the questions, whatever the number of applications (their
    shifts must be loaded, or their shift ids are looked up in one more query).
    """
    applications = list(applications)
    locale = _locale(locale)
    opportunity_of = _opportunity_ids(applications)
    questions = questions_by_opportunity(set(opportunity_of.values()))
    result: dict[int, dict[str, str]] = {}
    for application in applications:
        given = application.answers or {}
        shown: dict[str, str] = {}
        for question in questions.get(opportunity_of[application.shift_id], []):
            value = given.get(str(question.id))
            if value in (None, "", []):
                continue
            shown[question.label(locale)] = answer_text(question, value, locale)
        result[application.id] = shown
    return result


def _opportunity_ids(applications: list[Application]) -> dict[int, int]:
    """Shift id -> opportunity id of the applications' shifts."""
    known = {
        a.shift_id: a.shift.opportunity_id
        for a in applications
        if "shift" in a.__dict__
    }
    shift_ids = {a.shift_id for a in applications} - set(known)
    if not shift_ids:
        return known
    return known | dict(
        db.session.execute(
            sa.select(Shift.id, Shift.opportunity_id).where(Shift.id.in_(shift_ids))
        ).all()
    )
