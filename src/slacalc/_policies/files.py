"""Policy files: the pydantic models of the TOML/JSON format, validation, and loading.

A policy file is validated in two passes. pydantic checks the shape (unknown
keys, types, closed vocabularies); then :func:`build_policy` checks what refers
to what (severities, calendars, ``extends``, durations) and builds the frozen
runtime objects of ``slacalc._policies.model``. Every problem of either pass becomes one
:class:`PolicyFileError` naming the file, the line (found by searching the raw
text for the key), the key path, the bad value and what was expected; pydantic's
``ValidationError`` never escapes.

>>> policy = load_policy("exoscale")
>>> [p for p in policy.plans]
['built-in', 'starter', 'pro', 'enterprise']
>>> sorted(policy_schema()["properties"])[:4]
['$schema', 'alert_measure', 'calendars', 'credits']
"""

from __future__ import annotations

import copy
import json
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from slacalc._billing.models import EscalationsModel, PriceModel
from slacalc._engine.calendar import Calendar
from slacalc._engine.durations import Duration, NoObjective, parse_duration
from slacalc._engine.ical import feed_path
from slacalc._evaluation.alerts import AlertSpec
from slacalc._evaluation.clocks import BUILTIN_STATUSES, ClockSpec, check_trigger, normalise_status
from slacalc._policies.model import (
    ALL,
    ESCALATION_CLASSES,
    MAX_AWARD_DAYS,
    MAX_CAP_DAYS,
    MAX_CREDIT_PER,
    MIN_CREDIT_PER,
    CreditRule,
    FrozenMap,
    Plan,
    Policy,
    PolicyFamily,
    Severity,
    Target,
)
from slacalc._typing import METRICS, Measure, OnSeverityChange, Rounding
from slacalc.exceptions import (
    DurationError,
    PolicyError,
    PolicyFileError,
    SlacalcError,
    UnknownPolicyError,
    UnknownSeverityError,
)

__all__ = [
    "CalendarModel",
    "CreditsModel",
    "HolidaysModel",
    "MetricModel",
    "MetricTargetsModel",
    "PlanModel",
    "PolicyModel",
    "SeverityModel",
    "TargetModel",
    "build_policy",
    "builtin_families",
    "builtin_policies",
    "load_policy",
    "policy_schema",
    "read_policy",
    "read_policy_document",
]

Format = Literal["toml", "json"]
Path_ = tuple[str | int, ...]

# --------------------------------------------------------------------------- file-format models


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class HolidaysModel(_Model):
    """``[calendars.<name>.holidays]``: holidays from the ``holidays`` package and/or iCal feeds.

    At least one of ``country``, ``ical`` and ``add`` is needed.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [{"required": ["country"]}, {"required": ["ical"]}, {"required": ["add"]}]
        }
    )

    country: str | None = None
    """ISO 3166-1 country code: ZITADEL "public holidays in Switzerland" → ``CH``."""
    subdiv: str | None = None
    """Subdivision: ZITADEL "Kanton St. Gallen" → ``SG``; freistilbox (Düsseldorf) → ``NW``."""
    categories: tuple[str, ...] = ("public",)
    """``holidays`` categories; only public holidays close the calendar unless asked for more."""
    ical: str | tuple[str, ...] | None = None
    """One or more iCalendar (.ics) files whose events are holidays, named by their SUMMARY; a relative path is read from the policy file's directory. No URLs: slacalc never fetches."""
    add: dict[date, str] = Field(default_factory=dict)
    """Dates switched on as holidays, with their names, e.g. ``{ "2026-12-31" = "Silvester" }``."""
    remove: tuple[date, ...] = ()
    """Dates switched off: working days although the country or a feed has them, e.g. ``["2026-01-02"]``."""


class CalendarModel(_Model):
    """``[calendars.<name>]``: when a support clock runs (see docs/calendars.md)."""

    title: str = ""
    """Human name, e.g. the document's "Business hours" or "Extended Office Hours"."""
    timezone: str
    """IANA time zone: "Switzerland time" / "CET/CEST" → ``Europe/Zurich``."""
    hours: str | dict[str, str | list[str]]
    """Weekly windows, e.g. ``{"mon-fri" = "08:00-17:00"}`` (ZITADEL business hours), or ``"24x7"``."""
    holidays: HolidaysModel | None = None
    """Holiday source; "All times exclude public holidays in Switzerland / Canton St. Gallen"."""
    closed: tuple[date, ...] = ()
    """Extra closed dates (company holidays)."""
    special: dict[date, str | list[str]] = Field(default_factory=dict)
    """Per-date special hours, e.g. ``2026-12-24 = "08:00-12:00"``."""
    business_day: str | None = None
    """Length of "1 business day" (default: the open time of a regular weekday, 9 h for 08:00-17:00)."""


class SeverityModel(_Model):
    """``[[severities]]``: one severity or priority, most severe first."""

    name: str = Field(min_length=1)
    """Canonical name: ``"1"`` … for numbered severities (ZITADEL "Severity 1"), else a word (freistilbox "Urgent")."""
    aliases: tuple[str, ...] = ()
    """Other names accepted for it (``sevN``, ``Severity N`` … are implied for numbered names)."""
    title: str = ""
    """Short label from the document, e.g. "Critical / Service down"."""
    description: str = ""
    """The document's definition of the level."""


class TargetModel(_Model):
    """A target written as a table: ``"2" = { target = "2 business hours", calendar = "extended" }``."""

    target: str
    """Duration ("4 business hours", "30 minutes", "1 business day", "PT4H") or "best effort" / "not applicable"."""
    calendar: str | None = None
    """Calendar the duration runs on (overrides the metric's and the plan's default)."""
    note: str = ""
    """Where the number comes from, or the reading taken."""


class MetricTargetsModel(BaseModel):
    """``[plans.<plan>.targets.<metric>]``: one target per class; other keys are class names.

    Class keys are severity names or aliases (canonicalised when loading),
    ``urgent`` / ``normal`` for ``escalation_response``, or ``all`` for every
    class without a target of its own. A value is a duration string or a
    :class:`TargetModel` table.
    """

    model_config = ConfigDict(frozen=True, extra="allow", use_attribute_docstrings=True)
    __pydantic_extra__: dict[str, str | TargetModel] = Field(init=False)

    calendar: str | None = None
    """Default calendar for this metric's targets in this table (ZITADEL Extended: "Extended hours")."""


class MetricModel(_Model):
    """``[metrics.<name>]``: a metric's clock in the clock model (see docs/evaluation.md).

    A built-in metric's name redefines its clock; any other name adds a metric,
    which plans then target like the built-in ones.
    """

    title: str = ""
    """What the metric measures, in the document's words."""
    start: tuple[str, ...] = Field(min_length=1)
    """Triggers that start a clock: ``opened``, ``message:customer``, ``message:agent``, ``response``, ``escalation``, ``reopened``, ``status:<name>`` …"""
    stop: tuple[str, ...] = ()
    """Triggers that stop the running clock: ``message:agent``, ``response``, ``dispatch``, ``resolved``, ``solved`` …; none: it runs until now."""
    pause: tuple[str, ...] = ()
    """Statuses in which the clock stands still, or the groups ``pause_statuses`` / ``solved_statuses``."""
    repeat: bool | Literal["total"] = False
    """``false``: one clock per ticket; ``true``: a new instance for each start while none runs; ``"total"``: one total that stops suspend and starts continue."""
    after: tuple[str, ...] = ()
    """Triggers one of which must have happened before a start counts (next reply: after the first response)."""
    klass: Literal["severity", "escalation"] = Field(default="severity", alias="class")
    """What classes an instance: the severity in force when it starts, or the value of the escalation that starts it."""


class PlanModel(_Model):
    """``[plans.<name>]``: one subscription or support level."""

    title: str = ""
    """The document's name for the plan, e.g. "STARBASE" or "Enterprise Premium Support" (default: the key)."""
    extends: str | None = None
    """Plan to start from (ZITADEL 2023: Extended support "replaces the default support features")."""
    calendar: str | None = None
    """Default calendar for every target this plan writes (not for those it inherits)."""
    channels: tuple[str, ...] | None = None
    """Support channels offered, e.g. ZITADEL 2021 STARBASE "eMail / Chat / Phone Support: yes"."""
    covered_channels: tuple[str, ...] | None = None
    """Channels on which targets apply; absent = every channel (ZITADEL 2023: "professional support channels only")."""
    support_hours: str | None = None
    """Support hours as the document says them, or a calendar name."""
    targets: dict[str, MetricTargetsModel] = Field(default_factory=dict)
    """Per metric, per class: the objective (tables "SLO - Initial response time", "Response times")."""
    price: PriceModel | None = None
    """What the plan costs (Exoscale "Price/month", ProAuth "Annual price")."""
    alerts: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Per metric, warnings before a breach: ``["50%", "75%", "30 minutes before"]`` (ServiceNow-style shares, Freshdesk-style lead times)."""
    notes: tuple[str, ...] = ()
    """Interpretations taken for this plan."""


class CreditsModel(_Model):
    """``[credits]``: ZITADEL 2023 "For every 15 minutes exceeding the stated objective, 1 day will be added"."""

    per: str = Field(default="15 minutes", min_length=1, max_length=100)
    """Lateness period that earns one award ("every 15 minutes"): a fixed duration from 1 minute to 8760 hours (365 days)."""
    award_days: int = Field(default=1, ge=1, le=MAX_AWARD_DAYS)
    """Days of term extension per period ("1 day will be added as extension to the current term"), 1 to 365."""
    rounding: Rounding = "ceil"
    """``ceil``: every started period counts (any failure entitles to credits); ``floor``: full periods only."""
    measure: Measure = "business"
    """Lateness in business time on the target's calendar, or wall time."""
    cap_days_per_ticket: int | None = Field(default=None, ge=0, le=MAX_CAP_DAYS)
    """Most days one ticket can earn, 0 to 3650 (none in the seeds)."""
    cap_days_per_term: int | None = Field(default=None, ge=0, le=MAX_CAP_DAYS)
    """Most days a contract term can earn, 0 to 3650 (none in the seeds)."""
    metrics: tuple[str, ...] = ("initial_response",)
    """Metrics whose breaches earn credits (ZITADEL 2023: initial response and escalation response)."""
    channels: tuple[str, ...] | None = None
    """Only tickets from these channels earn credits (ZITADEL 2023: professional channels); absent = all."""


class PolicyModel(_Model):
    """A policy file: one published version of a provider's support terms."""

    schema_: str | None = Field(default=None, alias="$schema")
    """Optional URL or path of the JSON Schema, for editors; ignored."""
    name: str = Field(min_length=1)
    """Version name, e.g. ``zitadel-2023``."""
    family: str | None = None
    """Family the version belongs to, e.g. ``zitadel`` (default: the name)."""
    title: str = ""
    """The document's title."""
    source: str = ""
    """Which document the numbers come from."""
    effective_from: date
    """First day the terms apply (ZITADEL 2023: "Last updated on November 15, 2023")."""
    effective_until: date | None = None
    """First day they no longer apply (exclusive), if a later version replaced them."""
    severity_change: OnSeverityChange = "recalculate"
    """When severity changes: ``recalculate`` from opening, ``restart`` at the change, or keep the ``initial`` one."""
    lateness: Measure = "business"
    """Measure lateness in business time on the target's calendar, or in wall time."""
    pausable: tuple[str, ...] = ("resolution",)
    """Metrics whose clock stops while waiting on the customer (in a pause status, or between pause and resume)."""
    pause_statuses: tuple[str, ...] = BUILTIN_STATUSES["pause_statuses"]
    """Helpdesk statuses that pause the clocks of pausable metrics (Zendesk "pending", "on-hold")."""
    solved_statuses: tuple[str, ...] = BUILTIN_STATUSES["solved_statuses"]
    """Statuses that stop resolution and every repeating clock; leaving one re-opens the ticket."""
    open_statuses: tuple[str, ...] = BUILTIN_STATUSES["open_statuses"]
    """Statuses in which the clocks run (the ticket is the support team's to work on)."""
    unknown_statuses: Literal["error", "open"] = "error"
    """A status in none of the three lists: a row ``error`` naming it (default), or read as ``open``."""
    alert_measure: Measure = "business"
    """Alerts in open time on the target's calendar (default: never at night or on a weekend), or in ``wall`` time."""
    severities: tuple[SeverityModel, ...] = Field(min_length=1)
    """Severity levels, most severe first (ZITADEL "Severity Level" table, freistilbox "Priority")."""
    calendars: dict[str, CalendarModel] = Field(default_factory=dict)
    """Named calendars the targets run on."""
    metrics: dict[str, MetricModel] = Field(default_factory=dict)
    """Metrics defined in the clock model: new ones, or built-in ones redefined."""
    plans: dict[str, PlanModel] = Field(min_length=1)
    """Plans in the document's order."""
    credits: CreditsModel | None = None
    """Service-credit rule, if the document grants credits."""
    escalations: EscalationsModel | None = None
    """Escalation quota per customer (ProAuth "Escalation Definition" and "Escalation Packs")."""
    notes: tuple[str, ...] = ()
    """Interpretations that apply to the whole policy."""


# --------------------------------------------------------------------------- errors


@dataclass
class _Problems:
    """Problems found in one file, each with its key path."""

    origin: str
    text: str | None
    fmt: Format
    items: list[tuple[Path_, str]] = field(default_factory=list)
    _index: dict[Path_, int] | None = None

    def add(self, path: Path_, message: str) -> None:
        if (path, message) not in self.items:
            self.items.append((path, message))

    def raise_if_any(self) -> None:
        if self.items:
            raise PolicyFileError(self.render())

    def render(self) -> str:
        lines = [self._one(path, message) for path, message in self.items]
        if len(lines) == 1:
            line, text = lines[0]
            where = f", line {line}" if line is not None else ""
            return f"invalid policy file {self.origin}{where}: {text}"
        body = "\n".join(f"  line {n}: {t}" if n is not None else f"  {t}" for n, t in lines)
        return f"invalid policy file {self.origin}: {len(lines)} errors\n{body}"

    def _one(self, path: Path_, message: str) -> tuple[int | None, str]:
        if self.text is None:
            line = None
        elif self.fmt == "toml":
            if self._index is None:
                self._index = _toml_index(self.text)
            line = _lookup_line(self._index, path)
        else:
            line = find_line(self.text, path, self.fmt)
        key = dotted(path)
        return line, f"{key}: {message}" if key else message


def dotted(path: Path_) -> str:
    """``plans.starbase.targets.initial_response.sev5``; list indexes as ``[2]``.

    >>> dotted(("severities", 2, "name")), dotted(("calendars", "a.b", "hours"))
    ('severities[2].name', 'calendars."a.b".hours')
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        text = part if re.fullmatch(r"[A-Za-z0-9_$-]+", part) else json.dumps(part)
        out += f".{text}" if out else text
    return out


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ---- line numbers


_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY_PART = rf"(?:{_BARE}|{_QUOTED})"
_HEADER_RE = re.compile(rf"^\s*(\[\[?)\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*\]\]?\s*(?:#.*)?$")
_KEY_RE = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_INLINE_KEY_RE = re.compile(rf"[{{,]\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")
_PART_RE = re.compile(_KEY_PART)
_STRING_RE = re.compile(_QUOTED)


def _split_key(text: str) -> tuple[str, ...]:
    parts = []
    for part in _PART_RE.findall(text):
        if part[:1] == '"':
            part = json.loads(part)
        elif part[:1] == "'":
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


def _toml_index(text: str) -> dict[Path_, int]:
    """Line of each key path written in a TOML text (tables, keys, one level of inline tables)."""
    index: dict[Path_, int] = {}
    table: Path_ = ()
    counts: dict[Path_, int] = {}
    depth = 0
    in_multiline = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        if in_multiline:
            if '"""' in raw or "'''" in raw:
                in_multiline = False
            continue
        if depth > 0:
            depth += _bracket_delta(raw)
            continue
        header = _HEADER_RE.match(raw)
        if header is not None:
            keys = _split_key(header[2])
            if header[1] == "[[":
                n = counts.get(keys, 0)
                counts[keys] = n + 1
                table = (*keys, n)
            else:
                table = keys
            index.setdefault(table, lineno)
            continue
        match = _KEY_RE.match(raw)
        if match is None:
            continue
        path = table + _split_key(match[1])
        index.setdefault(path, lineno)
        rest = raw[match.end() :]
        for inner in _INLINE_KEY_RE.finditer(_STRING_RE.sub('""', rest)):
            # re-read the key from the original text so quoted keys keep their content
            original = _INLINE_KEY_RE.search(rest, inner.start())
            keys = _split_key((original or inner)[1])
            index.setdefault(path + keys, lineno)
        if rest.count('"""') % 2 or rest.count("'''") % 2:
            in_multiline = True
            continue
        depth = _bracket_delta(rest)
    return index


def _bracket_delta(line: str) -> int:
    code = _STRING_RE.sub('""', line).split("#", 1)[0]
    return code.count("[") + code.count("{") - code.count("]") - code.count("}")


def _lookup_line(index: dict[Path_, int], path: Path_) -> int | None:
    for n in range(len(path), 0, -1):
        if path[:n] in index:
            return index[path[:n]]
    return None


def find_line(text: str, path: Path_, fmt: Format) -> int | None:
    """The line (1-based) where *path*, or the closest enclosing key, is written in *text*."""
    if not path:
        return None
    if fmt == "toml":
        return _lookup_line(_toml_index(text), path)
    pos = 0
    found: int | None = None
    for part in path:
        if isinstance(part, int):
            continue
        match = re.compile(rf"{re.escape(json.dumps(part))}\s*:").search(text, pos)
        if match is None:
            break
        pos = match.end()
        found = text.count("\n", 0, match.start()) + 1
    return found


# ---- pydantic errors


_TYPE_ERRORS = {
    "string_type",
    "model_type",
    "dict_type",
    "list_type",
    "tuple_type",
    "int_type",
    "bool_type",
}


def _clean_loc(loc: Sequence[str | int], data: object, kind: str) -> Path_:
    """The error location as keys of the input: union tags and ``[key]`` markers dropped."""
    out: list[str | int] = []
    current = data
    for i, part in enumerate(loc):
        in_mapping = isinstance(current, Mapping) and isinstance(part, str) and part in current
        in_list = (
            isinstance(current, list | tuple) and isinstance(part, int) and 0 <= part < len(current)
        )
        if in_mapping or in_list:
            out.append(part)
            current = current[part]  # type: ignore[index]
        elif i == len(loc) - 1 and kind == "missing" and isinstance(part, str):
            out.append(part)
    return tuple(out)


def _keys_of(path: Path_) -> list[str] | None:
    """The keys allowed in the table at *path*, from the models."""
    ann: Any = PolicyModel
    for part in path:
        ann = _unwrap(ann)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            fields = {(f.alias or n): f for n, f in ann.model_fields.items()}
            if ann is MetricTargetsModel and part not in fields:
                ann = TargetModel  # a class key
                continue
            if not isinstance(part, str) or part not in fields:
                return None
            ann = fields[part].annotation
        elif get_origin(ann) is dict:
            ann = get_args(ann)[1]
        elif get_origin(ann) in (tuple, list):
            ann = get_args(ann)[0]
        else:
            return None
    ann = _unwrap(ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [f.alias or n for n, f in ann.model_fields.items()]
    return None


def _unwrap(ann: Any) -> Any:
    while True:
        origin = get_origin(ann)
        if origin is Annotated:
            ann = get_args(ann)[0]
        elif origin in (Union, UnionType):
            members = [a for a in get_args(ann) if a is not type(None)]
            structured = [a for a in members if isinstance(a, type) and issubclass(a, BaseModel)]
            structured += [a for a in members if get_origin(a) in (dict, tuple, list)]
            ann = (structured or members)[0]
        else:
            return ann


def _expected(err: Mapping[str, Any]) -> str:
    """What pydantic's error says was expected, in slacalc's words."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "too_short":
        n = ctx.get("min_length", 1)
        return f"at least {n} item{'' if n == 1 else 's'}"
    if kind.startswith(("date_", "datetime_")):
        return "a date (YYYY-MM-DD)"
    if kind == "decimal_max_digits":
        return f"a decimal number of at most {ctx.get('max_digits')} digits in all"
    if kind == "decimal_max_places":
        return f"a decimal number with at most {ctx.get('decimal_places')} decimal places"
    if kind == "decimal_whole_digits":
        return f"a decimal number with at most {ctx.get('whole_digits')} digits before the point"
    if kind == "finite_number":
        return "a finite number"
    msg = str(err["msg"])
    msg = re.sub(r"a valid dictionary or instance of \w+", "a table", msg)
    msg = msg.replace("a valid dictionary", "a table").replace("a valid tuple", "an array")
    msg = msg.replace("a valid list", "an array").replace("a valid string", "a string")
    msg = msg.replace("Input should be ", "").replace("Input ", "")
    return msg[:1].lower() + msg[1:]


def _from_validation_error(exc: ValidationError, data: object, problems: _Problems) -> None:
    errors = []
    for err in exc.errors(include_url=False):
        errors.append((_clean_loc(err["loc"], data, err["type"]), err))
    # in a union, drop the branch that failed on type when another branch got further in
    kept = [
        (path, err)
        for path, err in errors
        if not (
            err["type"] in _TYPE_ERRORS
            and any(len(other) > len(path) and other[: len(path)] == path for other, _ in errors)
        )
    ]
    grouped: dict[Path_, list[dict[str, Any]]] = {}
    for path, err in kept:
        grouped.setdefault(path, []).append(dict(err))
    for path, errs in grouped.items():
        first = errs[0]
        kind = first["type"]
        if kind == "extra_forbidden":
            allowed = _keys_of(path[:-1])
            expected = f"; expected one of {', '.join(allowed)}" if allowed else ""
            problems.add(path, f"unknown key {path[-1]!r}{expected}")
        elif kind == "missing":
            problems.add(path, "required key is missing")
        else:
            wanted = " or ".join(dict.fromkeys(_expected(e) for e in errs))
            problems.add(path, f"invalid value {_short(first['input'])}; expected {wanted}")


# --------------------------------------------------------------------------- building


@dataclass
class _PlanParts:
    title: str
    extends: str | None
    calendar: str | None
    channels: tuple[str, ...]
    covered_channels: tuple[str, ...] | None
    support_hours: str
    targets: dict[str, dict[str, Target]]
    price: PriceModel | None
    notes: tuple[str, ...]
    alerts: dict[str, tuple[AlertSpec, ...]]


class _Builder:
    def __init__(
        self, doc: PolicyModel, problems: _Problems, base_dir: str | os.PathLike[str] | None
    ) -> None:
        self.doc = doc
        self.problems = problems
        self.base_dir = base_dir
        self.calendars: dict[str, Calendar] = {}
        self.parts: dict[str, _PlanParts | None] = {}

    def build(self) -> Policy:
        doc = self.doc
        severities = self._severities()
        self._calendars()
        clocks = self._clocks()
        known = (*METRICS, *(m for m in clocks if m not in METRICS))
        self.known_metrics = known
        pausable = self._metric_list(doc.pausable, ("pausable",))
        for metric, spec in list(clocks.items()):
            if metric in pausable and not spec.pause and metric in doc.metrics:
                clocks[metric] = ClockSpec(
                    spec.start, spec.stop, ("pause_statuses",), spec.repeat, spec.after, spec.klass
                )
        if doc.effective_until is not None and doc.effective_until <= doc.effective_from:
            self.problems.add(
                ("effective_until",),
                f"invalid value {doc.effective_until.isoformat()!r}; expected a date after "
                f"effective_from {doc.effective_from.isoformat()}",
            )
        self.policy = Policy(
            name=doc.name,
            family=doc.family or doc.name,
            title=doc.title,
            source=doc.source,
            effective_from=doc.effective_from,
            effective_until=doc.effective_until,
            severities=severities,
            escalation_classes=ESCALATION_CLASSES,
            calendars=FrozenMap(self.calendars),
            credits=self._credits(),
            severity_change=doc.severity_change,
            lateness=doc.lateness,
            pausable=pausable,
            escalations=doc.escalations,
            notes=doc.notes,
            pause_statuses=doc.pause_statuses,
            solved_statuses=doc.solved_statuses,
            open_statuses=doc.open_statuses,
            unknown_statuses=doc.unknown_statuses,
            clocks=FrozenMap(clocks),
            alert_measure=doc.alert_measure,
        )
        self._statuses()
        for name in doc.plans:
            self._plan(name, ())
        self._escalations()
        self.problems.raise_if_any()
        plans: dict[str, Plan] = {}
        for name, parts in self.parts.items():
            assert parts is not None
            plans[name] = Plan(
                name=name,
                title=parts.title,
                policy=self.policy,
                channels=parts.channels,
                covered_channels=parts.covered_channels,
                support_hours=parts.support_hours,
                targets=FrozenMap({m: FrozenMap(t) for m, t in parts.targets.items()}),
                price_model=parts.price,
                notes=parts.notes,
                extends=parts.extends,
                alerts=FrozenMap(parts.alerts),
            )
        object.__setattr__(self.policy, "plans", FrozenMap({n: plans[n] for n in doc.plans}))
        return self.policy

    # ---- statuses, severities and calendars

    def _clocks(self) -> dict[str, ClockSpec]:
        out: dict[str, ClockSpec] = {}
        for name, model in self.doc.metrics.items():
            base: Path_ = ("metrics", name)
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                self.problems.add(
                    base,
                    f"invalid metric name {name!r}; expected lower-case letters, digits and _ (e.g. 'first_touch')",
                )
                continue
            ok = True
            for key in ("start", "stop", "after"):
                for i, word in enumerate(getattr(model, key)):
                    try:
                        check_trigger(word, key)
                    except PolicyError as exc:
                        self.problems.add((*base, key, i), str(exc).removeprefix(f"{key}: "))
                        ok = False
            for i, word in enumerate(model.pause):
                if not normalise_status(word):
                    self.problems.add(
                        (*base, "pause", i),
                        f"invalid value {word!r}; expected a status name or pause_statuses / solved_statuses",
                    )
                    ok = False
            if ok:
                out[name] = ClockSpec(
                    model.start, model.stop, model.pause, model.repeat, model.after, model.klass
                )
        return out

    def _metric_list(self, names: Sequence[str], path: Path_) -> tuple[str, ...]:
        """*names* deduplicated; an unknown metric is reported at its index."""
        for i, name in enumerate(names):
            if name not in self.known_metrics:
                self.problems.add((*path, i), _unknown_metric(name, self.known_metrics))
        return tuple(n for n in dict.fromkeys(names) if n in self.known_metrics)

    def _statuses(self) -> None:
        """Each status in one list only (a status cannot both pause and solve a ticket)."""
        seen: dict[str, str] = {}
        for group in ("open_statuses", "pause_statuses", "solved_statuses"):
            for i, name in enumerate(getattr(self.doc, group)):
                key = normalise_status(name)
                if not key:
                    self.problems.add((group, i), f"invalid value {name!r}; expected a status name")
                elif key in seen and seen[key] != group:
                    self.problems.add(
                        (group, i),
                        f"invalid value {name!r}; expected a status not already in {seen[key]}",
                    )
                seen.setdefault(key, group)

    def _severities(self) -> tuple[Severity, ...]:
        seen: dict[str, int] = {}
        out = []
        for i, sev in enumerate(self.doc.severities):
            for j, word in enumerate((sev.name, *sev.aliases)):
                key = " ".join(word.strip().lower().split())
                if key in seen and seen[key] != i:
                    path: Path_ = (
                        ("severities", i, "name") if j == 0 else ("severities", i, "aliases", j - 1)
                    )
                    self.problems.add(
                        path,
                        f"invalid value {word!r}; expected a name not already used by "
                        f"severity {self.doc.severities[seen[key]].name!r}",
                    )
                seen.setdefault(key, i)
            out.append(Severity(sev.name.strip(), tuple(sev.aliases), sev.title, sev.description))
        numbered = [s.name for s in out if s.numbered]
        for i, built in enumerate(out):
            for k, alias in enumerate(built.aliases):
                if (
                    alias.strip().isdigit()
                    and alias.strip() in numbered
                    and alias.strip() != built.name
                ):
                    self.problems.add(
                        ("severities", i, "aliases", k),
                        f"invalid value {alias!r}; expected an alias that is not another severity's number",
                    )
        return tuple(out)

    def _calendars(self) -> None:
        for name, model in self.doc.calendars.items():
            kwargs: dict[str, Any] = {"timezone": model.timezone, "hours": model.hours}
            if model.holidays is not None:
                kwargs["holidays"] = self._holidays(model.holidays)
            if model.closed:
                kwargs["closed"] = model.closed
            if model.special:
                kwargs["special"] = model.special
            if model.business_day is not None:
                kwargs["business_day"] = model.business_day
            try:
                self.calendars[name] = Calendar(**kwargs)
            except SlacalcError as exc:
                self.problems.add(*_calendar_problem(name, model, str(exc)))

    def _holidays(self, model: HolidaysModel) -> dict[str, Any]:
        """The calendar's ``holidays`` argument; feed paths resolved against the file's directory."""
        out = model.model_dump(exclude_defaults=True)
        if isinstance(model.ical, str):
            out["ical"] = feed_path(model.ical, self.base_dir)
        elif model.ical is not None:
            out["ical"] = [feed_path(p, self.base_dir) for p in model.ical]
        return out

    def _calendar_ref(self, name: str | None, path: Path_) -> str | None:
        """*name* itself; an unknown name is reported at *path* (targets using it are then skipped)."""
        if name is not None and name not in self.doc.calendars:
            known = ", ".join(self.doc.calendars) or "(none defined)"
            self.problems.add(path, f"unknown calendar {name!r}; expected one of {known}")
        return name

    # ---- plans

    def _plan(self, name: str, stack: tuple[str, ...]) -> _PlanParts | None:
        if name in self.parts:
            return self.parts[name]
        model = self.doc.plans[name]
        parent: _PlanParts | None = None
        if model.extends is not None:
            where: Path_ = ("plans", name, "extends")
            if model.extends == name:
                self.problems.add(where, f"plan {name!r} extends itself; expected another plan")
            elif model.extends not in self.doc.plans:
                others = ", ".join(p for p in self.doc.plans if p != name)
                self.problems.add(
                    where, f"unknown plan {model.extends!r}; expected one of {others}"
                )
            elif model.extends in stack:
                cycle = " -> ".join((*stack[stack.index(model.extends) :], name, model.extends))
                self.problems.add(
                    where,
                    f"plans extend each other in a cycle ({cycle}); expected a chain that ends",
                )
            else:
                parent = self._plan(model.extends, (*stack, name))
        given = model.model_fields_set
        plan_cal = self._calendar_ref(model.calendar, ("plans", name, "calendar"))
        if "calendar" not in given and parent is not None:
            plan_cal = parent.calendar
        targets: dict[str, dict[str, Target]] = (
            {m: dict(t) for m, t in parent.targets.items()} if parent else {}
        )
        for metric, table in model.targets.items():
            if metric not in self.known_metrics:
                self.problems.add(
                    ("plans", name, "targets", metric), _unknown_metric(metric, self.known_metrics)
                )
                continue
            own = self._targets(name, metric, table, plan_cal)
            if ALL in own:
                targets[metric] = own
            else:
                targets.setdefault(metric, {}).update(own)
        ordered: dict[str, dict[str, Target]] = {
            m: self._ordered(m, targets[m]) for m in self.known_metrics if m in targets
        }
        channels = (
            model.channels if model.channels is not None else (parent.channels if parent else ())
        )
        covered = (
            model.covered_channels
            if "covered_channels" in given or parent is None
            else parent.covered_channels
        )
        if covered is not None and channels:
            for i, channel in enumerate(covered):
                if channel not in channels:
                    self.problems.add(
                        ("plans", name, "covered_channels", i),
                        f"invalid value {channel!r}; expected one of the plan's channels ({', '.join(channels)})",
                    )
        support = model.support_hours
        if support is None:
            support = parent.support_hours if parent else (plan_cal or "")
        parts = _PlanParts(
            title=model.title or name,
            extends=model.extends,
            calendar=plan_cal,
            channels=tuple(channels),
            covered_channels=None if covered is None else tuple(covered),
            support_hours=support,
            targets=ordered,
            price=model.price if "price" in given or parent is None else parent.price,
            notes=model.notes,
            alerts=self._alerts(name, model, parent),
        )
        self.parts[name] = parts
        return parts

    def _alerts(
        self, name: str, model: PlanModel, parent: _PlanParts | None
    ) -> dict[str, tuple[AlertSpec, ...]]:
        """The plan's alerts per metric: its own, over those of the plan it extends."""
        out = dict(parent.alerts) if parent is not None else {}
        for metric, texts in model.alerts.items():
            path: Path_ = ("plans", name, "alerts", metric)
            if metric not in self.known_metrics:
                self.problems.add(path, _unknown_metric(metric, self.known_metrics))
                continue
            specs = []
            for i, text in enumerate(texts):
                try:
                    specs.append(AlertSpec.parse(text, "alert"))
                except PolicyError as exc:
                    self.problems.add((*path, i), str(exc).removeprefix("alert: "))
            out[metric] = tuple(specs)
        return {m: v for m, v in out.items() if v}

    def _ordered(self, metric: str, table: dict[str, Target]) -> dict[str, Target]:
        order = (
            ESCALATION_CLASSES
            if self.policy.clock(metric).klass == "escalation"
            else self.policy.severity_names
        )
        rank = {k: i for i, k in enumerate((*order, ALL))}
        return dict(sorted(table.items(), key=lambda kv: rank.get(kv[0], len(rank))))

    def _targets(
        self, plan: str, metric: str, table: MetricTargetsModel, plan_cal: str | None
    ) -> dict[str, Target]:
        base: Path_ = ("plans", plan, "targets", metric)
        metric_cal = plan_cal
        if table.calendar is not None:
            metric_cal = self._calendar_ref(table.calendar, (*base, "calendar"))
        own: dict[str, Target] = {}
        written: dict[str, str] = {}
        for key, value in (table.model_extra or {}).items():
            path: Path_ = (*base, key)
            klass = self._klass(metric, key, path)
            if klass is None:
                continue
            if klass in written:
                self.problems.add(
                    path,
                    f"class {key!r} is {klass!r} again (already given as {written[klass]!r}); "
                    "expected one target per class",
                )
                continue
            written[klass] = key
            if isinstance(value, TargetModel):
                text, value_path = value.target, (*path, "target")
                cal_name = metric_cal
                if value.calendar is not None:
                    cal_name = self._calendar_ref(value.calendar, (*path, "calendar"))
            else:
                text, value_path, cal_name = value, path, metric_cal
            try:
                objective = parse_duration(text, "target")
            except DurationError as exc:
                self.problems.add(value_path, str(exc).removeprefix("target: "))
                continue
            if isinstance(objective, Duration):
                if cal_name is None:
                    known = ", ".join(self.doc.calendars) or "(none defined)"
                    self.problems.add(
                        value_path,
                        f"target {text!r} has no calendar; expected calendar = '<name>' on the target, "
                        f"on targets.{metric} or on the plan (calendars: {known})",
                    )
                    continue
                if objective.fixed < timedelta(0):
                    self.problems.add(
                        value_path, f"invalid value {text!r}; expected a duration of zero or more"
                    )
                    continue
            if cal_name is not None and cal_name not in self.calendars:
                continue  # an unknown calendar (reported where it is named) or one that failed to build
            calendar = self.calendars[cal_name] if cal_name is not None else None
            own[klass] = Target(metric, klass, objective, cal_name, calendar)
        return own

    def _klass(self, metric: str, key: str, path: Path_) -> str | None:
        try:
            return self.policy.classify(metric, key)
        except UnknownSeverityError:
            if self.policy.clock(metric).klass == "escalation":
                self.problems.add(
                    path,
                    f"unknown escalation class {key!r}; expected one of {', '.join(ESCALATION_CLASSES)}, all",
                )
            else:
                names = ", ".join(self.policy.severity_names)
                self.problems.add(path, f"unknown severity {key!r}; expected one of {names}, all")
            return None

    # ---- credits and escalations

    def _credits(self) -> CreditRule | None:
        model = self.doc.credits
        if model is None:
            return None
        per = timedelta(minutes=15)
        try:
            parsed = parse_duration(model.per, "per")
        except DurationError as exc:
            self.problems.add(("credits", "per"), str(exc).removeprefix("per: "))
        else:
            if (
                isinstance(parsed, NoObjective)
                or parsed.business_days
                or not MIN_CREDIT_PER <= parsed.fixed <= MAX_CREDIT_PER
            ):
                self.problems.add(
                    ("credits", "per"),
                    f"invalid value {_short(model.per)}; expected a positive amount of hours or "
                    "minutes, from 1 minute to 8760 hours (365 days), such as '15 minutes'",
                )
            else:
                per = parsed.fixed
        return CreditRule(
            per=per,
            award_days=model.award_days,
            rounding=model.rounding,
            measure=model.measure,
            cap_days_per_ticket=model.cap_days_per_ticket,
            cap_days_per_term=model.cap_days_per_term,
            metrics=self._metric_list(model.metrics, ("credits", "metrics")),
            channels=model.channels,
        )

    def _escalations(self) -> None:
        model = self.doc.escalations
        if model is None:
            return
        for plan in model.included_per_year:
            if plan not in self.doc.plans:
                self.problems.add(
                    ("escalations", "included_per_year", plan),
                    f"unknown plan {plan!r}; expected one of {', '.join(self.doc.plans)}",
                )
        try:
            parsed = parse_duration(model.clarification_under, "clarification_under")
        except DurationError as exc:
            self.problems.add(
                ("escalations", "clarification_under"),
                str(exc).removeprefix("clarification_under: "),
            )
        else:
            if not isinstance(parsed, Duration):
                self.problems.add(
                    ("escalations", "clarification_under"),
                    f"invalid value {model.clarification_under!r}; expected an amount of time such as '15 minutes'",
                )


_CAL_FIELD_RE = re.compile(r"^([a-z_]+)(?:\[(?:'([^']*)'|\"([^\"]*)\")\])?(?:\.([a-z_]+))?: ")


def _calendar_problem(name: str, model: CalendarModel, message: str) -> tuple[Path_, str]:
    """Key path and message of a calendar that failed to build, from the calendar error's field prefix."""
    path: Path_ = ("calendars", name)
    match = _CAL_FIELD_RE.match(message)
    if match is None or match[1] not in CalendarModel.model_fields:
        return path, message
    path = (*path, match[1])
    key = match[2] or match[3]
    if key is not None and isinstance(getattr(model, match[1]), Mapping):
        path = (*path, key)
    if match[4] is not None and match[4] in HolidaysModel.model_fields:
        path = (*path, match[4])
    return path, message[match.end() :]


def _unknown_metric(name: str, known: Sequence[str]) -> str:
    return (
        f"unknown metric {name!r}; expected one of {', '.join(known)} "
        "(or a metric defined under [metrics])"
    )


def build_policy(
    doc: PolicyModel,
    *,
    origin: str = "<policy>",
    text: str | None = None,
    fmt: Format = "toml",
    base_dir: str | os.PathLike[str] | None = None,
) -> Policy:
    """The runtime :class:`Policy` of a validated document; cross-reference problems raise PolicyFileError.

    Relative paths in it (iCal holiday feeds) are read from *base_dir*, or
    from the current directory when it is None.
    """
    return _Builder(doc, _Problems(origin, text, fmt), base_dir).build()


# --------------------------------------------------------------------------- reading


def _parse(text: str, fmt: Format, origin: str) -> dict[str, Any]:
    if fmt == "toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            msg = f"invalid policy file {origin}: not valid TOML: {exc}"
            raise PolicyFileError(msg) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"invalid policy file {origin}, line {exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})"
        raise PolicyFileError(msg) from None
    if not isinstance(data, dict):
        msg = f"invalid policy file {origin}: expected a JSON object at the top level; got {type(data).__name__}"
        raise PolicyFileError(msg)
    return data


def read_policy_document(
    text: str, *, fmt: Format = "toml", origin: str = "<string>"
) -> PolicyModel:
    """Parse and validate the shape of a policy text (no cross-references checked)."""
    data = _parse(text, fmt, origin)
    try:
        return PolicyModel.model_validate(data)
    except ValidationError as exc:
        problems = _Problems(origin, text, fmt)
        _from_validation_error(exc, data, problems)
        problems.raise_if_any()
        raise AssertionError from None  # pragma: no cover - a ValidationError always has errors


def read_policy(
    text: str,
    *,
    fmt: Format = "toml",
    origin: str = "<string>",
    base_dir: str | os.PathLike[str] | None = None,
) -> Policy:
    """A :class:`Policy` from the text of a policy file.

    Relative paths in it (iCal holiday feeds) are read from *base_dir*: the
    file's directory when :func:`load_policy` reads a file, else the current
    directory.

    >>> text = '''
    ... name = "mine"
    ... effective_from = 2026-01-01
    ... severities = [{ name = "1" }, { name = "2" }]
    ... [calendars.office]
    ... timezone = "Europe/Zurich"
    ... hours = { "mon-fri" = "08:00-17:00" }
    ... [plans.gold.targets.initial_response]
    ... calendar = "office"
    ... sev1 = "2 business hours"
    ... all = "1 business day"
    ... '''
    >>> plan = read_policy(text).plan("gold")
    >>> str(plan.target("initial_response", 1)), str(plan.target("initial_response", "Severity 2"))
    ('2 business hours on office', '1 business day on office')
    """
    doc = read_policy_document(text, fmt=fmt, origin=origin)
    return build_policy(doc, origin=origin, text=text, fmt=fmt, base_dir=base_dir)


def _read_file(path: Path) -> Policy:
    origin = str(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        msg = f"invalid policy file {origin}: unknown format {path.suffix!r}; expected a .toml or .json file"
        raise PolicyFileError(msg)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        msg = f"invalid policy file {origin}: cannot read it ({exc.strerror or exc}); expected a readable file"
        raise PolicyFileError(msg) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"invalid policy file {origin}: not UTF-8 text ({exc.reason} at byte {exc.start}); expected UTF-8"
        raise PolicyFileError(msg) from None
    return read_policy(
        text.removeprefix("\ufeff"),
        fmt="toml" if suffix == ".toml" else "json",
        origin=origin,
        base_dir=path.parent,
    )


# --------------------------------------------------------------------------- built-ins


def _policies_dir() -> Any:
    return files("slacalc").joinpath("_policies", "builtin")


@lru_cache(maxsize=1)
def _builtin_index() -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    names = sorted(
        entry.name.removesuffix(".toml")
        for entry in _policies_dir().iterdir()
        if entry.name.endswith(".toml")
    )
    families: dict[str, list[str]] = {}
    for name in names:
        data = tomllib.loads(_policies_dir().joinpath(f"{name}.toml").read_text("utf-8"))
        family = str(data.get("family") or name)
        if family != name:
            families.setdefault(family, []).append(name)
    return tuple(names), {k: tuple(v) for k, v in sorted(families.items())}


def builtin_policies() -> list[str]:
    """The names of the built-in policy versions, sorted (families such as ``zitadel`` are not listed).

    >>> builtin_policies()
    ['exoscale', 'freistilbox', 'proauth', 'zitadel-2021', 'zitadel-2023']
    """
    return list(_builtin_index()[0])


def builtin_families() -> dict[str, list[str]]:
    """Built-in policy families and their versions, e.g. ``{'zitadel': ['zitadel-2021', 'zitadel-2023']}``.

    >>> builtin_families()
    {'zitadel': ['zitadel-2021', 'zitadel-2023']}
    """
    return {k: list(v) for k, v in _builtin_index()[1].items()}


@cache
def _builtin(name: str) -> Policy:
    origin = f"<built-in policy {name}>"
    text = _policies_dir().joinpath(f"{name}.toml").read_text("utf-8")
    return read_policy(text, fmt="toml", origin=origin)


@cache
def _family(name: str) -> PolicyFamily:
    return PolicyFamily(name, tuple(_builtin(v) for v in _builtin_index()[1][name]))


def builtin_document(name: str) -> PolicyModel:
    """The validated file model of built-in policy *name* (for tools: schema round trips, docs)."""
    if name not in _builtin_index()[0]:
        raise UnknownPolicyError.for_name(name, _builtin_index()[0])
    text = _policies_dir().joinpath(f"{name}.toml").read_text("utf-8")
    return read_policy_document(text, origin=f"<built-in policy {name}>")


def load_policy(name_or_path: str | os.PathLike[str]) -> Policy | PolicyFamily:
    """A built-in policy by name, a built-in family by name, or a policy file by path.

    ``"zitadel-2023"`` is one version; ``"zitadel"`` is the family, whose
    ``at(when)`` picks the version in force. A path must end in ``.toml`` or
    ``.json``. Built-ins are parsed once and shared: they are immutable.

    >>> load_policy("zitadel-2023").plan("extended").title
    'Extended support'
    >>> load_policy("zitadel")
    <PolicyFamily zitadel: zitadel-2021, zitadel-2023>
    """
    names, families = _builtin_index()
    if isinstance(name_or_path, str):
        key = name_or_path.strip().lower()
        if key in names:
            return _builtin(key)
        if key in families:
            return _family(key)
    elif not isinstance(name_or_path, os.PathLike):
        msg = f"policy: expected a built-in policy name or a file path; got {type(name_or_path).__name__} {name_or_path!r}"
        raise UnknownPolicyError(msg)
    path = Path(name_or_path)
    if path.is_file():
        return _read_file(path)
    valid = [*names, *families]
    text = os.fspath(name_or_path)
    if path.exists():
        msg = f"invalid policy file {text}: not a file; expected a .toml or .json file"
        raise PolicyFileError(msg)
    if (
        not isinstance(name_or_path, str)
        or path.suffix.lower() in (".toml", ".json")
        or os.sep in text
        or "/" in text
    ):
        msg = f"policy: no such file {text!r}; expected an existing .toml or .json file or one of {', '.join(valid)}"
        raise UnknownPolicyError(msg)
    raise UnknownPolicyError.for_name(text, valid)


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    schema = PolicyModel.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "slacalc policy file",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def policy_schema() -> dict[str, Any]:
    """The JSON Schema of the policy file format (TOML and JSON share it); a fresh copy each call.

    >>> policy_schema()["title"]
    'slacalc policy file'
    """
    return copy.deepcopy(_schema())
