"""Events over HTTP: list, detail, and one POST per workflow action.

People authenticate with their session or their own API key. What a
caller sees is decided in `queries.visible_events`, so an event outside the
caller's scope is not found (404) for reads and actions alike. A refused
action answers 403 when the caller may not act at all and 409 when the
event's state or history does not allow it, with the message naming the
rule; bad input answers 422.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import StrictBool

from offsite.registry import queries as registry_queries
from offsite.registry.apiauth import SIGNED_IN
from offsite.registry.models import Person
from offsite.supervision import queries, services
from offsite.supervision.models import Event, EventState, Report

logger = logging.getLogger(__name__)

router = Router(tags=["events"])

# Paging stops here: a list is read a page at a time, never a billion rows in.
MAX_OFFSET = 1_000_000


def now() -> datetime:
    """Return the time actions are stamped with: the server's clock."""
    return timezone.now()


class ErrorOut(Schema):
    detail: str


class UnitOut(Schema):
    id: int
    name: str


class EventOut(Schema):
    id: int
    unit: UnitOut
    scenario: str
    subject: str
    state: str
    owner: str = Field(description="GB/T 2260 code of the authority handling it.")
    assignee: str | None
    opened_at: str
    state_changed_at: str
    due_at: str | None = Field(description="Deadline of the current state.")
    due_is_provisional: bool


class TimelineOut(Schema):
    at: str
    kind: str
    summary: str


class DueOut(Schema):
    state: str
    state_due_at: str | None
    state_due_is_provisional: bool
    served_on: str | None
    review_window_ends_at: str | None
    review_answer_due_at: str | None


class EventDetailOut(EventOut):
    finished_at: str | None
    due: DueOut
    timeline: list[TimelineOut]
    prompts: list[dict[str, Any]]
    notices: list[dict[str, Any]]
    answers: list[dict[str, Any]]
    review_requests: list[dict[str, Any]]
    report: dict[str, Any] | None
    authority_notices: list[dict[str, Any]] = []
    owner_changes: list[dict[str, Any]] = []


Text = Annotated[str, Field(min_length=1, max_length=4000)]
Reason = Annotated[str, Field(max_length=300)]


class ReasonIn(Schema):
    reason: Reason = ""


class DismissIn(Schema):
    reason: Annotated[str, Field(min_length=1, max_length=300)]


class StatementIn(Schema):
    statement: Text


class ReviewAnswerIn(Schema):
    upheld: StrictBool
    reason: Text


class DesignateIn(Schema):
    district: Annotated[
        str, Field(pattern=r"^\d{6}$", description="GB/T 2260 code of the district.")
    ]
    reason: Reason = ""


class AssignIn(Schema):
    # A sign-in name as the platform issues them: letters, digits, . @ + - _
    officer: Annotated[
        str,
        Field(
            min_length=1,
            max_length=150,
            pattern=r"^[\w.@+-]+$",
            description="The officer's username.",
        ),
    ]


class ReportIn(Schema):
    text: Text
    outcome: str = Field(description=", ".join(Report.Outcome.values))


ACTION_RESPONSES = {
    200: EventDetailOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


@router.get(
    "/events",
    auth=SIGNED_IN,
    response={200: list[EventOut], 403: ErrorOut, 422: ErrorOut},
    summary="The events this sign-in may see, newest first",
)
def list_events(
    request: HttpRequest,
    state: str | None = None,
    limit: int = Query(100, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    """List events: the city all, a district its own, a unit its confirmed ones."""
    person = _person(request)
    if person is None:
        return _no_person()
    if state and state not in EventState.values:
        known = ", ".join(EventState.values)
        return Status(422, {"detail": f"state: {state!r} is not one of {known}"})
    events = queries.visible_events(person)
    if state:
        events = events.filter(state=state)
    return Status(
        200, [queries.summary(event) for event in events[offset : offset + limit]]
    )


@router.get(
    "/events/{event_id}",
    auth=SIGNED_IN,
    response={200: EventDetailOut, 403: ErrorOut, 404: ErrorOut},
    summary="One event with its timeline and due times",
)
def get_event(request: HttpRequest, event_id: int):
    """Show an event the caller may see; any other is not found."""
    person = _person(request)
    if person is None:
        return _no_person()
    event = queries.visible_event(person, event_id)
    if event is None:
        return _not_found(event_id)
    return Status(200, queries.describe(event, for_person=person))


def _act(
    request: HttpRequest,
    event_id: int,
    action: Callable[[Person, Event, datetime], object],
    *,
    status: int = 200,
):
    """Run one action for the signed-in person and answer with the event."""
    person = _person(request)
    if person is None:
        return _no_person()
    event = queries.visible_event(person, event_id)
    if event is None:
        return _not_found(event_id)
    try:
        action(person, event, now())
    except services.Refused as refused:
        return Status(403 if refused.forbidden else 409, {"detail": str(refused)})
    except ValidationError as error:
        return Status(422, {"detail": "; ".join(error.messages)})
    except ValueError as error:
        return Status(422, {"detail": str(error)})
    event = Event.objects.get(pk=event.pk)
    return Status(status, queries.describe(event, for_person=person))


@router.post(
    "/events/{event_id}/confirm",
    auth=SIGNED_IN,
    response=ACTION_RESPONSES,
    summary="Confirm an event awaiting review and send its response (IM-15)",
)
def post_confirm(request: HttpRequest, event_id: int):
    return _act(
        request,
        event_id,
        lambda person, event, at: services.confirm(event, actor=person, at=at),
    )


@router.post(
    "/events/{event_id}/dismiss",
    auth=SIGNED_IN,
    response=ACTION_RESPONSES,
    summary="Dismiss an event awaiting review as invalid data (IM-15)",
)
def post_dismiss(request: HttpRequest, event_id: int, body: DismissIn):
    return _act(
        request,
        event_id,
        lambda person, event, at: services.dismiss(
            event, actor=person, at=at, reason=body.reason
        ),
    )


@router.post(
    "/events/{event_id}/answer",
    auth=SIGNED_IN,
    response=ACTION_RESPONSES,
    summary="The unit answers a warning or order, with evidence files (LM-13)",
)
def post_answer(
    request: HttpRequest,
    event_id: int,
    text: Form[str],
    files: File[list[UploadedFile]] = None,
):
    """Multipart form: `text`, and up to 10 `files` of at most 10 MiB each."""
    return _act(
        request,
        event_id,
        lambda person, event, at: services.answer(
            event, actor=person, at=at, text=text, evidence_files=files or []
        ),
    )


@router.post(
    "/events/{event_id}/review-requests",
    auth=SIGNED_IN,
    response={**ACTION_RESPONSES, 201: EventDetailOut},
    summary="The unit asks for review of a warning or order (LM-14)",
)
def post_review_request(request: HttpRequest, event_id: int, body: StatementIn):
    return _act(
        request,
        event_id,
        lambda person, event, at: services.request_review(
            event, actor=person, at=at, statement=body.statement
        ),
        status=201,
    )


@router.post(
    "/events/{event_id}/review-requests/{request_id}/answer",
    auth=SIGNED_IN,
    response=ACTION_RESPONSES,
    summary="Uphold or refuse a review request (LM-14)",
)
def post_review_answer(
    request: HttpRequest, event_id: int, request_id: int, body: ReviewAnswerIn
):
    def act(person: Person, event: Event, at: datetime) -> object:
        review = queries.review_request_of(event, request_id)
        if review is None:
            raise services.Refused(
                f"event {event.pk} has no review request {request_id}"
            )
        return services.answer_review(
            review, actor=person, at=at, upheld=body.upheld, reason=body.reason
        )

    return _act(request, event_id, act)


@router.post(
    "/events/{event_id}/take-over",
    auth=SIGNED_IN,
    response=ACTION_RESPONSES,
    summary="The city handles a clue itself (LM-15)",
)
def post_take_over(request: HttpRequest, event_id: int, body: ReasonIn):
    return _act(
        request,
        event_id,
        lambda person, event, at: services.take_over(
            event, actor=person, at=at, reason=body.reason
        ),
    )


@router.post(
    "/events/{event_id}/designate",
    auth=SIGNED_IN,
    response=ACTION_RESPONSES,
    summary="The city hands a clue to another district (LM-15)",
)
def post_designate(request: HttpRequest, event_id: int, body: DesignateIn):
    def act(person: Person, event: Event, at: datetime) -> object:
        district = registry_queries.district(body.district)
        if district is None:
            raise ValueError(f"district: no district with code {body.district!r}")
        return services.designate(
            event, actor=person, district=district, at=at, reason=body.reason
        )

    return _act(request, event_id, act)


@router.post(
    "/events/{event_id}/assign",
    auth=SIGNED_IN,
    response=ACTION_RESPONSES,
    summary="Assign a clue to an officer (LM-13: within 24 hours)",
)
def post_assign(request: HttpRequest, event_id: int, body: AssignIn):
    def act(person: Person, event: Event, at: datetime) -> object:
        officer = queries.person_by_username(body.officer)
        if officer is None:
            raise ValueError(f"officer: no person with username {body.officer!r}")
        return services.assign(event, actor=person, officer=officer, at=at)

    return _act(request, event_id, act)


@router.post(
    "/events/{event_id}/investigate",
    auth=SIGNED_IN,
    response=ACTION_RESPONSES,
    summary="The assigned officer starts the on-site investigation (LM-13)",
)
def post_investigate(request: HttpRequest, event_id: int):
    return _act(
        request,
        event_id,
        lambda person, event, at: services.investigate(event, actor=person, at=at),
    )


@router.post(
    "/events/{event_id}/report",
    auth=SIGNED_IN,
    response=ACTION_RESPONSES,
    summary="The assigned officer files the one report on a clue (IM-16)",
)
def post_report(request: HttpRequest, event_id: int, body: ReportIn):
    return _act(
        request,
        event_id,
        lambda person, event, at: services.report(
            event, actor=person, at=at, text=body.text, outcome=body.outcome
        ),
    )


@router.post(
    "/events/{event_id}/close",
    auth=SIGNED_IN,
    response=ACTION_RESPONSES,
    summary="Close a clue whose rectification was verified (IM-16)",
)
def post_close(request: HttpRequest, event_id: int, body: ReasonIn):
    return _act(
        request,
        event_id,
        lambda person, event, at: services.close(
            event, actor=person, at=at, reason=body.reason
        ),
    )


@router.post(
    "/events/{event_id}/file-case",
    auth=SIGNED_IN,
    response=ACTION_RESPONSES,
    summary="File a case on a reported clue; ends the review window (LM-14)",
)
def post_file_case(request: HttpRequest, event_id: int, body: ReasonIn):
    return _act(
        request,
        event_id,
        lambda person, event, at: services.file_case(
            event, actor=person, at=at, reason=body.reason
        ),
    )


def _person(request: HttpRequest) -> Person | None:
    return getattr(request.user, "person", None)


def _no_person():
    return Status(403, {"detail": "this sign-in is not a registered person"})


def _not_found(event_id: int):
    return Status(404, {"detail": f"event {event_id}: not found"})
