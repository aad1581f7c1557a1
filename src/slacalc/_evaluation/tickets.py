"""Tickets and their events, and the checks that make a timeline consistent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, get_args

from slacalc._engine.calendar import to_us
from slacalc.exceptions import CalendarError, TicketError, TimelineError

__all__ = ["AUTHORS", "EVENT_KINDS", "Event", "EventKind", "Ticket", "event_problem"]

EventKind = Literal[
    "severity",
    "pause",
    "resume",
    "response",
    "escalation",
    "escalation_response",
    "dispatch",
    "resolved",
    "message",
    "status",
]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
_RANK = {"opened": 0, "severity": 1, "status": 2, "pause": 2, "resume": 2}
#: The authors of a ``message`` event: a public message from the customer or from support.
AUTHORS: tuple[str, ...] = ("customer", "agent")
_AUTHOR_LOOKUP = {
    "customer": "customer",
    "agent": "agent",
    "requester": "customer",
    "end-user": "customer",
    "end user": "customer",
    "enduser": "customer",
    "support": "agent",
}


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a ticket at an instant.

    ``kind`` is one of ``severity`` (value: the new severity), ``pause`` and
    ``resume`` (waiting on the customer), ``response``, ``escalation`` (value:
    ``urgent`` or ``normal``), ``escalation_response``, ``dispatch``,
    ``resolved``, ``message`` (value: ``customer`` or ``agent``, a public
    message; an agent message is also a response) and ``status`` (value: the
    helpdesk's own status name, mapped by the policy's ``pause_statuses`` and
    ``solved_statuses``).
    """

    at: datetime
    kind: str
    value: str | None = None


EventLike = Event | tuple[datetime, str] | tuple[datetime, str, str | None]


@dataclass(frozen=True, slots=True)
class Ticket:
    """A support ticket: when it was opened, how severe, and what happened since.

    >>> zurich = ZoneInfo("Europe/Zurich")
    >>> t = Ticket("T-1", datetime(2026, 4, 2, 18, tzinfo=zurich), severity=2,
    ...            responded_at=datetime(2026, 4, 7, 8, 20, tzinfo=zurich))
    >>> t.severity
    '2'
    """

    id: str
    opened_at: datetime
    severity: str
    channel: str | None = None
    responded_at: datetime | None = None
    events: tuple[Event, ...] = field(default=())
    # epoch microseconds of opened_at, responded_at and each event, computed once
    _opened_us: int = field(default=0, repr=False, compare=False)
    _responded_us: int | None = field(default=None, repr=False, compare=False)
    _events_us: tuple[tuple[int, str, str | None], ...] = field(
        default=(), repr=False, compare=False
    )
    # for each event (in time order), its position in the events as given
    _index: tuple[int, ...] = field(default=(), repr=False, compare=False)
    _ranks: list[tuple[int, int, int, str, str | None, int]] | None = field(
        default=None, repr=False, compare=False
    )

    def __init__(
        self,
        id: str,
        opened_at: datetime,
        severity: str | int,
        channel: str | None = None,
        responded_at: datetime | None = None,
        events: Iterable[EventLike] = (),
    ) -> None:
        ident = str(id)
        set_ = object.__setattr__
        set_(self, "id", ident)
        set_(self, "_opened_us", _instant(ident, "opened_at", opened_at))
        set_(self, "opened_at", opened_at)
        set_(self, "severity", str(severity).strip())
        if not self.severity:
            msg = f"ticket {ident!r}: severity is empty; expected a severity name such as '1' or 'urgent'"
            raise TicketError(msg)
        set_(self, "channel", None if channel in (None, "") else str(channel).strip().lower())
        if responded_at is None:
            set_(self, "responded_at", None)
            set_(self, "_responded_us", None)
        else:
            set_(self, "_responded_us", _instant(ident, "responded_at", responded_at))
            set_(self, "responded_at", responded_at)
        if events:
            parsed = [_event(ident, i, raw) for i, raw in enumerate(events)]
            timed = sorted((to_us(e.at, "at"), i, e) for i, e in enumerate(parsed))
            set_(self, "events", tuple(e for _, _, e in timed))
            set_(self, "_events_us", tuple((us, e.kind, e.value) for us, _, e in timed))
            set_(self, "_index", tuple(i for _, i, _ in timed))
        else:
            set_(self, "events", ())
            set_(self, "_events_us", ())
            set_(self, "_index", ())
        set_(self, "_ranks", None)
        self._check()

    def _check(self) -> None:
        opened = self._opened_us
        if (
            self.responded_at is not None
            and self._responded_us is not None
            and self._responded_us < opened
        ):
            msg = (
                f"ticket {self.id!r}: responded_at {self.responded_at.isoformat()} is before "
                f"opened_at {self.opened_at.isoformat()}; expected a response at or after opening"
            )
            raise TimelineError(msg)
        statuses = any(kind == "status" for _, kind, _ in self._events_us)
        paused = False
        # the events themselves are read only for a message (a reader's ticket makes them lazily)
        for pos, ((at, kind, _), index) in enumerate(
            zip(self._events_us, self._index, strict=True)
        ):
            if at < opened:
                raise TimelineError(
                    event_problem(
                        self.id,
                        index,
                        self.events[pos],
                        f"is before opened_at {self.opened_at.isoformat()}",
                        "events at or after opening",
                    )
                )
            if statuses:
                continue  # pauses and statuses are matched under the policy's status mapping
            if kind == "pause":
                if paused:
                    raise TimelineError(
                        event_problem(
                            self.id,
                            index,
                            self.events[pos],
                            "while already paused",
                            "a resume between two pauses",
                        )
                    )
                paused = True
            elif kind == "resume":
                if not paused:
                    raise TimelineError(
                        event_problem(
                            self.id,
                            index,
                            self.events[pos],
                            "without a pause before it",
                            "each resume to follow a pause",
                        )
                    )
                paused = False

    def _ranked(self) -> list[tuple[int, int, int, str, str | None, int]]:
        """The ticket's happenings as the clocks read them: ``(at, rank, position, kind, value, index)``.

        Opening first, then in time order; at one instant severity changes,
        then status changes (status, pause, resume), then the rest, each group
        in the order given. ``responded_at`` reads as a response event.
        Computed once per ticket (a ticket never changes).
        """
        rows = self._ranks
        if rows is None:
            rows = [(self._opened_us, 0, -2, "opened", None, -1)]
            if self._responded_us is not None:
                rows.append((self._responded_us, 3, -1, "response", None, -1))
            rank = _RANK
            for pos, ((at, kind, value), index) in enumerate(
                zip(self._events_us, self._index, strict=True)
            ):
                rows.append((at, rank.get(kind, 3), pos, kind, value, index))
            rows.sort()
            object.__setattr__(self, "_ranks", rows)
        return rows

    def with_events(self, *events: EventLike) -> Ticket:
        """A copy of the ticket with more events."""
        return Ticket(
            self.id,
            self.opened_at,
            self.severity,
            self.channel,
            self.responded_at,
            (*self.events, *events),
        )

    def events_of(self, kind: str) -> Sequence[Event]:
        """The ticket's events of one *kind*, in time order."""
        return [e for e in self.events if e.kind == kind]


def _instant(ident: str, name: str, value: object) -> int:
    """Epoch microseconds of an aware datetime, or a TicketError naming the ticket."""
    try:
        return to_us(value, name)
    except CalendarError as exc:
        msg = f"ticket {ident!r}: {exc}"
        raise TicketError(msg) from None


def event_problem(ident: str, index: int, event: Event, problem: str, expected: str) -> str:
    """The message of a bad event: ticket, event kind, instant, position, value, problem, expectation.

    >>> zurich = ZoneInfo("Europe/Zurich")
    >>> event_problem("T-1", 2, Event(datetime(2026, 3, 2, 9, tzinfo=zurich), "resume"),
    ...               "without a pause before it", "each resume to follow a pause")
    "ticket 'T-1': resume event at 2026-03-02T09:00:00+01:00 (events[2], value None) without a pause before it; expected each resume to follow a pause"
    """
    at = event.at.isoformat() if isinstance(event.at, datetime) else repr(event.at)
    return (
        f"ticket {ident!r}: {event.kind} event at {at} (events[{index}], value {event.value!r}) "
        f"{problem}; expected {expected}"
    )


def _event(ident: str, index: int, raw: object) -> Event:
    if isinstance(raw, Event):
        event = raw
    elif isinstance(raw, tuple | list) and len(raw) in (2, 3):
        value = raw[2] if len(raw) == 3 else None
        event = Event(raw[0], str(raw[1]), None if value is None else str(value))
    else:
        msg = f"ticket {ident!r}: events[{index}]: invalid event {raw!r}; expected (at, kind) or (at, kind, value)"
        raise TicketError(msg)
    kind = event.kind.strip().lower()
    value = None if event.value is None else str(event.value).strip()
    try:
        to_us(event.at, "at")
    except CalendarError as exc:
        msg = f"ticket {ident!r}: events[{index}] ({kind} event, value {value!r}): {exc}"
        raise TicketError(msg) from None
    shown = Event(event.at, kind, value)
    if kind not in EVENT_KINDS:
        msg = event_problem(
            ident,
            index,
            Event(event.at, event.kind, value),
            "has an unknown kind",
            f"one of {', '.join(EVENT_KINDS)}",
        )
        msg_0 = f"{msg} (unknown event kind {event.kind!r})"
        raise TicketError(msg_0)
    if kind in ("severity", "escalation", "status") and not value:
        wanted = {
            "severity": "the new severity",
            "escalation": "the escalation class (urgent or normal)",
            "status": "the helpdesk's status name",
        }
        raise TicketError(event_problem(ident, index, shown, "has no value", wanted[kind]))
    if kind == "message":
        author = _AUTHOR_LOOKUP.get(" ".join((value or "").lower().split()))
        if author is None:
            raise TicketError(
                event_problem(
                    ident, index, shown, "has an unknown author", "value customer or agent"
                )
            )
        value = author
    return Event(event.at, kind, value)
