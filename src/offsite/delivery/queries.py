"""Read consent, notices and service dates (LM-5), scoped to who asks."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.db.models import Min, Q, QuerySet

from offsite.delivery.models import Channel, Consent, Notice, OutboxMessage
from offsite.registry.models import Authority, Person, Unit

BEIJING = ZoneInfo("Asia/Shanghai")


def current_consent(unit: Unit) -> Consent | None:
    """Return the unit's latest answer to the offer of electronic service."""
    return (
        Consent.objects.filter(unit=unit)
        .select_related("person__user")
        .order_by("-answered_at", "-id")
        .first()
    )


def has_consent(unit: Unit) -> bool:
    """Say whether the unit's latest answer consents to electronic service."""
    consent = current_consent(unit)
    return consent is not None and consent.consented


def consent_required(person: Person) -> bool:
    """Say whether this sign-in must offer consent: a unit user, no answer yet."""
    if person.role != Person.Role.UNIT_USER or person.unit_id is None:
        return False
    return not Consent.objects.filter(unit_id=person.unit_id).exists()


def sent_on(notice: Notice) -> date | None:
    """Return the Beijing date the platform shows a notice as first sent."""
    first = OutboxMessage.objects.filter(
        notice=notice, status=OutboxMessage.Status.SENT
    ).aggregate(first=Min("sent_at"))["first"]
    return first.astimezone(BEIJING).date() if first else None


def service_date(notice: Notice) -> date | None:
    """Return the date a notice counts as served, or None if it is not yet.

    LM-5: the date the platform shows as sent (the inbox counts), unless the
    unit proved its channel received it on another date (民事诉讼法 Art. 90),
    which then holds. A notice not served electronically counts from the
    date staff recorded serving it by other means.
    """
    if notice.arrived_on is not None:
        return notice.arrived_on
    shown = sent_on(notice)
    if shown is not None:
        return shown
    return notice.served_on


def inbox(unit: Unit) -> QuerySet[Notice]:
    """Return every notice to a unit, newest first, whatever its consent."""
    return Notice.objects.filter(unit=unit).order_by("-created_at", "-id")


def notices_for(person: Person) -> QuerySet[Notice]:
    """Return the notices a person may read.

    A unit user sees its own unit's; staff of a district see its units'
    and those of the events their district handles (a clue the city took
    over for it or designated to it, LM-15); staff of the city see all;
    anyone else sees none.
    """
    notices = Notice.objects.select_related("unit").order_by("-created_at", "-id")
    if person.role == Person.Role.UNIT_USER:
        return notices.filter(unit_id=person.unit_id)
    if person.is_staff_role and person.authority_id is not None:
        if person.authority.level == Authority.Level.CITY:
            return notices
        return notices.filter(
            Q(unit__district_id=person.authority_id)
            | Q(event__owner_id=person.authority_id)
        )
    return notices.none()


def messages(notice: Notice) -> QuerySet[OutboxMessage]:
    """Return a notice's outbox messages with their receipts."""
    return notice.messages.prefetch_related("receipts").order_by("kind", "id")


def channels(unit: Unit) -> QuerySet[Channel]:
    """Return a unit's service addresses by kind, oldest first."""
    return Channel.objects.filter(unit=unit).order_by("kind", "id")
