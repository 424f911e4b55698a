"""The event lifecycle as one table: every allowed move and who may make it.

The moves are the arrows of the lifecycle diagram in DESIGN.md ("Events"),
plus those the drawing leaves implicit: warned → clue, because for the
scenarios of LM-13 ¶1 the warning prompt itself forms a case clue, and a
clue at any step before a case is filed → ended, when a review request holds
(LM-14). Nothing else is allowed; `services.transition` refuses any move
not listed here.
"""

from __future__ import annotations

from offsite.registry.models import Person
from offsite.supervision.models import EventState

SYSTEM = "system"

_S = EventState
_R = Person.Role

# (from, to) → who may make the move: SYSTEM or a person's role.
MOVES: dict[tuple[str, str], frozenset[str]] = {
    # The system files a new event: urgent and system-decided results are
    # confirmed at once (LM-12), the rest wait for a person (IM-15).
    (_S.DETECTED, _S.AWAITING_REVIEW): frozenset({SYSTEM}),
    (_S.DETECTED, _S.CONFIRMED): frozenset({SYSTEM}),
    # Only a qualified officer judges data a person must confirm; auxiliary
    # staff never confirm (LM-9, IM-15).
    (_S.AWAITING_REVIEW, _S.CONFIRMED): frozenset({_R.OFFICER}),
    (_S.AWAITING_REVIEW, _S.DISMISSED): frozenset({_R.OFFICER}),
    # The response the scenario's procedure sets (LM-12), sent by the
    # system or by the dispatch center (IM-15).
    (_S.CONFIRMED, _S.WARNED): frozenset({SYSTEM, _R.DISPATCH_STAFF, _R.OFFICER}),
    (_S.CONFIRMED, _S.ORDERED): frozenset({SYSTEM, _R.DISPATCH_STAFF, _R.OFFICER}),
    (_S.CONFIRMED, _S.CLUE): frozenset({SYSTEM, _R.DISPATCH_STAFF, _R.OFFICER}),
    # Back to normal in time ends it (system, LM-13 ¶2); so does a review
    # request that holds, decided by an officer (LM-14).
    (_S.WARNED, _S.ENDED): frozenset({SYSTEM, _R.OFFICER}),
    (_S.ORDERED, _S.ENDED): frozenset({SYSTEM, _R.OFFICER}),
    (_S.WARNED, _S.OVERDUE): frozenset({SYSTEM}),
    (_S.ORDERED, _S.OVERDUE): frozenset({SYSTEM}),
    # LM-13 ¶1: for these scenarios the warning prompt forms a clue.
    (_S.WARNED, _S.CLUE): frozenset({SYSTEM}),
    # LM-13 ¶2: an overdue warning or order forms a clue.
    (_S.OVERDUE, _S.CLUE): frozenset({SYSTEM}),
    # The dispatch center assigns the clue; the officer investigates and
    # reports, one piece of information, one report (IM-16, LM-13).
    (_S.CLUE, _S.ASSIGNED): frozenset({_R.DISPATCH_STAFF, _R.OFFICER}),
    (_S.ASSIGNED, _S.INVESTIGATING): frozenset({_R.OFFICER}),
    (_S.INVESTIGATING, _S.REPORTED): frozenset({_R.OFFICER}),
    (_S.REPORTED, _S.CLOSED): frozenset({_R.DISPATCH_STAFF, _R.OFFICER}),
    (_S.REPORTED, _S.CASE_FILED): frozenset({_R.OFFICER}),
    # LM-14: a review request can stand until a case is filed; one that holds
    # ends the event, also after the warning has formed a clue. `transition`
    # allows these only when an upheld request exists.
    (_S.CLUE, _S.ENDED): frozenset({_R.OFFICER}),
    (_S.ASSIGNED, _S.ENDED): frozenset({_R.OFFICER}),
    (_S.INVESTIGATING, _S.ENDED): frozenset({_R.OFFICER}),
    (_S.REPORTED, _S.ENDED): frozenset({_R.OFFICER}),
}


def moves_from(state: str) -> list[str]:
    """Return the states an event in `state` may move to, in table order."""
    return [to for (source, to) in MOVES if source == state]


def who_may(from_state: str, to_state: str) -> frozenset[str]:
    """Return who may make a move; empty if the move is not allowed."""
    return MOVES.get((from_state, to_state), frozenset())
