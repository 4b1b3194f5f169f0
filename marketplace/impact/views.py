"""Public impact page, staff impact dashboard, partner report and booth QR codes."""

import functools

import segno
import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from .. import access
from ..access import staff_required
from ..extensions import db
from ..links import public_url
from ..models import Organization, OrganizationKind, OrganizationStatus
from . import queries
from .forms import ImpactFilterForm
from .indicators import ImpactFilter
from .report import FUNNEL_TABLES, PUBLIC_TABLES, build_report, table_csv
from .sources import booth_source, register_listeners, remember_source

bp = Blueprint("impact", __name__)


@bp.record_once
def _listen(state) -> None:
    register_listeners()


def _locale() -> str:
    return str(get_locale())


def _filters(organization_id: int | None = None):
    """The filter form from the URL and the ImpactFilter it stands for."""
    locale = _locale()
    form = ImpactFilterForm(request.args)
    form.offer(
        queries.filter_choices(locale),
        organizations=organization_id is None,
        locale=locale,
    )
    if not form.validate():
        # Bad input is explained on the page; the numbers are then unfiltered.
        return form, ImpactFilter(organization_id=organization_id)
    cause_id = queries.cause_id_of(form.cause.data) if form.cause.data else None
    org = organization_id
    if org is None and form.organization.data:
        org = int(form.organization.data)
    where = ImpactFilter(
        cause_id=cause_id,
        organization_id=org,
        province=form.province.data or None,
        first_day=form.first_day.data,
        last_day=form.last_day.data,
    )
    return form, where


def _filter_args() -> dict[str, str]:
    names = ("cause", "organization", "province", "first_day", "last_day")
    return {k: v for k, v in request.args.items() if k in names and v}


def _render(template: str, csv_endpoint: str, with_funnel: bool, organization=None):
    form, where = _filters(organization.id if organization else None)
    report = build_report(
        where, _locale(), with_funnel=with_funnel, partner=organization is not None
    )
    args = _filter_args()
    if organization is not None:
        args["organization_id"] = organization.id

    def csv(table_name: str) -> str:
        return url_for(csv_endpoint, impact_table=table_name, **args)

    return render_template(
        template, form=form, report=report, organization=organization, csv=csv
    )


def _csv(table_name: str, allowed: tuple[str, ...], prefix: str, organization=None):
    if table_name not in allowed:
        abort(404)
    _, where = _filters(organization.id if organization else None)
    report = build_report(
        where,
        _locale(),
        with_funnel=table_name in FUNNEL_TABLES,
        partner=organization is not None,
    )
    return table_csv(report.tables[table_name], f"{prefix}-{table_name}")


@bp.get("/impact")
def public():
    """The public impact page: numbers, outcomes, charts and a map."""
    return _render("impact/public.html", "impact.public_csv", with_funnel=False)


@bp.get("/impact/<impact_table>.csv")
def public_csv(impact_table: str):
    """One table of the public impact page as CSV."""
    return _csv(impact_table, PUBLIC_TABLES, "impact")


@bp.get("/staff/impact")
@staff_required
def staff_dashboard():
    """The staff impact dashboard: the public numbers plus the funnel."""
    return _render("impact/staff.html", "impact.staff_csv", with_funnel=True)


@bp.get("/staff/impact/<impact_table>.csv")
@staff_required
def staff_csv(impact_table: str):
    """One table of the staff dashboard (funnel included) as CSV."""
    return _csv(impact_table, PUBLIC_TABLES + FUNNEL_TABLES, "staff-impact")


def _reported_organization(organization_id: int) -> Organization:
    """The organisation for its members and staff (others get 403)."""
    return access.get_organization_or_404(
        organization_id, for_user=current_user, action=access.VIEW
    )


@bp.get("/organizations/<int:organization_id>/impact")
@login_required
def partner_report(organization_id: int):
    """An organisation's printable impact report (its members and staff)."""
    organization = _reported_organization(organization_id)
    return _render(
        "impact/partner.html",
        "impact.partner_csv",
        with_funnel=True,
        organization=organization,
    )


@bp.get("/organizations/<int:organization_id>/impact/<impact_table>.csv")
@login_required
def partner_csv(organization_id: int, impact_table: str):
    """One table of an organisation's impact report as CSV."""
    organization = _reported_organization(organization_id)
    return _csv(
        impact_table,
        PUBLIC_TABLES + FUNNEL_TABLES,
        f"impact-{organization.id}",
        organization=organization,
    )


@functools.lru_cache(maxsize=2048)
def booth_qr_svg(url: str) -> str:
    """The inline SVG QR code of a URL (pure: drawn once per process and URL)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2)


@bp.get("/staff/impact/booths")
@staff_required
def booths():
    """Every verified partner's booth QR code, to print for the expo."""
    partners = db.session.scalars(
        sa.select(Organization)
        .where(
            Organization.status == OrganizationStatus.VERIFIED,
            Organization.kind != OrganizationKind.GIVING_PARTNER,
        )
        .order_by(Organization.name_th)
    ).all()
    codes = []
    for organization in partners:
        url = public_url("impact.booth", organization_id=organization.id)
        codes.append((organization, url, booth_qr_svg(url)))
    return render_template("impact/booths.html", codes=codes)


@bp.get("/expo/booth/<int:organization_id>")
def booth(organization_id: int):
    """A booth's QR code: remember where the visitor came from, open the walk-in.

    The walk-in flow lists the partner's shifts with room (and links its page).
    """
    organization = db.session.get(Organization, organization_id)
    if organization is None or not organization.is_verified:
        abort(404)
    remember_source(booth_source(organization.id))
    return redirect(url_for("walkin.shifts", organization_id=organization.id))
