"""The console of the authorities: dashboard, review queue, events, clues, log.

Pages read through `offsite.web.queries` (scoped to the viewer); actions
call the supervision services, which check the role and the district again
and write the transition, the audit entry and the notice. Nothing here
writes an event's state.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from offsite.supervision import queries as supervision_queries
from offsite.supervision import services as supervision
from offsite.supervision.models import FINAL_STATES, EventState, Report, ReviewRequest
from offsite.web import downloads, queries
from offsite.web.access import console_view

logger = logging.getLogger(__name__)

PAGE_SIZE = 50


def _context(request: HttpRequest, **values) -> dict:
    who = queries.viewer(request.user)
    return {
        "who": who,
        "scenario_names": queries.scenario_names(get_language() or ""),
        **values,
    }


def _refusal(error: Exception) -> tuple[str, int]:
    """Say why a service refused an action, and the status that goes with it."""
    if isinstance(error, supervision.Refused):
        return supervision.shown(error), 403 if error.forbidden else 409
    if isinstance(error, ValidationError):
        return "; ".join(error.messages), 400
    return supervision.shown(error), 400


@console_view
def dashboard(request: HttpRequest) -> HttpResponse:
    who = queries.viewer(request.user)
    now = timezone.now()
    return render(
        request,
        "web/console/dashboard.html",
        _context(request, board=queries.dashboard(who, at=now), now=now),
    )


@console_view
def review_queue(request: HttpRequest) -> HttpResponse:
    who = queries.viewer(request.user)
    rows = [
        (event, queries.evidence(who, event))
        for event in queries.review_queue(who)[:50]
    ]
    return render(
        request,
        "web/console/review_queue.html",
        _context(request, rows=rows, now=timezone.now()),
    )


@console_view
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm or dismiss an event awaiting review (IM-15; officers only)."""
    who = queries.viewer(request.user)
    event = queries.event(who, pk)
    decision = request.POST.get("decision", "")
    status = 200
    error = ""
    try:
        if who.person is None:
            raise supervision.Refused(
                _("Only a qualified officer confirms or dismisses (LM-9, IM-15)."),
                forbidden=True,
            )
        if decision == "confirm":
            supervision.confirm(event, actor=who.person, at=timezone.now())
        elif decision == "dismiss":
            supervision.dismiss(
                event,
                actor=who.person,
                at=timezone.now(),
                reason=request.POST.get("reason", ""),
            )
        else:
            raise ValueError(f"decision: expected confirm or dismiss, got {decision!r}")
    except (supervision.Refused, ValueError, ValidationError) as refused:
        error, status = _refusal(refused)
        event.refresh_from_db()

    if request.headers.get("HX-Request"):
        return render(
            request,
            "web/console/_decided.html",
            _context(request, event=event, error=error),
            status=status,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("Event %(pk)s is now %(state)s.")
            % {"pk": event.pk, "state": event.get_state_display()},
        )
    return redirect("web:console-review")


@console_view
def event_list(request: HttpRequest) -> HttpResponse:
    who = queries.viewer(request.user)
    rows = queries.events(who)
    state = request.GET.get("state", "")
    if state in EventState.values:
        rows = rows.filter(state=state)
    elif request.GET.get("open", "1") == "1":
        rows = rows.exclude(state__in=[s.value for s in FINAL_STATES])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/console/events.html",
        _context(request, page=page, state=state, states=EventState.choices),
    )


@console_view
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    who = queries.viewer(request.user)
    event = queries.event(who, pk)
    return render(
        request,
        "web/console/event.html",
        _context(
            request,
            event=event,
            timeline=supervision_queries.timeline(event),
            evidence=queries.evidence(who, event),
            officers=queries.officers_for(event),
            requests=event.review_requests.select_related(
                "person__user", "answered_by__user"
            ),
            answers=event.answers.prefetch_related("files").select_related(
                "person__user"
            ),
            notices=event.notices.order_by("created_at", "pk"),
            authority_notices=event.authority_notices.select_related("authority"),
            report=Report.objects.filter(event=event)
            .select_related("officer__user")
            .first(),
            outcomes=Report.Outcome.choices,
            action_states=ACTION_STATES,
            now=timezone.now(),
        ),
    )


# States in which a person takes the next step from the event page.
ACTION_STATES = (
    EventState.AWAITING_REVIEW,
    EventState.CLUE,
    EventState.ASSIGNED,
    EventState.INVESTIGATING,
    EventState.REPORTED,
)
ACTIONS = ("assign", "investigate", "report", "close", "file_case", "take_over")


@console_view
@require_POST
def event_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Take one step of a clue through the supervision services (IM-16)."""
    who = queries.viewer(request.user)
    event = queries.event(who, pk)
    action = request.POST.get("action", "")
    now = timezone.now()
    try:
        if who.person is None:
            raise supervision.Refused(
                _("An administrator without a role reads the console only."),
                forbidden=True,
            )
        actor = who.person
        if action == "assign":
            officer = queries.officers_for(event).filter(
                pk=request.POST.get("officer") or 0
            )
            if not officer.exists():
                raise ValueError(_("officer: choose a qualified officer"))
            supervision.assign(event, actor=actor, officer=officer.get(), at=now)
        elif action == "investigate":
            supervision.investigate(event, actor=actor, at=now)
        elif action == "report":
            supervision.report(
                event,
                actor=actor,
                at=now,
                text=request.POST.get("text", ""),
                outcome=request.POST.get("outcome", ""),
            )
        elif action == "close":
            supervision.close(event, actor=actor, at=now)
        elif action == "file_case":
            supervision.file_case(event, actor=actor, at=now)
        elif action == "take_over":
            supervision.take_over(
                event, actor=actor, at=now, reason=request.POST.get("reason", "")
            )
        else:
            raise ValueError(f"action: expected one of {', '.join(ACTIONS)}")
    except (supervision.Refused, ValueError, ValidationError) as refused:
        message, _status = _refusal(refused)
        messages.error(request, message)
    else:
        event.refresh_from_db()
        messages.success(
            request,
            _("Event %(pk)s is now %(state)s.")
            % {"pk": event.pk, "state": event.get_state_display()},
        )
    target = request.POST.get("next", "")
    if target == "clues":
        return redirect("web:console-clues")
    return redirect("web:console-event", pk=event.pk)


@console_view
@require_POST
def review_request_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Decide a unit's review request (LM-14; officers only)."""
    who = queries.viewer(request.user)
    review = (
        ReviewRequest.objects.filter(pk=pk, event__in=queries.events(who).values("pk"))
        .select_related("event")
        .first()
    )
    if review is None:
        from django.http import Http404

        raise Http404(f"no review request {pk} in scope")
    try:
        if who.person is None:
            raise supervision.Refused(
                _("Only a qualified officer decides a review request (LM-14)."),
                forbidden=True,
            )
        supervision.answer_review(
            review,
            actor=who.person,
            at=timezone.now(),
            upheld=request.POST.get("upheld") == "1",
            reason=request.POST.get("reason", ""),
        )
    except (supervision.Refused, ValueError, ValidationError) as refused:
        message, _status = _refusal(refused)
        messages.error(request, message)
    else:
        messages.success(request, _("The review request is answered."))
    return redirect("web:console-event", pk=review.event_id)


@console_view
def clue_list(request: HttpRequest) -> HttpResponse:
    who = queries.viewer(request.user)
    rows = [(event, queries.officers_for(event)) for event in queries.clues(who)]
    return render(
        request,
        "web/console/clues.html",
        _context(request, rows=rows, now=timezone.now()),
    )


@console_view
def deadline_list(request: HttpRequest) -> HttpResponse:
    who = queries.viewer(request.user)
    now = timezone.now()
    return render(
        request,
        "web/console/deadlines.html",
        _context(request, rows=queries.deadlines(who, at=now), now=now),
    )


@console_view
def oversight(request: HttpRequest) -> HttpResponse:
    who = queries.viewer(request.user)
    now = timezone.now()
    first_day = request.GET.get("from") or None
    last_day = request.GET.get("to") or None
    try:
        shown = queries.oversight(who, at=now, first_day=first_day, last_day=last_day)
    except ValueError as error:
        messages.error(request, str(error))
        shown, status = queries.oversight(who, at=now), 400
    else:
        status = 200
    return render(
        request,
        "web/console/oversight.html",
        _context(request, shown=shown, now=now),
        status=status,
    )


@console_view
def operation_log(request: HttpRequest) -> HttpResponse:
    who = queries.viewer(request.user)
    page = Paginator(queries.audit_entries(who), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "web/console/log.html", _context(request, page=page))


@console_view
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A unit's evidence file, for the officer judging its answer (LM-12)."""
    who = queries.viewer(request.user)
    return downloads.evidence(queries.evidence_file(who, pk))


@console_view
def raw_record(request: HttpRequest, pk: int) -> HttpResponse:
    who = queries.viewer(request.user)
    raw = queries.raw_record(who, pk)
    return render(
        request,
        "web/console/raw.html",
        _context(request, raw=raw, item=queries.decode_raw(who, raw)),
    )
