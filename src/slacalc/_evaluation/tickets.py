"""Tickets and their events, and the checks that make a timeline consistent."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Literal, get_args

from slacalc._engine.calendar import to_us
from slacalc.exceptions import CalendarError, TicketError, TimelineError

__all__ = ["EVENT_KINDS", "Event", "EventKind", "Ticket"]

EventKind = Literal[
    "severity",
    "pause",
    "resume",
    "response",
    "escalation",
    "escalation_response",
    "dispatch",
    "resolved",
    # provisional until live metrics land: accepted (and validated) here, not yet used by the clocks
    "message",
    "status",
]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a ticket at an instant.

    ``kind`` is one of ``severity`` (value: the new severity), ``pause`` and
    ``resume`` (waiting on the customer), ``response``, ``escalation`` (value:
    ``urgent`` or ``normal``), ``escalation_response``, ``dispatch``, ``resolved``,
    ``message`` (value: ``customer`` or ``agent``) and ``status`` (value: a status name).
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
            parsed = map(partial(_event, ident), events)
            timed = sorted((_instant(ident, "event", e.at), i, e) for i, e in enumerate(parsed))
            set_(self, "events", tuple(e for _, _, e in timed))
            set_(self, "_events_us", tuple((us, e.kind, e.value) for us, _, e in timed))
        else:
            set_(self, "events", ())
            set_(self, "_events_us", ())
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
        paused = False
        for (at, _, _), event in zip(self._events_us, self.events, strict=True):
            if at < opened:
                msg = (
                    f"ticket {self.id!r}: {event.kind} event at {event.at.isoformat()} is before "
                    f"opened_at {self.opened_at.isoformat()}; expected events at or after opening"
                )
                raise TimelineError(msg)
            if event.kind == "pause":
                if paused:
                    msg = (
                        f"ticket {self.id!r}: pause at {event.at.isoformat()} while already paused; "
                        "expected a resume between two pauses"
                    )
                    raise TimelineError(msg)
                paused = True
            elif event.kind == "resume":
                if not paused:
                    msg = (
                        f"ticket {self.id!r}: resume at {event.at.isoformat()} without a pause before it; "
                        "expected each resume to follow a pause"
                    )
                    raise TimelineError(msg)
                paused = False

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


def _event(ident: str, raw: object) -> Event:
    if isinstance(raw, Event):
        event = raw
    elif isinstance(raw, tuple | list) and len(raw) in (2, 3):
        value = raw[2] if len(raw) == 3 else None
        event = Event(raw[0], str(raw[1]), None if value is None else str(value))
    else:
        msg = f"ticket {ident!r}: invalid event {raw!r}; expected (at, kind) or (at, kind, value)"
        raise TicketError(msg)
    kind = event.kind.strip().lower()
    if kind not in EVENT_KINDS:
        msg = f"ticket {ident!r}: unknown event kind {event.kind!r}; expected one of {', '.join(EVENT_KINDS)}"
        raise TicketError(msg)
    # provisional until live metrics land: message and status need a value too
    if kind in ("severity", "escalation", "message", "status") and not (event.value or "").strip():
        msg = (
            f"ticket {ident!r}: {kind} event at {event.at!r} has no value; expected the new {kind}"
        )
        raise TicketError(msg)
    if kind == "message" and (event.value or "").strip().lower() not in ("customer", "agent"):
        msg = f"ticket {ident!r}: message event at {event.at!r} has value {event.value!r}; expected 'customer' or 'agent'"
        raise TicketError(msg)
    _instant(ident, f"{kind} event", event.at)
    value = None if event.value is None else event.value.strip()
    return Event(event.at, kind, value)
