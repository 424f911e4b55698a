"""Oversight over HTTP: timeliness figures and the LM-28 situations.

People authenticate with their session; what they see is the events
`supervision.queries.visible_events` lets them see. Units and providers
are refused (403); bad dates or choices answer 422 naming the field.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from offsite.calendar.times import parse_day
from offsite.oversight import queries as oversight
from offsite.registry.apiauth import SIGNED_IN
from offsite.registry.models import Person
from offsite.supervision import queries

router = Router(tags=["oversight"])


class ErrorOut(Schema):
    detail: str


class UnitOut(Schema):
    id: int
    name: str


def now() -> datetime:
    """Return the time figures are computed at: the server's clock."""
    return timezone.now()


class OversightFigureOut(Schema):
    count: int = Field(description="Duties judged: done, or open and past due.")
    in_time: int
    late: int
    open_overdue: int
    share: float | None = Field(description="in_time / count; null when count is 0.")


class AuthorityOut(Schema):
    code: str
    name: str


class OversightRowOut(Schema):
    authority: AuthorityOut
    person: str | None = Field(description="Username; null per authority.")
    review: OversightFigureOut
    assignment: OversightFigureOut
    visit: OversightFigureOut
    review_answer: OversightFigureOut


class OversightFiguresOut(Schema):
    first_day: str
    last_day: str
    at: str
    by: str
    rows: list[OversightRowOut]


class SituationOut(Schema):
    kind: str
    event: int
    unit: UnitOut
    authority: AuthorityOut
    person: str | None
    since: str = Field(description="When it became a situation (Beijing time).")
    reason: str


class OversightSituationsOut(Schema):
    first_day: str
    last_day: str
    at: str
    situations: list[SituationOut]


OVERSIGHT_RESPONSES = {403: ErrorOut, 422: ErrorOut}


class PeriodIn(Schema):
    # Dates are read as text so a bad one is answered with the field and the
    # rule, not a parser's message.
    first_day: str | None = Field(
        None, alias="from", description="First Beijing day, YYYY-MM-DD."
    )
    last_day: str | None = Field(
        None, alias="to", description="Last Beijing day, YYYY-MM-DD, included."
    )


class FiguresIn(PeriodIn):
    by: str = Field(oversight.BY_AUTHORITY, description="authority or officer")


class SituationsIn(PeriodIn):
    kind: str | None = Field(None, description=", ".join(oversight.KINDS))


@router.get(
    "/oversight/figures",
    auth=SIGNED_IN,
    response={200: OversightFiguresOut, **OVERSIGHT_RESPONSES},
    tags=["oversight"],
    summary="Timeliness per authority or per officer (IM-18, LM-27)",
)
def get_oversight_figures(request: HttpRequest, params: Query[FiguresIn]):
    """Count reviews, assignments, on-site visits and review answers in time.

    Dates are Beijing days, YYYY-MM-DD, both included; the default is the
    current calendar year. City staff see every authority, district staff
    their district's events; units and providers are refused.
    """
    asked = _oversight_request(request, params)
    if isinstance(asked, Status):
        return asked
    person, span, at = asked
    try:
        rows = oversight.figures(
            queries.visible_events(person), span, at=at, by=params.by
        )
    except ValueError as error:
        return Status(422, {"detail": str(error)})
    return Status(
        200,
        {
            **_span(span, at),
            "by": params.by,
            "rows": [row.as_dict() for row in rows],
        },
    )


@router.get(
    "/oversight/situations",
    auth=SIGNED_IN,
    response={200: OversightSituationsOut, **OVERSIGHT_RESPONSES},
    tags=["oversight"],
    summary="Situations calling for discipline (LM-28)",
)
def get_oversight_situations(request: HttpRequest, params: Query[SituationsIn]):
    """List notices not served, visits not dispatched or not made in time, and
    procedures skipped, oldest first. `kind` is one of notice_not_served,
    visit_not_dispatched, not_verified_in_time, procedure_skipped.
    """
    asked = _oversight_request(request, params)
    if isinstance(asked, Status):
        return asked
    person, span, at = asked
    try:
        found = oversight.situations(
            queries.visible_events(person), span, at=at, kind=params.kind or None
        )
    except ValueError as error:
        return Status(422, {"detail": str(error)})
    return Status(
        200, {**_span(span, at), "situations": [item.as_dict() for item in found]}
    )


def _oversight_request(request: HttpRequest, params: PeriodIn):
    """Return (person, period, now), or the refusal to answer with."""
    person = _person(request)
    if person is None:
        return _no_person()
    if not person.is_staff_role:
        return Status(
            403,
            {
                "detail": "oversight figures are for the authorities' staff "
                "(IM-18, LM-27); a unit or provider sees its own events"
            },
        )
    at = now()
    try:
        span = oversight.period(
            parse_day(params.first_day, "from"),
            parse_day(params.last_day, "to"),
            at=at,
        )
    except ValueError as error:
        return Status(422, {"detail": str(error)})
    return person, span, at


def _span(span: oversight.Period, at: datetime) -> dict[str, str]:
    return {
        "first_day": span.first_day.isoformat(),
        "last_day": span.last_day.isoformat(),
        "at": at.astimezone(queries.BEIJING).isoformat(),
    }


def _person(request: HttpRequest) -> Person | None:
    return getattr(request.user, "person", None)


def _no_person():
    return Status(403, {"detail": "this sign-in is not a registered person"})
