"""The clock model: every metric is a clock that starts, stops and pauses on ticket events.

A metric is data (:class:`ClockSpec`): the event kinds that *start* an
instance of its clock, those that *stop* it, the statuses it is *paused* in,
whether it *repeats* (a new instance per start), or keeps one running *total*
across stops and restarts, and what must have happened *after* which a start
counts. The built-in metrics are written in this model (:func:`builtin_clock`);
a policy file may define its own with the same fields.

A ticket's history is replayed once per evaluation (:class:`History`): the
events in time order, at one instant first the severity changes, then status
changes (``status``, ``pause``, ``resume``), then everything else in the
order given. The status history is read under the policy's
:class:`StatusMap`. Each clock then takes from it its runs (start, stop) and
its pause spans.

>>> spec = builtin_clock("next_reply", pausable=False)
>>> spec.start, spec.stop, spec.repeat
(('message:customer',), ('message:agent', 'response', 'solved'), True)
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from slacalc._evaluation.tickets import AUTHORS, Ticket, event_problem
from slacalc.exceptions import PolicyError, TimelineError, UnknownStatusError

__all__ = [
    "ARMS",
    "BUILTIN_STATUSES",
    "GROUPS",
    "STARTS",
    "STOPS",
    "TRIGGERS",
    "ClockSpec",
    "History",
    "Run",
    "StatusMap",
    "builtin_clock",
    "normalise_status",
]

#: Trigger words a clock may start or stop on (``status:<name>`` names one status).
TRIGGERS: tuple[str, ...] = (
    "opened",
    "response",
    "message",
    *(f"message:{a}" for a in AUTHORS),
    "escalation",
    "escalation_response",
    "dispatch",
    "resolved",
    "solved",
    "reopened",
    "severity",
    "pause",
    "resume",
    "status",
)
#: Names in a clock's ``pause`` list that stand for the policy's status groups.
GROUPS: tuple[str, ...] = ("pause_statuses", "solved_statuses")
#: Defaults of the policy's status mapping (SPEC §8).
BUILTIN_STATUSES: dict[str, tuple[str, ...]] = {
    "open_statuses": ("new", "open"),
    "pause_statuses": ("pending", "on-hold"),
    "solved_statuses": ("solved", "closed"),
}
Repeat = bool | Literal["total"]
#: Bits of :meth:`ClockSpec.flags`: the event stops a running instance, starts one, arms the clock.
STOPS, STARTS, ARMS = 1, 2, 4
_SPACES = re.compile(r"[\s_\-\u2010-\u2014]+")


def normalise_status(text: str) -> str:
    """The key a status name is compared by: lower case, spaces, ``_`` and ``-`` alike.

    >>> normalise_status("On Hold"), normalise_status("on_hold"), normalise_status(" ON-HOLD ")
    ('on-hold', 'on-hold', 'on-hold')
    """
    return _SPACES.sub("-", text.strip().lower()).strip("-")


@dataclass(frozen=True, slots=True)
class StatusMap:
    """How a policy reads a helpdesk's status names: open, pausing, solved, or unknown.

    >>> StatusMap().category("Pending"), StatusMap().category("closed"), StatusMap().category("new")
    ('pause', 'solved', 'open')
    """

    open_statuses: tuple[str, ...] = BUILTIN_STATUSES["open_statuses"]
    pause_statuses: tuple[str, ...] = BUILTIN_STATUSES["pause_statuses"]
    solved_statuses: tuple[str, ...] = BUILTIN_STATUSES["solved_statuses"]
    unknown: Literal["error", "open"] = "error"
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False, default_factory=dict)
    _seen: dict[str, tuple[str | None, str]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for category, names in (
            ("open", self.open_statuses),
            ("solved", self.solved_statuses),
            ("pause", self.pause_statuses),
        ):
            for name in names:
                lookup[normalise_status(name)] = category
        object.__setattr__(self, "_lookup", lookup)

    @property
    def known(self) -> tuple[str, ...]:
        """Every status name the map knows, as written in the policy."""
        return (*self.open_statuses, *self.pause_statuses, *self.solved_statuses)

    def category(self, status: str) -> str | None:
        """``open``, ``pause`` or ``solved`` for a known status; None for an unknown one."""
        return self.read(status)[0]

    def read(self, status: str) -> tuple[str | None, str]:
        """The category of *status* (None when unknown) and its normalised name."""
        hit = self._seen.get(status)
        if hit is None:
            key = normalise_status(status)
            hit = (self._lookup.get(key), key)
            if len(self._seen) < 10_000:  # statuses are few; a flood of names is not cached
                self._seen[status] = hit
        return hit


@dataclass(frozen=True, slots=True)
class ClockSpec:
    """One metric's clock, as data.

    ``start`` and ``stop`` list trigger words (:data:`TRIGGERS`; ``status:<name>``
    for one status); ``pause`` lists statuses, or the groups ``pause_statuses``
    and ``solved_statuses``, in which the clock does not count (a ``pause``
    event counts as entering a pause status); ``repeat`` is False (one
    instance), True (a new instance for each start while none runs) or
    ``"total"`` (one clock that a stop suspends and a later start continues);
    ``after`` lists triggers one of which must have happened before a start
    counts; ``klass`` says what classes an instance: the severity in force
    when it starts, or the value of the escalation that started it.

    A clock that stops on ``solved`` starts no instance while the ticket is solved.
    """

    start: tuple[str, ...]
    stop: tuple[str, ...]
    pause: tuple[str, ...] = ()
    repeat: Repeat = False
    after: tuple[str, ...] = ()
    klass: Literal["severity", "escalation"] = "severity"
    _sets: tuple[frozenset[str], frozenset[str], frozenset[str]] = field(
        init=False, repr=False, compare=False, default=(frozenset(), frozenset(), frozenset())
    )
    _flags: dict[frozenset[str], int] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    # (armed from the start, repeats, stops when solved): what runs() reads
    _replay: tuple[bool, bool, bool] = field(
        init=False, repr=False, compare=False, default=(True, False, False)
    )

    def __post_init__(self) -> None:
        for name in ("start", "stop", "after"):
            for word in getattr(self, name):
                check_trigger(word, name)
        if not self.start:
            msg = "start: a clock needs at least one start trigger; expected e.g. ['opened']"
            raise PolicyError(msg)
        object.__setattr__(self, "pause", tuple(_pause_key(p) for p in self.pause))
        sets = (frozenset(self.start), frozenset(self.stop), frozenset(self.after))
        object.__setattr__(self, "_sets", sets)
        replay = (not self.after, self.repeat is not False, "solved" in self.stop)
        object.__setattr__(self, "_replay", replay)

    def flags(self, tokens: frozenset[str]) -> int:
        """What an event with these trigger words does to the clock: :data:`STOPS` | :data:`STARTS` | :data:`ARMS`."""
        hit = self._flags.get(tokens)
        if hit is None:
            start_on, stop_on, after = self._sets
            hit = (
                (0 if tokens.isdisjoint(stop_on) else STOPS)
                | (0 if tokens.isdisjoint(start_on) else STARTS)
                | (0 if tokens.isdisjoint(after) else ARMS)
            )
            if len(self._flags) < 10_000:  # token sets are few; a flood of statuses is not cached
                self._flags[tokens] = hit
        return hit

    @property
    def stops_when_solved(self) -> bool:
        """Whether the clock stops (and so does not start) while the ticket is solved."""
        return "solved" in self.stop

    def describe(self) -> str:
        """The clock in words, for explanations and ``slacalc policies``.

        >>> builtin_clock("periodic_update", pausable=False).describe()
        'starts on message:agent; stops on message:agent, solved; repeats'
        """
        parts = [f"starts on {', '.join(self.start)}"]
        if self.after:
            parts[0] += f" (after {', '.join(self.after)})"
        parts.append(f"stops on {', '.join(self.stop)}" if self.stop else "never stops")
        if self.pause:
            parts.append(f"paused in {', '.join(self.pause)}")
        if self.repeat is True:
            parts.append("repeats")
        elif self.repeat == "total":
            parts.append("one running total")
        return "; ".join(parts)


def check_trigger(word: str, field: str = "trigger") -> str:
    """*word* if it is a trigger a clock can use; a PolicyError naming the valid ones otherwise."""
    if word in TRIGGERS or (word.startswith("status:") and normalise_status(word[7:])):
        return word
    msg = (
        f"{field}: unknown trigger {word!r}; expected one of {', '.join(TRIGGERS)} or status:<name>"
    )
    raise PolicyError(msg)


def _pause_key(name: str) -> str:
    return name if name in GROUPS else normalise_status(name)


_PAUSED = ("pause_statuses",)
_BUILTIN: dict[str, tuple[tuple[str, ...], tuple[str, ...], Repeat, tuple[str, ...], str]] = {
    "initial_response": (("opened",), ("response", "message:agent"), False, (), "severity"),
    "escalation_response": (("escalation",), ("escalation_response",), False, (), "escalation"),
    "dispatch": (("opened",), ("dispatch",), False, (), "severity"),
    "resolution": (("opened",), ("solved",), False, (), "severity"),
    "next_reply": (
        ("message:customer",),
        ("message:agent", "response", "solved"),
        True,
        ("response", "message:agent"),
        "severity",
    ),
    "periodic_update": (("message:agent",), ("message:agent", "solved"), True, (), "severity"),
    "requester_wait": (("opened", "reopened"), ("solved",), "total", (), "severity"),
    "agent_work": (("opened", "reopened"), ("solved",), "total", (), "severity"),
}
#: Totals pause in the pause statuses by definition, whatever ``pausable`` says.
_ALWAYS_PAUSED = ("requester_wait", "agent_work")


def builtin_clock(metric: str, *, pausable: bool) -> ClockSpec:
    """The clock of a built-in metric; *pausable*: whether the policy pauses it in pause statuses."""
    start, stop, repeat, after, klass = _BUILTIN[metric]
    paused = pausable or metric in _ALWAYS_PAUSED
    return ClockSpec(start, stop, _PAUSED if paused else (), repeat, after, klass)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- replay


#: One instance of a clock: ``(start, stop, value)``; stop None: running at *now*; value: the start event's.
Run = tuple[int, int | None, str | None]


# (at, tokens, value, solved after the event)
_Item = tuple[int, frozenset[str], str | None, bool]
# (since, held, category, status name, resolved flag): the state from *since* on
_State = tuple[int, bool, str, str, bool]


class History:
    """A ticket's events replayed under a status mapping, up to *now* (epoch microseconds).

    Raises :class:`TimelineError` for a history that makes no sense (a resume
    without a pause, a pause while paused) and :class:`UnknownStatusError`
    for a status the mapping does not know (unless it reads unknown ones as
    open; then they are listed in :attr:`unknown`).
    """

    __slots__ = (
        "_pause_cache",
        "_span_cache",
        "_where",
        "items",
        "kinds",
        "now",
        "states",
        "unknown",
    )

    def __init__(self, ticket: Ticket, statuses: StatusMap, now: int) -> None:
        self.now = now
        self.unknown: list[str] = []
        self._where: dict[frozenset[str], list[int]] | None = None
        self._pause_cache: dict[tuple[str, ...], list[tuple[int, int | None, str]]] = {}
        self._span_cache: dict[
            tuple[str, ...], tuple[tuple[tuple[int, int | None], ...], tuple[str, ...]]
        ] = {}
        opened = ticket._opened_us
        if not ticket._events_us:  # the common case, kept short
            items: list[_Item] = [(opened, _OPENED, None, False)]
            responded = ticket._responded_us
            if responded is not None and responded <= now:
                items.append((responded, _RESPONSE, None, False))
            self.items = items
            self.kinds = list(map(_SECOND, items))
            self.states: list[_State] = [(opened, False, "open", "", False)]
            return
        rows = ticket._ranked()
        items = []
        states: list[_State] = [(opened, False, "open", "", False)]
        held = False
        category = "open"
        name = ""
        resolved = False
        solved = False  # resolved or category == "solved"
        plain, stateful, append, seen = _PLAIN, _STATEFUL, items.append, statuses._seen
        for at, _, pos, kind, value, index in rows:
            if kind not in stateful:
                if at <= now:
                    tokens = plain.get((kind, value))
                    if tokens is None:
                        tokens = _tokens(kind, value, ())
                    append((at, tokens, value, solved))
                continue
            was_solved = solved
            if kind == "status":
                assert value is not None
                found, key = seen.get(value) or statuses.read(value)
                if found is None:
                    if statuses.unknown == "error":
                        raise UnknownStatusError.for_event(
                            event_problem(
                                ticket.id,
                                index,
                                ticket.events[pos],
                                "names a status the policy does not map",
                                "one of " + ", ".join(statuses.known),
                            ),
                            value,
                        )
                    self.unknown.append(value)
                    found = "open"
                held = False
                category = found
                name = key
                if category != "solved":
                    resolved = False
            elif kind == "pause":
                if held or category == "pause":
                    why = "a pause event" if held else f"status {name!r}"
                    raise TimelineError(
                        event_problem(
                            ticket.id,
                            index,
                            ticket.events[pos],
                            f"while already paused (by {why})",
                            "a resume, or a status that is not a pause status, between two pauses",
                        )
                    )
                held = True
            elif kind == "resume":
                if held:
                    held = False
                elif category == "pause":
                    category, name = "open", ""
                else:
                    raise TimelineError(
                        event_problem(
                            ticket.id,
                            index,
                            ticket.events[pos],
                            "without a pause before it",
                            "each resume to follow a pause or a pause status",
                        )
                    )
            else:  # resolved
                resolved = True
            solved = resolved or category == "solved"
            states.append((at, held, category, name, resolved))
            if at <= now:  # the future is checked, but does not count
                change = (
                    "solved"
                    if solved and not was_solved
                    else "reopened"
                    if was_solved and not solved
                    else ""
                )
                if kind == "status":
                    tokens = _STATUS_TOKENS.get((name, change))
                    if tokens is None:
                        tokens = _status_tokens(name, change)
                else:
                    tokens = _tokens(kind, value, (change,) if change else ())
                append((at, tokens, value, solved))
        self.items = items
        self.kinds = list(map(_SECOND, items))
        self.states = states

    # ---- pauses

    def pauses(self, pause: tuple[str, ...]) -> list[tuple[int, int | None, str]]:
        """Spans ``[a, b)`` (b None: still at *now*) in which a clock paused in *pause* stands still.

        Each span carries its reason: the status name, ``pause`` (a pause
        event) or ``solved``.
        """
        if not pause:
            return []
        hit = self._pause_cache.get(pause)
        if hit is not None:
            return hit
        groups = set(pause)
        in_pause = "pause_statuses" in groups
        in_solved = "solved_statuses" in groups
        out: list[tuple[int, int | None, str]] = []
        start: int | None = None
        why = ""
        now = self.now
        for since, held, category, name, resolved in self.states:
            if since > now:
                break
            reason = ""
            if in_pause and held:
                reason = "pause"
            elif in_pause and category == "pause":
                reason = name
            elif in_solved and (resolved or category == "solved"):
                reason = name if category == "solved" else "resolved"
            elif name and name in groups:
                reason = name
            if reason and start is None:
                start, why = since, reason
            elif not reason and start is not None:
                if since > start:
                    out.append((start, since, why))
                start = None
        if start is not None:
            out.append((start, None, why))
        self._pause_cache[pause] = out
        return out

    def spans(
        self, pause: tuple[str, ...]
    ) -> tuple[tuple[tuple[int, int | None], ...], tuple[str, ...]]:
        """:meth:`pauses` as two tuples: the spans ``(a, b)`` and their reasons (cached)."""
        if not pause:
            return _NO_SPANS
        hit = self._span_cache.get(pause)
        if hit is None:
            found = self.pauses(pause)
            hit = (tuple([(a, b) for a, b, _ in found]), tuple([w for _, _, w in found]))
            self._span_cache[pause] = hit
        return hit

    # ---- runs

    def runs(self, spec: ClockSpec) -> list[Run]:
        """The instances of *spec*'s clock, in order; they never overlap.

        Only the events that stop, start or arm the clock are visited: the
        items are grouped once per history by their trigger words.
        """
        where = self._where
        if where is None:
            where = self._where = {}
            for i, tokens in enumerate(self.kinds):
                found = where.get(tokens)
                if found is None:
                    where[tokens] = [i]
                else:
                    found.append(i)
        table = spec._flags
        picked = []
        for tokens, found in where.items():
            f = table.get(tokens)
            if f is None:
                f = spec.flags(tokens)
            if f:
                picked.append(found)
        if not picked:
            return []
        order = picked[0] if len(picked) == 1 else sorted(itertools.chain.from_iterable(picked))
        start_on, stop_on, _ = spec._sets
        armed, repeat, solved_blocks = spec._replay
        out: list[Run] = []
        running: int | None = None
        value: str | None = None
        items = self.items
        for i in order:
            at, tokens, val, solved = items[i]
            f = table.get(tokens) or spec.flags(tokens)  # flags() when the table is full
            if running is not None and f & STOPS:
                out.append((running, at, value))
                running = None
                if not repeat:
                    return out
            if (
                running is None
                and armed
                and f & STARTS
                and not (solved_blocks and solved)
                and (repeat or not out)
            ):
                running, value = at, val
                if not repeat and _stopped_at_once(items, i, at, stop_on, start_on):
                    out.append((at, at, value))
                    return out
            if not armed and f & ARMS:
                armed = True
        if running is not None:
            out.append((running, None, value))
        return out


def _stopped_at_once(
    items: Sequence[_Item], i: int, at: int, stop_on: frozenset[str], start_on: frozenset[str]
) -> bool:
    """Whether a stop-only event at the start's instant was listed before the start.

    A one-off clock stops at the first stop at or after its start, whatever
    order the events of that instant are given in.
    """
    j = i - 1
    while j >= 0 and items[j][0] == at:
        tokens = items[j][1]
        if not tokens.isdisjoint(stop_on) and tokens.isdisjoint(start_on):
            return True
        j -= 1
    return False


_OPENED = frozenset({"opened"})
_RESPONSE = frozenset({"response"})
_STATEFUL = frozenset({"status", "pause", "resume", "resolved"})
_PLAIN: dict[tuple[str, str | None], frozenset[str]] = {
    ("opened", None): _OPENED,
    ("response", None): _RESPONSE,
    ("message", "customer"): frozenset({"message", "message:customer"}),
    ("message", "agent"): frozenset({"message", "message:agent"}),
    ("dispatch", None): frozenset({"dispatch"}),
    ("escalation_response", None): frozenset({"escalation_response"}),
}
_TOKENS: dict[tuple[str, str | None, tuple[str, ...]], frozenset[str]] = {}


_STATUS_TOKENS: dict[tuple[str, str], frozenset[str]] = {}
_NO_SPANS: tuple[tuple[tuple[int, int | None], ...], tuple[str, ...]] = ((), ())
_SECOND = operator.itemgetter(1)


def _status_tokens(name: str, change: str) -> frozenset[str]:
    """The trigger words of a status event: ``status``, ``status:<name>``, and ``solved`` / ``reopened``."""
    words = _tokens("status", None, (f"status:{name}", change) if change else (f"status:{name}",))
    if len(_STATUS_TOKENS) < 10_000:  # statuses are few; a flood of names is not cached
        _STATUS_TOKENS[name, change] = words
    return words


def _tokens(kind: str, value: str | None, extra: tuple[str, ...]) -> frozenset[str]:
    key = (kind, value if kind in ("message", "escalation") else None, extra)
    hit = _TOKENS.get(key)
    if hit is None:
        words = {kind, *extra}
        if kind == "message" and value is not None:
            words.add(f"message:{value}")
        hit = _TOKENS[key] = frozenset(words)
    return hit
