"""What every source reader shares: mappings, the ticket draft, bad records, the unmapped tally.

A reader turns one helpdesk record (or one group of event rows) into a
:class:`Draft`, which applies the source's :class:`Mapping` (statuses,
priorities, channels) and builds the :class:`SourceTicket`. Values the
mapping does not know are counted in a :class:`Tally`; at the end of a read
the tally becomes one :class:`~slacalc.exceptions.UnmappedValueWarning`.
"""

from __future__ import annotations

import tomllib
import warnings
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as AbstractMapping
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime, tzinfo
from importlib import resources
from itertools import repeat
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slacalc._engine.calendar import EPOCH as _EPOCH
from slacalc._engine.calendar import MAX_US as _MAX_US
from slacalc._engine.calendar import MIN_US as _MIN_US
from slacalc._engine.calendar import US as _ONE_US
from slacalc._engine.calendar import to_us
from slacalc._evaluation.tickets import EVENT_KINDS, Event, Ticket
from slacalc._files.tickets import BadRow
from slacalc.exceptions import (
    CalendarError,
    SlacalcError,
    SourceError,
    TicketError,
    UnmappedValueWarning,
)

__all__ = [
    "BadRecord",
    "Draft",
    "Mapping",
    "RecordError",
    "SourceTicket",
    "Tally",
    "instant",
    "load_mapping",
]

#: Derive pause / resume / resolved events from status changes with the
#: mapping's ``[clock]`` lists. Off: the evaluation reads the ``status`` events
#: itself (a policy's ``pause_statuses`` / ``solved_statuses``), and deriving
#: them too would pause a clock twice. Escalations are still derived from an
#: escalated status, which no policy list covers.
DERIVE_CLOCK_EVENTS = False

#: The fields of ``Ticket`` that :meth:`SourceTicket.from_draft` sets itself.
_FAST_FIELDS = (
    "id",
    "opened_at",
    "severity",
    "channel",
    "responded_at",
    "events",
    "_opened_us",
    "_responded_us",
    "_events_us",
    "_index",
    "_ranks",
)
_FAST = tuple(f.name for f in dataclass_fields(Ticket)) == _FAST_FIELDS
_KINDS = frozenset(EVENT_KINDS)
_NEEDS_VALUE = frozenset({"severity", "escalation", "message", "status"})
#: Kinds whose value may be empty (any other needs one; a message's names its author).
_BARE = _KINDS - _NEEDS_VALUE
_AUTHORS = frozenset({"customer", "agent"})
_NO_INSTANT = object()  # no event's instant is this (None is refused like any non-datetime)


#: ``Event`` is a frozen dataclass of three slots: its generated ``__init__`` sets each
#: field through ``object.__setattr__``. :func:`_events` sets the slots directly (in C,
#: through ``map``) while ``Event`` is that class; otherwise it calls the constructor.
_EVENT_SLOTS = (
    tuple(f.name for f in dataclass_fields(Event)) == ("at", "kind", "value")
    and getattr(Event, "__slots__", None) == ("at", "kind", "value")
    and not hasattr(Event, "__post_init__")
)


def _events(
    ats: Sequence[datetime], kinds: Sequence[str], values: Sequence[str | None]
) -> tuple[Event, ...]:
    """``tuple(map(Event, ats, kinds, values))``, faster."""
    if not _EVENT_SLOTS:
        return tuple(map(Event, ats, kinds, values))
    made = list(map(object.__new__, repeat(Event, len(ats))))
    consume = deque[None](maxlen=0).extend
    consume(map(_SET_AT, made, ats))
    consume(map(_SET_KIND, made, kinds))
    consume(map(_SET_VALUE, made, values))
    return tuple(made)


_SET_AT: Any = vars(Event)["at"].__set__  # the slot descriptors
_SET_KIND: Any = vars(Event)["kind"].__set__
_SET_VALUE: Any = vars(Event)["value"].__set__


def _us(ident: str, name: str, value: datetime) -> int:
    try:
        return to_us(value, name)
    except CalendarError as exc:
        msg = f"ticket {ident!r}: {exc}"
        raise TicketError(msg) from None


@dataclass(frozen=True, slots=True)
class BadRecord(BadRow):
    """A record of an export that could not become a ticket.

    ``line`` is where the record starts in the file (for a compact JSON file,
    everything is on line 1: ``position`` tells which record it is).
    """

    position: int = 0
    ticket_id: str | None = None
    field: str | None = None
    value: object = None


class RecordError(SlacalcError, ValueError):
    """Raised inside a reader for one bad record: the field, the value and what was expected."""

    def __init__(self, field: str | None, value: object, expected: str) -> None:
        where = f"{field}: " if field else ""
        shown = (
            value if isinstance(value, str | int | float | bool | None) else type(value).__name__
        )
        super().__init__(f"{where}invalid value {shown!r}; expected {expected}")
        self.field = field
        self.value = value


class SourceTicket(Ticket):
    """A :class:`~slacalc.Ticket` read from a helpdesk export, with its customer (organisation).

    It is a ``Ticket`` in every respect; ``customer`` is the helpdesk's
    organisation or company (None when the export has none) and ``source`` the
    name of the source that read it.
    """

    __slots__ = ("_ats", "customer", "source")

    customer: str | None
    source: str
    _ats: tuple[datetime, ...]

    def __init__(
        self,
        id: str,
        opened_at: datetime,
        severity: str | int,
        channel: str | None = None,
        responded_at: datetime | None = None,
        events: Iterable[Any] = (),
        *,
        customer: str | None = None,
        source: str = "",
    ) -> None:
        super().__init__(id, opened_at, severity, channel, responded_at, events)
        object.__setattr__(self, "customer", customer)
        object.__setattr__(self, "source", source)

    def __getattr__(self, name: str) -> Any:
        # Only reached for a slot not set: ``events`` of a ticket built by from_draft with
        # events (it sets an empty tuple itself), made on first use from its instants (a run
        # that judges a million tickets never reads them).
        if name == "events":
            _, kinds, values = zip(*self._events_us, strict=True)
            events = _events(self._ats, kinds, values)
            object.__setattr__(self, "events", events)
            return events
        msg = f"{type(self).__name__!r} object has no attribute {name!r}"
        raise AttributeError(msg)

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = {f.name: getattr(self, f.name) for f in dataclass_fields(Ticket)}
        state["customer"] = self.customer
        state["source"] = self.source
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_draft(
        cls,
        ident: str,
        opened_at: datetime,
        severity: str,
        channel: str | None,
        responded_at: datetime | None,
        events: list[tuple[datetime, str, str | None]],
        customer: str | None,
        source: str,
    ) -> SourceTicket:
        """The ticket of a reader's draft: the same object as the constructor builds, faster.

        Readers build a million tickets in a run; the constructor checks every
        event anew (kind, value, instant) although a draft's events are built
        from known kinds. This path checks what a draft can get wrong (values,
        instants, the timeline) and sets the fields the constructor would set.
        It is used only while ``Ticket``'s fields are the ones it knows
        (:data:`_FAST_FIELDS`); otherwise it falls back to the constructor, and
        a test pins that both give equal tickets.
        """

        def by_constructor() -> SourceTicket:
            return cls(
                ident,
                opened_at,
                severity,
                channel,
                responded_at,
                events,
                customer=customer,
                source=source,
            )

        if not _FAST:
            return by_constructor()
        self = object.__new__(cls)
        set_ = object.__setattr__
        set_(self, "id", ident)
        try:  # to_us inlined: the subtraction refuses a naive instant
            opened_us = (opened_at - _EPOCH) // _ONE_US
            if not _MIN_US <= opened_us < _MAX_US:
                raise TypeError
        except TypeError:
            opened_us = _us(ident, "opened_at", opened_at)  # raises the one wording
        set_(self, "_opened_us", opened_us)
        set_(self, "opened_at", opened_at)
        text = severity.strip() if type(severity) is str else str(severity).strip()
        if not text:
            msg = f"ticket {ident!r}: severity is empty; expected a severity name such as '1' or 'urgent'"
            raise TicketError(msg)
        set_(self, "severity", text)
        set_(self, "channel", None if channel in (None, "") else str(channel).strip().lower())
        set_(self, "responded_at", responded_at)
        set_(
            self,
            "_responded_us",
            None if responded_at is None else _us(ident, "responded_at", responded_at),
        )
        timed: list[tuple[int, int, datetime, str, str | None]] = []
        append = timed.append
        last: object = _NO_INSTANT
        us = 0
        statuses = False
        for i, (at, kind, value) in enumerate(events):
            if value is not None:
                value = value.strip()
            if kind in _BARE:
                pass
            elif kind == "message":
                if value not in _AUTHORS:
                    return by_constructor()  # a bad event: the constructor raises (one wording)
            elif not value or kind not in _KINDS:
                return by_constructor()
            elif kind == "status":
                statuses = True
            if at is not last:  # the events of one update share their instant
                try:
                    us = (at - _EPOCH) // _ONE_US
                    if not _MIN_US <= us < _MAX_US:
                        raise TypeError
                except TypeError:
                    us = _us(ident, f"{kind} event", at)  # raises the one wording
                if us < opened_us:
                    return by_constructor()  # before opening: the constructor raises
                last = at
            append((us, i, at, kind, value))
        if timed:
            timed.sort()
            stamps, index, ats, kinds, values = zip(*timed, strict=True)
            set_(self, "_ats", ats)  # ``events`` is built from them when first read
            set_(self, "_events_us", tuple(zip(stamps, kinds, values, strict=True)))
            set_(self, "_index", index)
        else:
            set_(self, "events", ())
            set_(self, "_events_us", ())
            set_(self, "_index", ())
        set_(self, "_ranks", None)
        set_(self, "customer", customer)
        set_(self, "source", source)
        responded_us = self._responded_us
        if not statuses or (responded_us is not None and responded_us < opened_us):
            # what the loop above has not checked: pause / resume pairs (matched under the
            # policy's status mapping once a status is given) and the response
            self._check()
        return self


# ---------------------------------------------------------------------- mappings

_MEANINGS = ("pause", "solved", "escalated")


@dataclass(frozen=True)
class Mapping:
    """How one helpdesk's statuses, priorities and channels read in slacalc's words.

    ``statuses`` maps the helpdesk's status names to slacalc status names
    (``new``, ``open``, ``pending``, ``on-hold``, ``solved``, ``closed`` or a
    name of your own); ``clock`` says which slacalc statuses pause the clocks,
    solve the ticket and escalate it; ``priorities`` maps priorities to
    severities; ``channels`` maps channels. Keys are matched case-insensitively.
    """

    source: str
    origin: str
    title: str = ""
    statuses: dict[str, str] = field(default_factory=dict)
    priorities: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    clock: dict[str, tuple[str, ...]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    passthrough: bool = False

    def __post_init__(self) -> None:
        # raw value -> (result, known) per lookup: a million tickets repeat a handful of values.
        # Only str and int values are memoized (True == 1 would share an entry with 1).
        for memo in ("_statuses", "_severities", "_channels", "_flags"):
            object.__setattr__(self, memo, {})

    def _found(self, table: dict[str, str], raw: object) -> str | None:
        return table.get(_key(raw))

    def status(self, raw: object, tally: Tally) -> str:
        """The slacalc status name of helpdesk status *raw* (unknown ones pass through, counted)."""
        memo: dict[object, tuple[str, bool]] = self._statuses  # type: ignore[attr-defined]
        kind = type(raw)
        hit = memo.get(raw) if kind is str or kind is int else None
        if hit is None:
            found = self._found(self.statuses, raw)
            hit = (_key(raw) if found is None else found, found is not None or self.passthrough)
            if kind is str or kind is int:
                memo[raw] = hit
        if not hit[1]:
            tally.add("status", raw)
        return hit[0]

    def severity(self, raw: object, tally: Tally) -> str:
        """The severity of helpdesk priority *raw* (a missing one takes ``defaults.priority``)."""
        memo: dict[object, tuple[str, bool]] = self._severities  # type: ignore[attr-defined]
        kind = type(raw)
        hit = memo.get(raw) if kind is str or kind is int else None
        if hit is None:
            if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
                default = self.defaults.get("priority")
                if default is None:
                    raise RecordError(
                        "priority", raw, "a priority (or defaults.priority in the mapping)"
                    )
                raw = default
                kind = str
                hit = memo.get(raw)
            if hit is None:
                found = self._found(self.priorities, raw)
                hit = (
                    str(raw).strip() if found is None else found,
                    found is not None or self.passthrough,
                )
                if kind is str or kind is int:
                    memo[raw] = hit
        if not hit[1]:
            tally.add("priority", raw)
        return hit[0]

    def channel(self, raw: object, tally: Tally) -> str | None:
        """The slacalc channel of helpdesk channel *raw* (None when the export names none)."""
        memo: dict[object, tuple[str | None, bool]] = self._channels  # type: ignore[attr-defined]
        kind = type(raw)
        hit = memo.get(raw) if kind is str or kind is int else None
        if hit is None:
            if raw is None or raw == "" or (isinstance(raw, str) and not raw.strip()):
                return self.defaults.get("channel") or None
            found = self._found(self.channels, raw)
            hit = (
                _key(raw) if found is None else (found or None),
                found is not None or self.passthrough,
            )
            if kind is str or kind is int:
                memo[raw] = hit
        if not hit[1]:
            tally.add("channel", raw)
        return hit[0]

    def flags(self, status: str) -> tuple[bool, bool, bool]:
        """Whether slacalc status *status* pauses, solves and escalates (memoized)."""
        memo: dict[str, tuple[bool, bool, bool]] = self._flags  # type: ignore[attr-defined]
        hit = memo.get(status)
        if hit is None:
            clock = self.clock
            hit = memo[status] = (
                status in clock.get("pause", ()),
                status in clock.get("solved", ()),
                status in clock.get("escalated", ()),
            )
        return hit

    def meaning(self, status: str, which: str) -> bool:
        """Whether slacalc status *status* is one of the clock's *which* (pause, solved, escalated)."""
        return status in self.clock.get(which, ())

    def option(self, name: str, default: Any = None) -> Any:
        """A source-specific option of ``[options]``."""
        return self.options.get(name, default)

    def as_toml(self) -> str:
        """The mapping as a TOML file (what ``slacalc sources NAME`` prints)."""
        lines = [f"# slacalc source mapping: {self.source} ({self.title})", f"# from {self.origin}"]
        lines.append("")
        for table, doc in (
            ("statuses", "helpdesk status -> slacalc status"),
            ("priorities", "helpdesk priority -> severity"),
            ("channels", "helpdesk channel -> slacalc channel"),
        ):
            lines.append(f"[{table}]  # {doc}")
            for key, value in getattr(self, table).items():
                lines.append(f"{_toml_key(key)} = {_toml_str(value)}")
            lines.append("")
        lines.append("[clock]  # which slacalc statuses pause, solve and escalate")
        for key in _MEANINGS:
            values = ", ".join(_toml_str(v) for v in self.clock.get(key, ()))
            lines.append(f"{key} = [{values}]")
        lines.append("")
        if self.defaults:
            lines.append("[defaults]")
            lines.extend(f"{_toml_key(k)} = {_toml_str(v)}" for k, v in self.defaults.items())
            lines.append("")
        if self.options:
            lines.append("[options]")
            for key, value in self.options.items():
                lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
            lines.append("")
        return "\n".join(lines)


def _key(raw: object) -> str:
    if raw is None:
        return ""
    return " ".join(str(raw).split()).lower()


def _toml_str(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _toml_key(key: str) -> str:
    return key if key and all(c.isalnum() or c in "-_" for c in key) else _toml_str(key)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return _toml_str(value)


_TABLES = ("source", "statuses", "priorities", "channels", "clock", "defaults", "options")


def _builtin_text(source: str) -> tuple[str, str]:
    ref = resources.files("slacalc._files.sources") / "mappings" / f"{source}.toml"
    return ref.read_text(encoding="utf-8"), f"the built-in {source} mapping"


def load_mapping(
    source: str, override: str | Path | AbstractMapping[str, Any] | None = None
) -> Mapping:
    """The built-in mapping of *source*, with the tables of *override* (a TOML file or a dict) laid over it.

    An override's ``[statuses]``, ``[priorities]``, ``[channels]``,
    ``[defaults]`` and ``[options]`` entries are added to (or replace) the
    built-in ones; a list in ``[clock]`` replaces the built-in list.
    """
    text, origin = _builtin_text(source)
    data = _parse(text, origin)
    if override is not None:
        if isinstance(override, AbstractMapping):
            extra: dict[str, Any] = dict(override)
            where = "the mapping given"
        else:
            path = Path(override)
            try:
                extra = _parse(path.read_text(encoding="utf-8"), str(path))
            except OSError as exc:
                msg = f"mapping: cannot read {str(path)!r}: {exc.strerror}; expected a TOML file"
                raise SourceError(msg) from None
            where = str(path)
        _check_tables(extra, where)
        for table, values in extra.items():
            if table == "source":
                continue
            data.setdefault(table, {}).update(values)
        origin = f"{origin} with {where}"
    return _mapping(source, data, origin)


def _parse(text: str, origin: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"mapping {origin}: invalid TOML: {exc}"
        raise SourceError(msg) from None
    _check_tables(data, origin)
    return data


def _check_tables(data: AbstractMapping[str, Any], origin: str) -> None:
    for table, values in data.items():
        if table not in _TABLES:
            msg = f"mapping {origin}: unknown table [{table}]; expected one of {', '.join(_TABLES)}"
            raise SourceError(msg)
        if not isinstance(values, AbstractMapping):
            msg = f"mapping {origin}: [{table}] must be a table of key = value"
            raise SourceError(msg)
        for key, value in values.items():
            if table == "clock":
                if key not in _MEANINGS or not (
                    isinstance(value, list) and all(isinstance(v, str) for v in value)
                ):
                    msg = f"mapping {origin}: clock.{key} = {value!r}; expected pause, solved or escalated = a list of status names"
                    raise SourceError(msg)
            elif table in ("statuses", "priorities", "channels", "defaults") and not isinstance(
                value, str
            ):
                msg = f"mapping {origin}: {table}.{key} = {value!r}; expected a string"
                raise SourceError(msg)


def _mapping(source: str, data: dict[str, Any], origin: str) -> Mapping:
    head = data.get("source", {})

    def table(name: str) -> dict[str, str]:
        return {_key(k): str(v).strip() for k, v in data.get(name, {}).items()}

    return Mapping(
        source=source,
        origin=origin,
        title=str(head.get("title", source)),
        statuses={k: v.lower() for k, v in table("statuses").items()},
        priorities=table("priorities"),
        channels={k: v.lower() for k, v in table("channels").items()},
        clock={k: tuple(_key(s) for s in v) for k, v in data.get("clock", {}).items()},
        defaults={k: str(v) for k, v in data.get("defaults", {}).items()},
        options=dict(data.get("options", {})),
        passthrough=bool(head.get("passthrough", False)),
    )


# ---------------------------------------------------------------------- the tally


class Tally:
    """Counts the values a mapping did not know, for one warning at the end of a read."""

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.counts: Counter[tuple[str, str]] = Counter()

    def add(self, kind: str, raw: object) -> None:
        """Count one unmapped *kind* (status, priority, channel) value."""
        self.counts[(kind, str(raw))] += 1

    def message(self) -> str | None:
        """The warning's text, or None when every value was mapped."""
        if not self.counts:
            return None
        tables = {"status": "statuses", "priority": "priorities", "channel": "channels"}
        parts = [
            f"{kind} {raw!r} ({n}×)"
            for (kind, raw), n in sorted(self.counts.items(), key=lambda kv: (kv[0][0], -kv[1]))
        ]
        wanted = sorted({tables[kind] for kind, _ in self.counts})
        return (
            f"{self.mapping.source}: values the mapping does not know: {', '.join(parts)}; "
            f"they were used as they are (an unknown status neither pauses nor solves). "
            f"Extend [{'], ['.join(wanted)}] of the {self.mapping.source} mapping "
            f"(see `slacalc sources {self.mapping.source}`) in a file of your own and pass it "
            "with mapping=PATH (--mapping PATH)"
        )

    def warn(self) -> None:
        """Issue the one warning, if anything was unmapped."""
        text = self.message()
        if text is not None:
            warnings.warn(text, UnmappedValueWarning, stacklevel=4)


# ---------------------------------------------------------------------- instants


def instant(field: str, value: object, zone: tzinfo | None = None) -> datetime:
    """An aware datetime from an export's timestamp.

    Accepts ISO 8601 with an offset or ``Z`` (``2026-04-02T16:00:00Z``,
    ``2026-04-02T18:00:00.000+0200`` as Jira writes it), and epoch seconds
    (int). A timestamp without an offset is read in *zone* when the source
    knows the zone of its exports (Frappe), and refused otherwise.
    """
    if type(value) is str:  # the common case: ISO 8601 with an offset
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if dt.tzinfo is not None:
                return dt
    if isinstance(value, bool) or value is None:
        raise RecordError(field, value, "a timestamp")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise RecordError(field, value, "epoch seconds") from None
    if not isinstance(value, str) or not value.strip():
        raise RecordError(field, value, "an ISO 8601 timestamp with an offset")
    text = value.strip()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(field, value, "an ISO 8601 timestamp with an offset") from None
    if dt.tzinfo is None:
        if zone is None:
            raise RecordError(
                field, value, "a timestamp with an offset (naive times are never assumed local)"
            )
        dt = dt.replace(tzinfo=zone)
    return dt


def zone_option(mapping: Mapping, name: str = "timezone") -> tzinfo | None:
    """The time zone named by the mapping's option *name*, if any."""
    text = mapping.option(name)
    if not text:
        return None
    if str(text).upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(str(text))
    except (ZoneInfoNotFoundError, ValueError):
        msg = f"mapping {mapping.origin}: options.{name} = {text!r}; expected an IANA time zone such as 'Europe/Berlin'"
        raise SourceError(msg) from None


# ---------------------------------------------------------------------- the draft


class Draft:
    """One ticket being assembled from a helpdesk record: mapping applied as it goes.

    Call :meth:`status` for every status the ticket entered (the first call
    sets the status at opening), :meth:`priority` for priority changes,
    :meth:`message` for every reply or note, :meth:`assigned` for
    assignments; :meth:`build` makes the ticket.
    """

    __slots__ = (
        "_status",
        "channel",
        "customer",
        "events",
        "ident",
        "mapping",
        "opened_at",
        "responded_at",
        "severity",
        "tally",
    )

    def __init__(self, mapping: Mapping, tally: Tally, ident: object, opened_at: datetime) -> None:
        self.mapping = mapping
        self.tally = tally
        self.ident = str(ident).strip()
        if not self.ident:
            raise RecordError("id", ident, "a ticket id")
        self.opened_at = opened_at
        self.severity: str | None = None
        self.channel: str | None = None
        self.customer: str | None = None
        self.responded_at: datetime | None = None
        # (at, kind, value) tuples: the Ticket builds and checks each Event once
        self.events: list[tuple[datetime, str, str | None]] = []
        self._status: str | None = None

    def set_priority(self, raw: object) -> None:
        """The priority at opening."""
        self.severity = self.mapping.severity(raw, self.tally)

    def priority(self, at: datetime, raw: object) -> None:
        """A priority change at *at*."""
        self.events.append((at, "severity", self.mapping.severity(raw, self.tally)))

    def set_channel(self, raw: object) -> None:
        """The channel the ticket came in on."""
        self.channel = self.mapping.channel(raw, self.tally)

    def set_customer(self, raw: object) -> None:
        """The organisation or company the ticket belongs to."""
        self.customer = None if raw in (None, "") else str(raw).strip()

    def status(self, at: datetime, raw: object) -> None:
        """The ticket entered status *raw* at *at* (the first call: its status at opening)."""
        mapping = self.mapping
        new = mapping.status(raw, self.tally)
        old = self._status
        if new == old:
            return
        self._status = new
        events = self.events
        events.append((at, "status", new))
        flags = mapping.flags
        paused, solved, escalated = flags(new)
        if not (escalated or DERIVE_CLOCK_EVENTS):
            return
        was_paused, was_solved, was_escalated = (False, False, False) if old is None else flags(old)
        if DERIVE_CLOCK_EVENTS:
            if was_paused and not paused:
                events.append((at, "resume", None))
            elif paused and not was_paused:
                events.append((at, "pause", None))
            if solved and not was_solved:
                events.append((at, "resolved", None))
        if escalated and not was_escalated:
            events.append((at, "escalation", mapping.defaults.get("escalation", "normal")))

    def message(self, at: datetime, author: str, public: bool) -> None:
        """A reply (*public*) or an internal note by the ``customer`` or an ``agent``.

        Internal notes are read and left out: they stop no clock. The first
        public agent reply at or after opening is the first response.
        """
        if not public:
            return
        self.events.append((at, "message", author))
        if (
            author == "agent"
            and at >= self.opened_at
            and (self.responded_at is None or at < self.responded_at)
        ):
            self.responded_at = at

    def assigned(self, at: datetime) -> None:
        """The ticket was assigned to an agent (the first assignment is the dispatch)."""
        if not any(e[1] == "dispatch" for e in self.events):
            self.events.append((at, "dispatch", None))

    def escalated(self, at: datetime, klass: str) -> None:
        """A management escalation of class *klass* was requested."""
        self.events.append((at, "escalation", klass))

    def build(self) -> SourceTicket:
        """The ticket."""
        if self.severity is None:
            self.set_priority(None)
        assert self.severity is not None
        return SourceTicket.from_draft(
            self.ident,
            self.opened_at,
            self.severity,
            self.channel,
            self.responded_at,
            self.events,
            self.customer,
            self.mapping.source,
        )


def bad(
    line: int,
    position: int,
    ident: object,
    exc: Exception,
    *,
    what: str = "record",
) -> BadRecord:
    """A :class:`BadRecord` for *exc* raised while reading record *position*."""
    ticket = None if ident in (None, "") else str(ident)
    field_name = getattr(exc, "field", None)
    value = getattr(exc, "value", None)
    where = f"{what} {position}" + (f" (ticket {ticket!r})" if ticket else "")
    text = str(exc)
    if isinstance(exc, TicketError) and ticket and text.startswith(f"ticket {ticket!r}: "):
        text = text[len(f"ticket {ticket!r}: ") :]
    return BadRecord(line, f"{where}: {text}", position, ticket, field_name, value)


def renumbered(item: BadRecord, before: int) -> BadRecord:
    """*item* read from a part of a file with *before* records ahead of that part (``--jobs``).

    Its position, and the ``record N`` its message begins with, count from
    the start of the file; a reader numbers records from the start of its
    stream.
    """
    said = f"record {item.position}"
    if not before or not item.message.startswith(said):
        return item
    position = item.position + before
    return replace(item, message=f"record {position}{item.message[len(said) :]}", position=position)


def get_path(obj: object, path: str) -> object:
    """``obj["a"]["b"]`` for ``"a.b"``; None where a step is missing."""
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def text_of(value: object) -> object:
    """A helpdesk's named value: ``{"name": "High"}`` / ``{"value": "Email"}`` → the text."""
    if isinstance(value, dict):
        for key in ("name", "value", "label", "title", "id"):
            if key in value:
                return value[key]
        return None
    return value
