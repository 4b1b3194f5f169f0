"""Messages to a shift in the demo: a conversation waiting in the organiser's inbox,
and a thread on the demo volunteer's My shifts.

The organiser wrote to the volunteers of the shift running now and one of them
answered (unread in the inbox); on the demo volunteer's approved shift its
organisation wrote to them and they answered.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..conversations import services
from ..extensions import db
from ..models import Application, ApplicationStatus, Organization, Shift, User
from .journeys import RUNNING_NOW_TITLE


def build_conversations_demo(
    volunteer: User, organizer_org: Organization, now: datetime
) -> dict[str, int]:
    """Add the conversations' showcase rows (no commit); return counts."""
    member = organizer_org.memberships[0].user
    running = next(
        o for o in organizer_org.opportunities if o.title == RUNNING_NOW_TITLE
    ).shifts[-1]
    message = services.send_to_shift(
        member,
        running,
        "สวัสดีค่ะทุกคน จุดลงทะเบียนย้ายไปที่ประตู 3 นะคะ "
        "มาถึงแล้วแวะรับเสื้อและบัตรคล้องคอที่โต๊ะหน้าบูธได้เลยค่ะ",
        "held",
        now=now - timedelta(minutes=40),
    )
    replier_id = db.session.scalar(
        sa.select(Application.volunteer_id)
        .where(
            Application.shift_id == running.id,
            Application.status == ApplicationStatus.APPROVED,
        )
        .order_by(Application.id)
    )
    replies = 0
    if replier_id is not None:
        services.reply(
            db.session.get(User, replier_id),
            running,
            "รับทราบครับ กำลังเดินทาง น่าจะถึงประมาณ 10 นาทีครับ",
            now=now - timedelta(minutes=20),
        )
        replies += 1
    messages = 1 if message else 0
    own = db.session.scalar(
        sa.select(Application)
        .join(Application.shift)
        .where(
            Application.volunteer_id == volunteer.id,
            Application.status == ApplicationStatus.APPROVED,
            Shift.starts_at > now,
        )
        .order_by(Shift.starts_at)
    )
    if own is not None:
        shift = own.shift
        writer = shift.opportunity.organization.memberships[0].user
        services.send_to_shift(
            writer,
            shift,
            "ขอบคุณที่มาช่วยกันนะคะ วันงานรบกวนมาก่อนเวลา 15 นาที "
            "และนำขวดน้ำส่วนตัวมาด้วยค่ะ มีคำถามตอบกลับได้เลย",
            "all",
            now=now - timedelta(hours=3),
        )
        services.reply(
            volunteer,
            shift,
            "รับทราบค่ะ จะไปถึงก่อนเวลาค่ะ",
            now=now - timedelta(hours=2),
        )
        messages += 1
        replies += 1
    return {"shift_messages": messages, "shift_replies": replies}
