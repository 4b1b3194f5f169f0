"""The impact report as tables: what the dashboards show and the CSV files hold."""

import dataclasses
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Response
from flask_babel import gettext as _

from ..exports import csv_response
from ..extensions import db
from ..geo import place_name
from ..labels import SOURCE_LABELS
from ..models import Cause, Outcome
from ..outcomes.progress import agreed_progress
from . import funnel as funnels
from . import queries
from .indicators import INDICATORS, ImpactFilter, indicator_values, unit_name

PUBLIC_TABLES = (
    "headline",
    "outcomes",
    "causes",
    "weeks",
    "places",
    "organizations",
    "provinces",
    "giving",
)
FUNNEL_TABLES = (
    "funnel",
    "funnel_source",
    "funnel_province",
    "funnel_cause",
    "funnel_organization",
)


@dataclass
class Table:
    """A titled table of plain values (numbers stay numbers until shown)."""

    name: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)


@dataclass
class Report:
    """Everything one dashboard shows."""

    where: ImpactFilter
    headline: dict[str, float]
    progress: list
    causes: list[queries.Tally]
    weeks: list[queries.Tally]
    places: list[queries.Place]
    giving: list[queries.Giving]
    tables: dict[str, Table]
    funnel: funnels.Funnel | None = None

    @property
    def map_points(self) -> list[list]:
        """[lat, lon, hours, title, organisation, volunteers] for the map's JS."""
        return [
            [p.lat, p.lon, round(p.hours, 1), p.title, p.organization, p.volunteers]
            for p in self.places
        ]

    @property
    def has_activity(self) -> bool:
        """Whether anything has been approved or served yet."""
        return bool(
            self.headline["approved_matches"] or self.headline["attended_hours"]
        )


def _outcome_name(outcome: Outcome, locale: str) -> str:
    return outcome.name_en if locale == "en" and outcome.name_en else outcome.name_th


def _indicator_name(key: str, locale: str) -> str:
    indicator = INDICATORS[key]
    return indicator.name_en if locale == "en" else indicator.name_th


def _tally_table(name: str, title: str, first: str, tallies, people=True) -> Table:
    headers = [first, _("Approved matches"), _("Hours served")]
    headers += [_("Volunteers who served")] if people else []
    rows = [
        [t.label, t.matches_approved, round(t.hours_served, 1)]
        + ([t.volunteers] if people else [])
        for t in tallies
    ]
    return Table(name, title, headers, rows)


def _percent(share: float | None) -> str:
    return "" if share is None else f"{share * 100:.0f} %"


def _funnel_table(name: str, title: str, first: str, rows) -> Table:
    step_names = [
        _("Profile"),
        _("Applied"),
        _("Accepted"),
        _("Approved"),
        _("Attended"),
        _("Returned within 90 days"),
    ]
    headers = [first, *step_names]
    headers += [_("%(step)s rate", step=step) for step in step_names[1:]]
    headers.append(_("Overall"))
    table = Table(name, title, headers)
    for row in rows:
        counts = ["" if c is None else c for c in row.counts]
        rates = [_percent(share) for share in row.conversions[1:]]
        table.rows.append([row.label, *counts, *rates, _percent(row.overall)])
    return table


def _label_funnel(funnel: funnels.Funnel, locale: str) -> None:
    """Name each group of the funnel for people."""
    names = funnels.organization_names(
        funnels.booth_organization_ids(funnel)
        | {row.key for row in funnel.by_organization},
        locale,
    )
    funnel.total.label = _("Everyone")
    for row in funnel.by_source:
        key = row.key or ""
        if key.startswith(funnels.BOOTH_PREFIX):
            booth = key[len(funnels.BOOTH_PREFIX) :]
            org = names.get(int(booth)) if booth.isdigit() else None
            row.label = _("Booth: %(name)s", name=org or key)
        elif key in SOURCE_LABELS:
            row.label = str(SOURCE_LABELS[key])
        elif key.startswith(funnels.KIOSK_PREFIX):
            booth = key[len(funnels.KIOSK_PREFIX) :]
            org = names.get(int(booth)) if booth.isdigit() else None
            row.label = _("Booth kiosk: %(name)s", name=org or key)
        else:
            row.label = key or _("Direct or not recorded")
    for row in funnel.by_province:
        row.label = place_name(row.key, locale) or _("Province not given")
    causes = dict(_cause_names(locale))
    for row in funnel.by_cause:
        row.label = causes.get(row.key, str(row.key))
    for row in funnel.by_organization:
        row.label = names.get(row.key, str(row.key))


def _cause_names(locale: str) -> list[tuple[int, str]]:
    return [
        (cause.id, cause.name(locale))
        for cause in db.session.scalars(sa.select(Cause).order_by(Cause.position))
    ]


def build_report(
    where: ImpactFilter, locale: str, with_funnel: bool = False, partner: bool = False
) -> Report:
    """Compute every number of a dashboard in a fixed number of queries."""
    headline = indicator_values(queries.HEADLINE_KEYS, where)
    progress = agreed_progress(where)
    causes = queries.by_cause(where, locale)
    weeks = queries.by_week(where)
    places = queries.places(where, locale)
    organizations = queries.by_organization(where, locale)
    provinces = [
        dataclasses.replace(tally, label=place_name(tally.key, locale))
        if tally.key
        else tally
        for tally in queries.by_province(where, _("Online or not given"))
    ]
    giving = queries.giving(where, locale)
    tables = {
        "headline": Table(
            "headline",
            _("Headline numbers"),
            [_("Indicator"), _("Value"), _("Unit")],
            [
                [
                    _indicator_name(key, locale),
                    round(value, 2),
                    unit_name(INDICATORS[key].unit, locale),
                ]
                for key, value in headline.items()
            ],
        ),
        "outcomes": Table(
            "outcomes",
            _("Agreed outcomes"),
            [
                _("Outcome"),
                _("Indicator"),
                _("Baseline"),
                _("Now"),
                _("Target"),
                _("Progress"),
            ],
            [
                [
                    _outcome_name(p.outcome, locale),
                    p.outcome.indicator,
                    p.outcome.baseline,
                    round(p.current, 2),
                    p.outcome.target,
                    _percent(p.ratio),
                ]
                for p in progress
            ],
        ),
        "causes": _tally_table("causes", _("By cause"), _("Cause"), causes),
        "weeks": _tally_table(
            "weeks", _("By week"), _("Week starting"), weeks, people=False
        ),
        "places": Table(
            "places",
            _("Where volunteers served"),
            [
                _("Opportunity"),
                _("Organisation"),
                _("Latitude"),
                _("Longitude"),
                _("Hours served"),
                _("Volunteers who served"),
            ],
            [
                [p.title, p.organization, p.lat, p.lon, round(p.hours, 1), p.volunteers]
                for p in places
            ],
        ),
        "organizations": _tally_table(
            "organizations", _("By organisation"), _("Organisation"), organizations
        ),
        "provinces": _tally_table(
            "provinces", _("By province"), _("Province"), provinces
        ),
        "giving": Table(
            "giving",
            _("Money through the giving partners"),
            [
                _("Giving partner"),
                _("Pledged (THB)"),
                _("Received through e-Donation (THB)"),
                _("Donated (THB)"),
            ],
            [
                [g.partner, g.pledged_thb, g.fulfilled_thb, g.donated_thb]
                for g in giving
            ],
        ),
    }
    funnel = None
    if with_funnel:
        funnel = funnels.compute_funnel(where)
        if partner:
            for row in _all_rows(funnel):
                row.counts[0] = None
        _label_funnel(funnel, locale)
        tables["funnel"] = _funnel_table(
            "funnel", _("Funnel"), _("Group"), [funnel.total]
        )
        tables["funnel_source"] = _funnel_table(
            "funnel_source", _("Funnel by source"), _("Source"), funnel.by_source
        )
        tables["funnel_province"] = _funnel_table(
            "funnel_province",
            _("Funnel by home province"),
            _("Province"),
            funnel.by_province,
        )
        tables["funnel_cause"] = _funnel_table(
            "funnel_cause", _("Funnel by cause"), _("Cause"), funnel.by_cause
        )
        tables["funnel_organization"] = _funnel_table(
            "funnel_organization",
            _("Funnel by organisation"),
            _("Organisation"),
            funnel.by_organization,
        )
    return Report(
        where, headline, progress, causes, weeks, places, giving, tables, funnel
    )


def _all_rows(funnel: funnels.Funnel) -> list[funnels.FunnelRow]:
    return [
        funnel.total,
        *funnel.by_source,
        *funnel.by_province,
        *funnel.by_cause,
        *funnel.by_organization,
    ]


def table_csv(table: Table, filename: str) -> Response:
    """A table as a CSV download."""
    return csv_response(table.headers, table.rows, filename)
