"""The Good Society Expo demo: partners, opportunities, volunteers, applications.

Everything is generated from the shipped files under seed/data/demo/ with a fixed
random seed, so two runs on the same day give the same marketplace.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from ..auth.passwords import hash_password
from ..expo import next_expo_days
from ..extensions import db
from ..geo import districts_of, search_places
from ..i18n import BANGKOK
from ..models import (
    Application,
    ApplicationStatus,
    ApprovalMode,
    AvailabilityWindow,
    Cause,
    ConsentPurpose,
    MemberRole,
    Membership,
    Opportunity,
    OpportunityStatus,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Role,
    Shift,
    Skill,
    User,
    VolunteerProfile,
    utcnow,
)
from ..models.taxonomy import opportunity_skill
from ..privacy.consents import record_consents
from . import language_codes, read_data
from .channels import build_channels_demo
from .confirmations import build_confirmations_demo
from .conversations import build_conversations_demo
from .cover import build_cover_demo
from .edonation import build_edonation_demo
from .floor import build_floor_demo
from .groups import build_groups_demo
from .impact import build_impact_demo
from .journeys import Journeys
from .line import build_line_demo
from .walk_ins import build_walk_ins

DEMO_PASSWORD = "expo-demo-2570"  # noqa: S105  (printed by `make run`; demo only)
VOLUNTEER_EMAIL = "volunteer@example.org"
ORGANIZER_EMAIL = "organizer@example.org"
STAFF_EMAIL = "staff@example.org"
# The admin of the demo organisation staff did not verify (fix and resend).
REJECTED_ORGANIZER_EMAIL = "rejected-org@example.org"
DEMO_VOLUNTEERS = 320
# What organisations write when they accept or decline (some say nothing).
ACCEPT_NOTES = [
    "",
    "ยินดีต้อนรับค่ะ พบกันที่จุดลงทะเบียนก่อนเริ่มงาน 15 นาทีนะคะ",
    "ขอบคุณที่สมัครครับ ใส่รองเท้าผ้าใบและนำขวดน้ำมาด้วยนะครับ",
]
DECLINE_NOTES = ["", "ขอบคุณมากค่ะ กะนี้เต็มแล้ว ลองสมัครกะถัดไปนะคะ"]
PENDING_ORGANIZATIONS = 3
BANGKOK_SHARE = 0.5

# Weekly windows people commonly give (weekday, start hour, end hour).
_WINDOW_PATTERNS = [
    [(5, 9, 17), (6, 9, 17)],
    [(5, 8, 12)],
    [(6, 13, 18)],
    [(0, 18, 21), (2, 18, 21), (4, 18, 21)],
    [(5, 9, 17), (6, 9, 17), (4, 18, 21)],
    [(day, 9, 17) for day in range(7)],
    [(1, 9, 12), (3, 9, 12), (5, 9, 16)],
]


@dataclass(frozen=True)
class DemoLogin:
    """A demo account printed for people trying the marketplace."""

    role: str
    email: str
    password: str
    # What to try first as this account (printed by `make run`).
    try_this: str = ""


def demo_logins() -> list[DemoLogin]:
    """The three demo accounts: a volunteer, an organisation member, staff."""
    return [
        DemoLogin(
            "volunteer",
            VOLUNTEER_EMAIL,
            DEMO_PASSWORD,
            "My shifts: two past shifts served, an open feedback survey, a "
            "certificate, an invitation, a waitlisted and an approved shift "
            "that you lead, a shift tomorrow asking “are you coming?”; My groups: "
            "a company group you lead with places reserved; recommendations on "
            "the home page; a place offered to "
            "take now under I'm free now (/floor/free), also under the bell with "
            "one-tap answers; a message from an organisation on your approved "
            "shift, answered (My shifts → Messages); a place another volunteer "
            "hands on, to take under My shifts → Places offered to you; How we "
            "reach you (account menu) per kind of message; reported hours (one "
            "certified, one waiting) under Report hours, and a signed "
            "service-hour record (/me/service-record).",
        ),
        DemoLogin(
            "organisation member",
            ORGANIZER_EMAIL,
            DEMO_PASSWORD,
            "Your organisation's dashboard: four applicants waiting for review "
            "(with their T-shirt sizes) and a shift running right now to check "
            "volunteers in, two walk-ins from the booth and the Booth kiosk "
            "button; the coverage board shows the shift short, with its shift "
            "lead, and floaters free now to offer it to (Floaters); the Inbox "
            "with a volunteer's answer to your message to that shift, unread; a "
            "volunteer looking for cover on the applicants page, whom you may "
            "release; e-Donation: your verified QR and a pledge to mark received; "
            "hours a volunteer reported, waiting for you under Reported hours.",
        ),
        DemoLogin(
            "staff",
            STAFF_EMAIL,
            DEMO_PASSWORD,
            "Approvals, organisations waiting for verification, the matching "
            "proposal, the impact dashboard, the coverage board, e-Donation details "
            "to check and the audit log.",
        ),
    ]


def has_content() -> bool:
    """Whether the database already holds organisations or accounts."""
    return db.session.scalar(sa.select(sa.func.count(Organization.id))) or bool(
        db.session.scalar(sa.select(sa.func.count(User.id)))
    )


class DemoBuilder:
    """Builds the demo marketplace into the current session (no commit)."""

    def __init__(self, today: date, notice_version: str, seed: int = 2570):
        self.rng = random.Random(seed)  # noqa: S311  (reproducible demo)
        self.today = today
        self.notice_version = notice_version
        self.password_hash = hash_password(DEMO_PASSWORD)
        self.causes = {c.slug: c for c in db.session.scalars(sa.select(Cause))}
        self.skills = {s.slug: s for s in db.session.scalars(sa.select(Skill))}
        self.people = read_data("demo/people.json")
        self.places: dict[str, tuple[float, float, str, str]] = {}
        self.now = utcnow()
        self.titles: set[str] = set()

    def build(self) -> dict[str, int]:
        """Create everything and return counts by kind."""
        staff = self._user(STAFF_EMAIL, "ทีมงาน Good Society Expo", Role.ORGANIZER)
        staff.is_staff = True
        organizations = self._organizations(staff)
        self._rejected_organization()
        opportunities = self._opportunities(organizations)
        volunteers = self._volunteers()
        applications = self._applications(volunteers, opportunities)
        db.session.flush()
        impact = build_impact_demo(
            self.rng, self.today, staff, organizations, opportunities, volunteers
        )
        organizer_org = next(
            organization
            for organization in organizations.values()
            if organization.memberships[0].user.email == ORGANIZER_EMAIL
        )
        showcase = Journeys(
            self.rng,
            self.today,
            volunteers[0],
            organizer_org,
            volunteers[1:],
            opportunities,
        ).build()
        db.session.flush()
        floor = build_floor_demo(
            self.rng,
            volunteers[0],
            organizer_org,
            volunteers[1:],
            self.now,
            self.notice_version,
        )
        db.session.flush()
        walk_ins = build_walk_ins(organizer_org)
        line = build_line_demo(volunteers[0])
        db.session.flush()
        groups = build_groups_demo(self.rng, volunteers[0], volunteers[1:], self.now)
        db.session.flush()
        edonation = build_edonation_demo(
            self.rng,
            self.today,
            staff,
            organizer_org,
            next(
                o
                for o in organizations.values()
                if o is not organizer_org
                and o.is_verified
                and o.kind is not OrganizationKind.GIVING_PARTNER
            ),
        )
        db.session.flush()
        conversations = build_conversations_demo(volunteers[0], organizer_org, self.now)
        db.session.flush()
        confirmations = build_confirmations_demo(
            volunteers[0], organizer_org, volunteers[1:], self.now
        )
        db.session.flush()
        cover = build_cover_demo(volunteers[0], organizer_org, self.now)
        db.session.flush()
        channels = build_channels_demo(volunteers[0], self.now)
        db.session.flush()
        return {
            "organizations": len(organizations),
            "opportunities": len(opportunities),
            "shifts": sum(len(o.shifts) for o in opportunities),
            "volunteers": len(volunteers),
            "applications": applications,
            **impact,
            **showcase,
            **floor,
            **walk_ins,
            **line,
            **groups,
            **edonation,
            **conversations,
            **confirmations,
            **cover,
            **channels,
        }

    def _place(self, name: str) -> tuple[float, float, str, str]:
        """Geocode a place name with the offline gazetteer."""
        if name not in self.places:
            found = search_places(name, limit=1)
            if not found:
                raise ValueError(f"demo place {name!r} is not in the gazetteer")
            place = found[0]
            self.places[name] = (
                place.lat,
                place.lon,
                place.label("th"),
                place.province_th,
            )
        return self.places[name]

    def _jitter(self, lat: float, lon: float, km: float) -> tuple[float, float]:
        """Move a point up to `km` kilometres, so markers do not pile up."""
        return (
            lat + self.rng.uniform(-km, km) / 111.0,
            lon + self.rng.uniform(-km, km) / 108.0,
        )

    def _user(self, email: str, name: str, role: Role) -> User:
        user = User(
            email=email,
            display_name=name,
            role=role,
            password_hash=self.password_hash,
            locale="th",
        )
        record_consents(
            user,
            {ConsentPurpose.TERMS: True, ConsentPurpose.MATCHING: True},
            self.notice_version,
        )
        db.session.add(user)
        return user

    def _organizations(self, staff: User) -> dict[str, Organization]:
        entries = read_data("demo/organizations.json")["organizations"]
        organizations: dict[str, Organization] = {}
        pending_left = PENDING_ORGANIZATIONS
        for index, entry in enumerate(entries):
            lat, lon, label, province = self._place(entry["place"])
            kind = OrganizationKind(entry["kind"])
            pending = (
                kind is OrganizationKind.PARTNER and pending_left and index % 9 == 8
            )
            organization = Organization(
                slug=entry["slug"],
                name_th=entry["name_th"],
                name_en=entry["name_en"],
                description=entry["description_th"],
                website=entry.get("website"),
                kind=kind,
                causes=[self.causes[slug] for slug in entry["causes"]],
                status=(
                    OrganizationStatus.PENDING
                    if pending
                    else OrganizationStatus.VERIFIED
                ),
                auto_approve=kind is not OrganizationKind.PARTNER,
                is_demo=True,
                lat=lat,
                lon=lon,
                location_label=label,
                province=province,
            )
            if not pending:
                organization.verified_at = utcnow()
                organization.verified_by_id = staff.id
            pending_left -= bool(pending)
            email = (
                ORGANIZER_EMAIL if index == 1 else f"org-{entry['slug']}@example.org"
            )
            admin = self._user(email, self._person_name(), Role.ORGANIZER)
            organization.memberships.append(
                Membership(user=admin, role=MemberRole.ADMIN)
            )
            db.session.add(organization)
            organizations[entry["slug"]] = organization
        db.session.flush()
        return organizations

    def _rejected_organization(self) -> Organization:
        """A fictional organisation staff did not verify: its member fixes and resends.

        It has no opportunities (nobody holds a place there); staff see it under
        "Not verified", its admin (REJECTED_ORGANIZER_EMAIL) sees the reason.
        """
        lat, lon, label, province = self._place("เชียงใหม่")
        organization = Organization(
            slug="demo-rejected-club",
            name_th="ชมรมอาสาเพื่อนบ้าน (ข้อมูลตัวอย่าง)",
            name_en="Neighbours Volunteer Club (demo content)",
            description="ชมรมอาสาในชุมชน (ข้อมูลตัวอย่าง)",
            kind=OrganizationKind.PARTNER,
            causes=[self.causes["community"]] if "community" in self.causes else [],
            status=OrganizationStatus.REJECTED,
            rejection_reason=(
                "ยังไม่มีเว็บไซต์หรืออีเมลติดต่อที่ตรวจสอบได้ "
                "กรุณาเพิ่มช่องทางติดต่อขององค์กรแล้วส่งตรวจสอบอีกครั้ง"
            ),
            is_demo=True,
            lat=lat,
            lon=lon,
            location_label=label,
            province=province,
        )
        admin = self._user(REJECTED_ORGANIZER_EMAIL, "สมศรี ใจอาสา", Role.ORGANIZER)
        organization.memberships.append(Membership(user=admin, role=MemberRole.ADMIN))
        db.session.add(organization)
        return organization

    def _person_name(self) -> str:
        first = self.rng.choice(self.people["first_names"])["th"]
        last = self.rng.choice(self.people["last_names"])["th"]
        return f"{first} {last}"

    def _opportunities(
        self, organizations: dict[str, Organization]
    ) -> list[Opportunity]:
        templates = read_data("demo/opportunities.json")["templates"]
        expo_days = next_expo_days(self.today)
        made: list[tuple[Opportunity, dict]] = []
        for round_index in range(3):
            for template in templates:
                organization = organizations[template["org"]]
                if round_index and (template["expo"] or self.rng.random() < 0.35):
                    continue
                opportunity = self._opportunity(
                    template, organization, expo_days, round_index
                )
                made.append((opportunity, template))
        self._mark_nice_to_have(made)
        return [opportunity for opportunity, _ in made]

    def _mark_nice_to_have(self, made: list[tuple[Opportunity, dict]]) -> None:
        """A template's first `required_skills` skills (default 1) are required.

        The rest are nice to have: a posting wants, say, a first-aider who may also
        teach, not only people who hold every skill it lists.
        """
        db.session.flush()
        nice = [
            (opportunity.id, self.skills[slug].id)
            for opportunity, template in made
            for slug in template["skills"][template.get("required_skills", 1) :]
        ]
        if nice:
            db.session.execute(
                sa.update(opportunity_skill)
                .where(
                    sa.tuple_(
                        opportunity_skill.c.opportunity_id, opportunity_skill.c.skill_id
                    ).in_(nice)
                )
                .values(required=False)
            )

    def _opportunity(
        self, template, organization, expo_days, round_index
    ) -> Opportunity:
        # Later rounds of a template run elsewhere or as a new intake: their own
        # titles, so search shows no look-alike cards.
        title = template["title"]
        place_name = template["place"] or None
        if round_index:
            province = self._place(place_name)[3] if place_name else None
            districts = [] if template["remote"] else self._districts(province)
            district = self.rng.choice(districts) if districts else None
            if district and f"{title} · {district}" not in self.titles:
                place_name, title = district, f"{title} · {district}"
            else:
                title = f"{title} · รุ่นที่ {round_index + 1}"
        self.titles.add(title)
        opportunity = Opportunity(
            organization=organization,
            title=title,
            description=template["description"],
            causes=[self.causes[slug] for slug in template["causes"]],
            skills=[self.skills[slug] for slug in template["skills"]],
            languages=template["languages"],
            remote=template["remote"],
            approval_mode=ApprovalMode(template["approval_mode"]),
            accessibility=template.get("accessibility", ""),
            is_expo=template["expo"],
            status=OpportunityStatus.PUBLISHED,
            published_at=utcnow(),
        )
        if not template["remote"]:
            if place_name:
                lat, lon, label, province = self._place(place_name)
            else:
                lat, lon = organization.lat, organization.lon
                label, province = organization.location_label, organization.province
            if round_index:
                lat, lon = self._jitter(lat, lon, 3.0)
            opportunity.lat, opportunity.lon = lat, lon
            opportunity.location_label, opportunity.province = label, province
        hours = template["shift_hours"]
        capacity = template["capacity"]
        for day, start_hour in self._shift_slots(template, expo_days, hours):
            starts = datetime.combine(day, time(start_hour), BANGKOK)
            opportunity.shifts.append(
                Shift(
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=hours),
                    capacity=capacity,
                )
            )
        db.session.add(opportunity)
        return opportunity

    def _districts(self, province: str | None = "กรุงเทพมหานคร") -> list[str]:
        """The Thai names of a province's districts (none for no province)."""
        return [place.name_th for place in districts_of(province)] if province else []

    def _shift_slots(self, template, expo_days, hours) -> list[tuple[date, int]]:
        """Expo activities run on the expo days; others around them or soon."""
        if template["expo"]:
            starts = [9, 13] if hours <= 4 else [9]
            return [(day, hour) for day in expo_days for hour in starts]
        if self.rng.random() < 0.3:
            first = self.today + timedelta(days=self.rng.randint(3, 40))
        else:
            first = expo_days[0] + timedelta(days=self.rng.randint(-28, 28))
        start_hour = self.rng.choice([8, 9, 10, 13]) if hours <= 8 else 8
        start_hour = min(start_hour, 22 - hours)
        count = self.rng.randint(1, 4)
        return [(first + timedelta(days=7 * week), start_hour) for week in range(count)]

    def _volunteers(self) -> list[User]:
        bangkok_places = self._districts()
        provinces = [
            entry["place"]
            for entry in read_data("demo/organizations.json")["organizations"]
        ]
        skills = list(self.skills.values())
        causes = list(self.causes.values())
        languages = language_codes()
        volunteers = []
        for index in range(DEMO_VOLUNTEERS):
            email = (
                VOLUNTEER_EMAIL if index == 0 else f"volunteer{index:03d}@example.org"
            )
            user = self._user(email, self._person_name(), Role.VOLUNTEER)
            in_bangkok = index == 0 or self.rng.random() < BANGKOK_SHARE
            place = self.rng.choice(bangkok_places if in_bangkok else provinces)
            lat, lon, label, province = self._place(place)
            lat, lon = self._jitter(lat, lon, 2.0)
            bios = self.people["bios_th"]
            user.profile = VolunteerProfile(
                bio=self.rng.choice(bios),
                lat=lat,
                lon=lon,
                location_label=label,
                province=province,
                max_distance_km=self.rng.choice([5, 10, 15, 25, 50]),
                remote_ok=self.rng.random() < 0.3,
                languages=["th"]
                + (["en"] if self.rng.random() < 0.4 else [])
                + ([self.rng.choice(languages[2:])] if self.rng.random() < 0.1 else []),
                skills=self.rng.sample(skills, self.rng.randint(2, 5)),
                causes=self.rng.sample(causes, self.rng.randint(1, 3)),
                availability=[
                    AvailabilityWindow(
                        weekday=day, start_minute=start * 60, end_minute=end * 60
                    )
                    for day, start, end in self.rng.choice(_WINDOW_PATTERNS)
                ],
            )
            volunteers.append(user)
        self._showcase(volunteers[0].profile)
        db.session.flush()
        return volunteers

    def _showcase(self, profile: VolunteerProfile) -> None:
        """The printed demo volunteer: a full profile near the expo, free weekends."""
        lat, lon, label, province = self._place("ปทุมวัน")
        profile.lat, profile.lon = lat, lon
        profile.location_label, profile.province = label, province
        profile.max_distance_km, profile.remote_ok = 30, True
        profile.languages = ["th", "en"]
        wanted = ("first-aid", "teaching", "event-staffing", "photography", "cooking")
        profile.skills = [self.skills[slug] for slug in wanted if slug in self.skills]
        profile.causes = [
            self.causes[slug]
            for slug in ("education", "environment", "health")
            if slug in self.causes
        ]
        profile.availability = [
            AvailabilityWindow(weekday=day, start_minute=7 * 60, end_minute=21 * 60)
            for day in range(7)
        ]

    def _applications(
        self, volunteers: list[User], opportunities: list[Opportunity]
    ) -> int:
        """Apply volunteers to shifts, keeping capacity and avoiding overlaps."""
        # Nobody holds a place at an organisation staff have not verified yet.
        shifts = [
            shift
            for o in opportunities
            if o.organization.status is OrganizationStatus.VERIFIED
            for shift in o.shifts
        ]
        created = 0
        for volunteer in volunteers[1:]:
            held: list[Shift] = []
            for shift in self.rng.sample(shifts, self.rng.randint(0, 3)):
                if any(
                    s.starts_at < shift.ends_at and shift.starts_at < s.ends_at
                    for s in held
                ):
                    continue
                status = self._demo_status(shift)
                if status.holds_spot:
                    shift.spots_taken += 1
                # Applied some hours or days ago, so waiting times read true.
                applied = self.now - timedelta(minutes=self.rng.randint(30, 5 * 1440))
                application = Application(
                    shift=shift,
                    volunteer=volunteer,
                    status=status,
                    created_at=applied,
                    status_changed_at=applied,
                )
                reviewed = shift.opportunity.approval_mode is ApprovalMode.REVIEW
                if reviewed and status is not ApplicationStatus.PENDING:
                    application.decided_by = shift.opportunity.organization.memberships[
                        0
                    ].user
                    declined = status is ApplicationStatus.DECLINED
                    notes = DECLINE_NOTES if declined else ACCEPT_NOTES
                    application.decision_message = self.rng.choice(notes)
                db.session.add(application)
                held.append(shift)
                created += 1
        return created

    def _demo_status(self, shift: Shift) -> ApplicationStatus:
        opportunity = shift.opportunity
        if opportunity.approval_mode is ApprovalMode.REVIEW:
            roll = self.rng.random()
            if roll < 0.5:
                return ApplicationStatus.PENDING
            if roll < 0.6:
                return ApplicationStatus.DECLINED
        if shift.spots_left <= 0:
            return (
                ApplicationStatus.WAITLISTED
                if opportunity.approval_mode is ApprovalMode.FIRST_COME
                else ApplicationStatus.PENDING
            )
        if opportunity.organization.auto_approve or self.rng.random() < 0.5:
            return ApplicationStatus.APPROVED
        return ApplicationStatus.ACCEPTED
