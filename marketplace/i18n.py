"""Thai first: locale choice, Buddhist Era dates, and template helpers."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.support import NullTranslations, Translations
from babel.units import format_unit
from flask import Flask, current_app, session
from flask_babel import get_locale, get_translations, gettext
from flask_login import current_user
from jinja2.nodes import EvalContext
from jinja2.utils import pass_eval_context
from markupsafe import Markup, escape

BANGKOK = ZoneInfo("Asia/Bangkok")
BUDDHIST_ERA_OFFSET = 543

# Day patterns without the year; the year is added in the chosen era.
_DAY_PATTERNS = {
    "th": {
        "short": "d/M/",
        "medium": "d MMM",
        "long": "d MMMM",
        "full": "EEEEที่ d MMMM",
    },
    "en": {"short": "d/M/", "medium": "d MMM", "long": "d MMMM", "full": "EEEE d MMMM"},
}
_YEAR_PREFIX = {"th": {"long": "พ.ศ. ", "full": "พ.ศ. "}, "en": {}}
_THAI_LETTER = re.compile(r"[\u0e01-\u0e4e]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def select_locale() -> str:
    """Pick the user's saved language, else the session's, else Thai."""
    languages = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    return chosen if chosen in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Every user sees Asia/Bangkok time; times are stored in UTC."""
    return "Asia/Bangkok"


def to_bangkok(value: datetime) -> datetime:
    """Convert an aware datetime to Asia/Bangkok time."""
    return value.astimezone(BANGKOK)


def format_day(
    value: date | datetime, style: str = "medium", locale: str = "th", era: str = ""
) -> str:
    """Format a day; in Thai the year is Buddhist Era (พ.ศ.) unless era="ce"."""
    if isinstance(value, datetime):
        value = to_bangkok(value).date()
    lang = "en" if locale == "en" else "th"
    buddhist = lang == "th" and era != "ce"
    year = value.year + BUDDHIST_ERA_OFFSET if buddhist else value.year
    day = babel_format_date(value, _DAY_PATTERNS[lang][style], locale=lang)
    year_text = str(year)[-2:] if style == "short" else str(year)
    prefix = _YEAR_PREFIX[lang].get(style, "") if buddhist else ""
    joiner = "" if style == "short" else " "
    return f"{day}{joiner}{prefix}{year_text}"


def format_day_range(days: list[date], locale: str = "th", era: str = "") -> str:
    """Format consecutive days of one month: "9–11 มิถุนายน 2570" / "9–11 June 2027"."""
    first, last = days[0], days[-1]
    return f"{first.day}–{format_day(last, 'long', locale, era)}".replace("พ.ศ. ", "")


def format_clock(value: datetime, locale: str = "th") -> str:
    """Format the time of day in Asia/Bangkok (24-hour, as Thais write it)."""
    return babel_format_time(to_bangkok(value), "HH:mm", locale=locale)


def format_hours(hours: float, locale: str = "th", length: str = "short") -> str:
    """A duration in hours as people write it: "6 ชม." / "1.5 hr" (Babel's units)."""
    lang = "en" if locale == "en" else "th"
    return format_unit(hours, "duration-hour", length=length, locale=lang)


def text_language(text: str) -> str | None:
    """The language a user's text is written in, told by its script.

    Any Thai letter makes it Thai; Latin letters alone make it English; text
    without letters (numbers, codes) has no language of its own.
    """
    if _THAI_LETTER.search(text):
        return "th"
    if _LATIN_LETTER.search(text):
        return "en"
    return None


def in_language(text, page_locale: str) -> Markup:
    """The text, escaped, marked with `lang` when its language is not the page's.

    Screen readers switch voice on `lang` (WCAG 3.1.2): a Thai title on an English
    page is read by the Thai voice, an English name on a Thai page by the English one.
    """
    if text is None:
        return Markup("")
    text = str(text)
    language = text_language(text)
    if language is None or language == page_locale:
        return escape(text)
    return Markup('<span lang="{}">{}</span>').format(language, text)


def lang_attribute(text, page_locale: str) -> Markup:
    """` lang="th"` for an element holding text in the other language, else ""."""
    language = text_language(str(text or ""))
    if language is None or language == page_locale:
        return Markup("")
    return Markup(' lang="{}"').format(language)


def lang_render_kw(text, page_locale: str) -> dict[str, str]:
    """`{"lang": "th"}` for a form choice (an <option>) in the other language."""
    language = text_language(str(text or ""))
    if language is None or language == page_locale:
        return {}
    return {"lang": language}


def current_locale() -> str:
    """The page's language code ("th" or "en"); the default outside a request.

    Cheap, for it runs many times a page: babel's `str(locale)` rebuilds the code
    each time.
    """
    return _locale_code(get_locale())


def _locale_code(locale: Locale | None) -> str:
    if locale is None:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if locale.territory or locale.script or locale.variant:
        return str(locale)
    return locale.language


def _translations() -> Translations | NullTranslations:
    """The request's translations, looked up once per language and app."""
    locale = get_locale()
    if locale is None:  # outside a request
        return get_translations()
    known = current_app.extensions.setdefault("translations_by_locale", {})
    code = _locale_code(locale)
    found = known.get(code)
    if found is None:
        found = known[code] = get_translations()
    return found


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, **variables) -> str:
    """`_()` in templates, as Jinja's newstyle gettext does it, in one call.

    Jinja's `_` reaches the translation through three context calls and
    Flask-Babel's look-up through several more: about 16 µs a string, half a
    millisecond a page. The result is the same: marked safe when autoescaping,
    and formatted with `variables` (escaped); "%%" is "%" even without them.
    """
    text = _translations().ugettext(string)
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704  # nosec B704  (our catalogue, as Jinja)
    return text % variables if variables or "%" in text else text


def init_template_helpers(app: Flask) -> None:
    """Register the date filters, locale globals and gettext for the templates."""
    app.jinja_env.globals["_"] = _template_gettext

    @app.template_filter("day")
    def day_filter(value: date | datetime, style: str = "medium") -> str:
        return format_day(value, style, current_locale(), session.get("era", ""))

    @app.template_filter("day_range")
    def day_range_filter(days: list[date]) -> str:
        return format_day_range(days, current_locale(), session.get("era", ""))

    @app.template_filter("clock")
    def clock_filter(value: datetime) -> str:
        return format_clock(value, current_locale())

    @app.template_filter("hours")
    def hours_filter(value: float, length: str = "short") -> str:
        """A duration in hours: "6 ชม." on Thai pages, "6 hr" on English ones."""
        return format_hours(value, current_locale(), length)

    @app.template_filter("unit")
    def unit_filter(value: str) -> str:
        """An indicator's or outcome's unit in the user's language."""
        from .impact.indicators import unit_name

        return unit_name(value, current_locale())

    @app.template_filter("place")
    def place_filter(value: str | None) -> str:
        """A stored place label or province in the user's language."""
        from .geo import place_name

        return place_name(value, current_locale())

    @app.template_filter("until")
    def until_filter(ends: datetime, starts: datetime) -> str:
        """The end time of a shift, saying so when it is on the next day."""
        text = format_clock(ends, current_locale())
        if to_bangkok(ends).date() > to_bangkok(starts).date():
            text += " " + gettext("(next day)")
        return text

    @app.template_filter("in_lang")
    def in_lang_filter(text) -> Markup:
        """Mark user-written text in the other language with `lang`."""
        return in_language(text, current_locale())

    @app.template_filter("lang_of")
    def lang_of_filter(text) -> Markup:
        """For a block of user-written text: `<p{{ text|lang_of }}>`."""
        return lang_attribute(text, current_locale())

    @app.template_filter("lang_kw")
    def lang_kw_filter(text) -> dict[str, str]:
        """For a form field holding typed text: `f(**f.data|lang_kw)`."""
        return lang_render_kw(text, current_locale())

    @app.template_filter("localized")
    def localized_filter(entry) -> str:
        """Name a cause, skill or organisation in the user's language."""
        return entry.name(current_locale())

    from .labels import KIND_LABELS, STATUS_LABELS

    app.jinja_env.globals.update(
        current_locale=current_locale,
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
    )
