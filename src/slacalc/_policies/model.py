"""Policies at run time: severities, targets, plans, credit rules and policy families.

These are plain frozen dataclasses built from a validated policy file (see
``slacalc._policies.files``); they hold no pydantic objects in their hot paths, they
pickle (for Dask and Spark workers) and they never change once built, so a
loaded built-in policy can be shared freely.

>>> from slacalc._policies.files import load_policy
>>> plan = load_policy("zitadel-2023").plan("extended")
>>> str(plan.target("initial_response", "sev2"))
'2 business hours on extended'
>>> plan.policy.severity("Severity 2")
'2'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from slacalc._engine.calendar import EPOCH, US, Calendar, day_start_us, from_us, utc_or_none
from slacalc._engine.durations import NOT_APPLICABLE, Duration, NoObjective, parse_duration
from slacalc._evaluation.alerts import AlertSpec
from slacalc._evaluation.clocks import BUILTIN_STATUSES, ClockSpec, StatusMap, builtin_clock
from slacalc._typing import METRICS, Measure, OnSeverityChange, Rounding
from slacalc.exceptions import (
    NaiveDatetimeError,
    PolicyError,
    UnknownMetricError,
    UnknownPlanError,
    UnknownPolicyError,
    UnknownSeverityError,
)

if TYPE_CHECKING:
    from slacalc._billing.models import EscalationsModel, PriceModel
    from slacalc._billing.prices import PriceQuote
    from slacalc._evaluation.evaluate import AnyOutcome, Evaluation
    from slacalc._evaluation.timers import Timer

__all__ = [
    "ALL",
    "ESCALATION_CLASSES",
    "CreditRule",
    "FamilyPlan",
    "FrozenMap",
    "Plan",
    "PlanTerms",
    "Policy",
    "PolicyFamily",
    "Severity",
    "Target",
]

#: The class key that stands for every class of a metric.
ALL = "all"
#: The classes of ``escalation_response`` targets.
ESCALATION_CLASSES: tuple[str, ...] = ("urgent", "normal")

#: Bounds of a credit rule, in the policy schema too (docs/policies.md, "Bounds"):
#: sane terms, and every credit sum stays a small exact integer (numpy int64 in frames)
#: and every extended term end a real date.
MAX_AWARD_DAYS = 365
MAX_CAP_DAYS = 3650
MIN_CREDIT_PER = timedelta(minutes=1)
MAX_CREDIT_PER = timedelta(days=365)

K = TypeVar("K")
V = TypeVar("V")

_ESCALATION_LOOKUP: dict[object, str] = {
    spelling: c for c in ESCALATION_CLASSES for spelling in (c, c.capitalize(), c.upper())
}
_HYPHENS = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"))
_NUMBERED_RE = re.compile(r"^(?:sev(?:erity)?|p(?:rio(?:rity)?)?)?[\s_-]*0*(\d+)$")


class FrozenMap(Mapping[K, V]):
    """A read-only mapping that keeps insertion order and pickles (``MappingProxyType`` does not)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        self._data: dict[K, V] = dict(data or {})

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def get(self, key: K, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._data.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._data,))


@dataclass(frozen=True, slots=True)
class Severity:
    """One severity (priority) level of a policy; ``name`` is canonical.

    >>> Severity("1", ("critical",), "Critical / Service down").name
    '1'
    """

    name: str
    aliases: tuple[str, ...] = ()
    title: str = ""
    description: str = ""

    @property
    def numbered(self) -> bool:
        """Whether the name is a number, so ``sev1``, ``Severity 1`` and ``1`` all name it."""
        return self.name.isdigit()


@dataclass(frozen=True, slots=True)
class Target:
    """What a plan promises for one metric and class: a duration on a calendar, or no objective.

    >>> t = Target("initial_response", "1", parse_duration("4 business hours"), "business", office_hours())
    >>> str(t), t.duration()
    ('4 business hours on business', datetime.timedelta(seconds=14400))
    """

    metric: str
    klass: str
    objective: Duration | NoObjective
    calendar_name: str | None
    calendar: Calendar | None

    def duration(self) -> timedelta | None:
        """The open time allowed on the target's calendar; None for best effort / not applicable."""
        objective = self.objective
        if isinstance(objective, NoObjective):
            return None
        if self.calendar is None:
            return objective.fixed if not objective.business_days else None
        return objective.resolve(self.calendar)

    @property
    def has_objective(self) -> bool:
        """True when the target sets a time (not best effort, not not-applicable)."""
        return isinstance(self.objective, Duration)

    def __str__(self) -> str:
        objective = self.objective
        if isinstance(objective, NoObjective):
            return str(objective)
        calendar = self.calendar
        around_the_clock = calendar is not None and calendar.business_day == timedelta(days=1)
        text = describe_duration(objective, business=not around_the_clock)
        return f"{text} on {self.calendar_name}" if self.calendar_name else text


def describe_duration(value: Duration, *, business: bool = True) -> str:
    """``4 business hours``, ``30 minutes``, ``1 business day``: a target's duration in words.

    *business* False writes plain ``hours`` (for a calendar open around the clock).

    >>> describe_duration(parse_duration("PT90M"))
    '1 business hour 30 minutes'
    >>> describe_duration(parse_duration("2h"), business=False)
    '2 hours'
    """
    parts: list[str] = []
    days = value.business_days
    if days:
        text = str(days.numerator) if days.denominator == 1 else str(float(days))
        parts.append(f"{text} business day{'' if days == 1 else 's'}")
    seconds = value.fixed // timedelta(seconds=1)
    rest_us = value.fixed % timedelta(seconds=1)
    if value.fixed and not rest_us:
        hours, rem = divmod(seconds, 3600)
        minutes, secs = divmod(rem, 60)
        if hours:
            word = "business hour" if business else "hour"
            parts.append(f"{hours} {word}{'' if hours == 1 else 's'}")
        if minutes:
            parts.append(f"{minutes} minute{'' if minutes == 1 else 's'}")
        if secs:
            parts.append(f"{secs} second{'' if secs == 1 else 's'}")
    elif value.fixed:
        parts.append(str(Duration(fixed=value.fixed)))
    return " ".join(parts) if parts else "0 minutes"


@dataclass(frozen=True, slots=True)
class CreditRule:
    """How lateness turns into service credits (ZITADEL 2023: 1 day per started 15 minutes).

    ``rounding="ceil"`` counts every started period (1 second late earns one
    award), ``"floor"`` only full periods. ``measure`` says whether lateness is
    business time on the target's calendar or wall time.
    """

    per: timedelta = timedelta(minutes=15)
    award_days: int = 1
    rounding: Rounding = "ceil"
    measure: Measure = "business"
    cap_days_per_ticket: int | None = None
    cap_days_per_term: int | None = None
    metrics: tuple[str, ...] = ("initial_response",)
    channels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.per, timedelta) or not (
            MIN_CREDIT_PER <= self.per <= MAX_CREDIT_PER
        ):
            msg = (
                f"credits.per: invalid value {_short_repr(self.per)}; expected a duration from "
                "1 minute to 8760 hours (365 days), such as timedelta(minutes=15)"
            )
            raise PolicyError(msg)
        _check_whole("credits.award_days", self.award_days, 1, MAX_AWARD_DAYS)
        for name in ("cap_days_per_ticket", "cap_days_per_term"):
            value = getattr(self, name)
            if value is not None:
                _check_whole(f"credits.{name}", value, 0, MAX_CAP_DAYS)

    def earns(self, metric: str, channel: str | None) -> bool:
        """Whether a breach of *metric* on a ticket from *channel* earns credits (None = unknown channel)."""
        if metric not in self.metrics:
            return False
        return self.channels is None or channel is None or channel in self.channels

    def days_for(self, late_by: timedelta) -> int:
        """Credit days for a ticket *late_by* this much (before the per-term cap).

        >>> rule = CreditRule()
        >>> [rule.days_for(timedelta(seconds=s)) for s in (0, 1, 900, 901)]
        [0, 1, 1, 2]
        """
        if late_by <= timedelta(0):
            return 0
        periods, rest = divmod(late_by, self.per)
        if rest and self.rounding == "ceil":
            periods += 1
        days = int(periods) * self.award_days
        if self.cap_days_per_ticket is not None:
            days = min(days, self.cap_days_per_ticket)
        return days


@dataclass(frozen=True, eq=False, repr=False)
class Plan:
    """A support level of a policy: per metric and class, a target.

    >>> from slacalc._policies.files import load_policy
    >>> starter = load_policy("exoscale").plan("starter")
    >>> str(starter.target("initial_response", 3))
    '4 business hours on office'
    """

    name: str
    title: str
    policy: Policy
    channels: tuple[str, ...]
    covered_channels: tuple[str, ...] | None
    support_hours: str
    targets: Mapping[str, Mapping[str, Target]]
    price_model: PriceModel | None = None
    notes: tuple[str, ...] = ()
    extends: str | None = None
    alerts: Mapping[str, tuple[AlertSpec, ...]] = field(default_factory=FrozenMap)
    _metrics: tuple[str, ...] = field(default=(), init=False, repr=False)
    _clocks: tuple[tuple[str, ClockSpec], ...] = field(default=(), init=False, repr=False)
    # (metric, class) -> (target, objective in µs or None, calendar): the evaluation hot path
    _judged: dict[tuple[str, str], tuple[Target, int | None, Calendar | None]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # the evaluation layer's per-metric programs for this plan (built on first use)
    _programs: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        order = self.policy.metric_names
        metrics = tuple(m for m in order if m in self.targets)
        object.__setattr__(self, "_metrics", metrics)
        object.__setattr__(self, "_clocks", tuple((m, self.policy.clock(m)) for m in metrics))

    def __repr__(self) -> str:
        return f"<Plan {self.policy.name}/{self.name}>"

    def metrics(self) -> tuple[str, ...]:
        """The metrics with at least one target: built-ins in the order of ``METRICS``, then the policy's own."""
        return self._metrics

    def price(
        self,
        period: Literal["month", "year"] | None = None,
        consumption: Decimal | int | None = None,
        currency: str | None = None,
        *,
        agreed: Decimal | int | None = None,
    ) -> PriceQuote:
        """What the plan costs for one *period*, with a breakdown (see ``docs/billing.md``).

        >>> from slacalc._policies.files import load_policy
        >>> load_policy("exoscale").plan("enterprise").price("month", consumption=Decimal("80000")).amount
        Decimal('4000.00')
        """
        from slacalc._billing.prices import plan_price

        return plan_price(self, period, consumption, currency, agreed=agreed)

    def covers(self, channel: str | None) -> bool:
        """Whether targets apply to a ticket from *channel* (None, an unknown channel, counts as covered)."""
        return self.covered_channels is None or channel is None or channel in self.covered_channels

    def _objective(self, metric: str, klass: str) -> tuple[Target, int | None, Calendar | None]:
        """The target of *metric* for a canonical *klass*, its objective in µs and its calendar (cached)."""
        key = (metric, klass)
        hit = self._judged.get(key)
        if hit is None:
            target = self.target(metric, klass)
            objective = target.duration()
            us = None if objective is None else objective // timedelta(microseconds=1)
            hit = self._judged[key] = (target, us, target.calendar)
        return hit

    def target(self, metric: str, klass: str | int) -> Target:
        """The target for *metric* and *klass* (a severity, an escalation class or ``"all"``).

        A metric the plan does not target, or a class it sets nothing for,
        gives a target whose objective is ``NOT_APPLICABLE``.
        """
        canonical = self.policy.classify(metric, klass)
        table = self.targets.get(metric)
        if table is not None:
            found = table.get(canonical)
            if found is None:
                found = table.get(ALL)
            if found is not None:
                return found
        return Target(metric, canonical, NOT_APPLICABLE, None, None)

    def deadline(
        self,
        opened_at: datetime,
        severity: str | int,
        metric: str = "initial_response",
        *,
        tz: str | tzinfo | None = None,
    ) -> datetime | None:
        """When *metric* is due for a ticket opened at *opened_at*; None without an objective.

        The instant is in the target calendar's zone, or in *tz* (a zone name
        or a ``tzinfo``; ``tz="UTC"`` for a database that stores UTC).
        """
        from slacalc._evaluation.evaluate import deadline

        return deadline(self, opened_at, severity, metric, tz=tz)

    def evaluate(
        self, ticket: Any, now: datetime | None = None, *, tz: str | tzinfo | None = None
    ) -> Evaluation:
        """Judge *ticket* against this plan (see ``slacalc._evaluation.evaluate.evaluate``).

        Every instant of the result is in the target calendars' zones, or in
        *tz* (a zone name or a ``tzinfo``) when given.
        """
        from slacalc._evaluation.evaluate import evaluate

        return evaluate(self, ticket, now, tz=tz)

    def _outcome(
        self, ticket: Any, now: datetime | None, metric: str, tz: str | tzinfo | None
    ) -> AnyOutcome:
        """``self.evaluate(ticket, now, tz=tz)[metric]``, judging *metric* alone (``slacalc evaluate``)."""
        from slacalc._evaluation.evaluate import evaluate

        return evaluate(self, ticket, now, tz=tz, metric=metric)[metric]

    def timers(self, ticket: Any, now: datetime | None = None) -> list[Timer]:
        """The running clocks of *ticket* at *now*, soonest due first (see ``docs/evaluation.md``)."""
        from slacalc._evaluation.timers import timers

        return timers(self.evaluate(ticket, now))

    def with_terms(
        self,
        *,
        calendar: Calendar | Mapping[str, Calendar] | None = None,
        timezone: str | None = None,
        targets: Mapping[str, Mapping[str | int, Any]] | None = None,
        version: str | None = None,
        label: str = "contract",
    ) -> Plan:
        """This plan under a customer's own terms (see :class:`PlanTerms`); *version* must be this plan's.

        >>> from slacalc._policies.files import load_policy
        >>> plan = load_policy("zitadel-2023").plan("extended")
        >>> mine = plan.with_terms(timezone="America/New_York", targets={"initial_response": {"2": "1 business hour"}})
        >>> str(mine.target("initial_response", 2)), mine.target("initial_response", 2).calendar.timezone
        ('1 business hour on extended in America/New_York', 'America/New_York')
        """
        if version is not None and version != self.policy.name:
            msg = (
                f"policy_version: {version!r} is not the version of plan {self.name!r} "
                f"({self.policy.name}); expected {self.policy.name!r} or a family plan to pin a version of"
            )
            raise PolicyError(msg)
        return PlanTerms(calendar, timezone, targets or {}, label).apply(self)


@dataclass(frozen=True, eq=False)
class PlanTerms:
    """A customer's own terms over a plan: its support calendar or time zone, and its own targets.

    *calendar* replaces the calendar of every target (one :class:`Calendar`),
    or of the targets on the policy calendars it names (a mapping: name →
    calendar, e.g. only ``business``, keeping 24x7 targets 24x7). *timezone*
    moves every other target calendar to that zone: the same weekly hours and
    holidays, read in the customer's local time. *targets* overrides
    objectives per metric and class (``{"initial_response": {"1": "30
    minutes"}}``); a new target runs on the calendar the plan's target for that
    metric and class ran on, or on *calendar*. *label* names a replacing
    calendar in target texts.
    """

    calendar: Calendar | Mapping[str, Calendar] | None = None
    timezone: str | None = None
    targets: Mapping[str, Mapping[str | int, Any]] = field(default_factory=dict)
    label: str = "contract"

    def apply(self, plan: Plan) -> Plan:
        """*plan* with these terms: a new :class:`Plan` of the same name and policy."""
        if self.calendar is None and self.timezone is None and not self.targets:
            return plan
        moved: dict[int, tuple[str, Calendar]] = {}

        def place(name: str | None, cal: Calendar | None) -> tuple[str | None, Calendar | None]:
            if cal is None:
                return name, cal
            replacement = self.calendar
            if isinstance(replacement, Calendar):
                return self.label, replacement
            if replacement is not None and name is not None and name in replacement:
                return name, replacement[name]
            if self.timezone is None:
                return name, cal
            hit = moved.get(id(cal))
            if hit is None:
                config = cal.config()
                config["timezone"] = self.timezone
                hit = moved[id(cal)] = (f"{name} in {self.timezone}", Calendar(**config))
            return hit

        targets: dict[str, dict[str, Target]] = {}
        for metric, table in plan.targets.items():
            targets[metric] = {}
            for klass, target in table.items():
                name, cal = place(target.calendar_name, target.calendar)
                targets[metric][klass] = Target(metric, klass, target.objective, name, cal)
        policy = plan.policy
        for metric, overrides in self.targets.items():
            policy.clock(metric)  # an unknown metric is an error
            row = targets.setdefault(metric, {})
            for key, value in overrides.items():
                klass = policy.classify(metric, key)
                objective = _objective(value, f"targets.{metric}.{key}")
                current = row.get(klass) or row.get(ALL)
                if current is not None and current.calendar is not None:
                    name, cal = current.calendar_name, current.calendar
                elif isinstance(self.calendar, Calendar):
                    name, cal = self.label, self.calendar
                else:
                    name, cal = None, None
                if cal is None and isinstance(objective, Duration):
                    msg = (
                        f"targets.{metric}.{key}: {value!r} needs a calendar and the plan has none "
                        "for this metric and class; expected a calendar= for the contract"
                    )
                    raise PolicyError(msg)
                row[klass] = Target(metric, klass, objective, name, cal)
        return Plan(
            name=plan.name,
            title=plan.title,
            policy=policy,
            channels=plan.channels,
            covered_channels=plan.covered_channels,
            support_hours=plan.support_hours,
            targets=FrozenMap({m: FrozenMap(t) for m, t in targets.items()}),
            price_model=plan.price_model,
            notes=(*plan.notes, f"with the customer's own terms ({self.label})"),
            extends=plan.extends,
            alerts=plan.alerts,
        )


def _objective(value: object, field: str) -> Duration | NoObjective:
    if isinstance(value, Duration | NoObjective):
        return value
    if isinstance(value, timedelta):
        return Duration(fixed=value)
    parsed = parse_duration(value, field)
    if isinstance(parsed, Duration) and parsed.fixed < timedelta(0):
        msg = f"{field}: invalid value {value!r}; expected a duration of zero or more"
        raise PolicyError(msg)
    return parsed


@dataclass(frozen=True, eq=False, repr=False)
class Policy:
    """One published version of a provider's support terms.

    >>> from slacalc._policies.files import load_policy
    >>> policy = load_policy("zitadel-2021")
    >>> list(policy.plans), policy.severity("sev-3"), policy.escalation_class("Normal")
    (['free', 'outpost', 'starbase', 'fortress'], '3', 'normal')
    """

    name: str
    family: str
    title: str
    source: str
    effective_from: date
    effective_until: date | None
    severities: tuple[Severity, ...]
    escalation_classes: tuple[str, ...] = ESCALATION_CLASSES
    calendars: Mapping[str, Calendar] = field(default_factory=FrozenMap)
    plans: Mapping[str, Plan] = field(default_factory=FrozenMap)
    credits: CreditRule | None = None
    severity_change: OnSeverityChange = "recalculate"
    lateness: Measure = "business"
    pausable: tuple[str, ...] = ("resolution",)
    escalations: EscalationsModel | None = None
    notes: tuple[str, ...] = ()
    pause_statuses: tuple[str, ...] = BUILTIN_STATUSES["pause_statuses"]
    solved_statuses: tuple[str, ...] = BUILTIN_STATUSES["solved_statuses"]
    open_statuses: tuple[str, ...] = BUILTIN_STATUSES["open_statuses"]
    unknown_statuses: Literal["error", "open"] = "error"
    alert_measure: Measure = "business"
    clocks: Mapping[str, ClockSpec] = field(default_factory=FrozenMap)
    _lookup: Mapping[object, str] = field(init=False, compare=False, default_factory=FrozenMap)
    _statuses: StatusMap = field(init=False, compare=False, default_factory=StatusMap)
    _clocks: Mapping[str, ClockSpec] = field(init=False, compare=False, default_factory=FrozenMap)
    _metric_names: tuple[str, ...] = field(init=False, compare=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "_statuses",
            StatusMap(
                self.open_statuses, self.pause_statuses, self.solved_statuses, self.unknown_statuses
            ),
        )
        clocks: dict[str, ClockSpec] = {
            m: builtin_clock(m, pausable=m in self.pausable) for m in METRICS
        }
        clocks.update(self.clocks)
        object.__setattr__(self, "_clocks", FrozenMap(clocks))
        object.__setattr__(
            self, "_metric_names", (*METRICS, *(m for m in self.clocks if m not in METRICS))
        )
        lookup: dict[object, str] = {}
        for sev in self.severities:
            lookup[sev.name] = sev.name
            lookup[sev.name.lower()] = sev.name
            if sev.numbered:
                lookup[int(sev.name)] = sev.name
            for alias in sev.aliases:
                lookup[alias] = sev.name
                lookup[_normalise(alias)] = sev.name
        object.__setattr__(self, "_lookup", FrozenMap(lookup))

    def __repr__(self) -> str:
        return f"<Policy {self.name} (effective from {self.effective_from.isoformat()}): {', '.join(self.plans)}>"

    @property
    def metric_names(self) -> tuple[str, ...]:
        """Every metric the policy knows: the built-ins, then those its file defines."""
        return self._metric_names

    @property
    def statuses(self) -> StatusMap:
        """How the policy reads helpdesk status names (open, pause, solved)."""
        return self._statuses

    def clock(self, metric: str) -> ClockSpec:
        """The clock of *metric* (built-in, or as the policy file defines it)."""
        try:
            return self._clocks[metric]
        except KeyError:
            raise UnknownMetricError.for_name(metric, self._metric_names) from None

    @property
    def timezone(self) -> str:
        """The zone this version's dates are read in: its first calendar's (its support hours), UTC without one.

        A version takes effect at midnight of ``effective_from`` in this zone
        and ends at midnight of ``effective_until``, whatever offset a
        ticket's instant is written with (see :meth:`PolicyFamily.at`).
        """
        for cal in self.calendars.values():
            return cal.timezone
        return "UTC"

    def _zone(self) -> tzinfo:
        for cal in self.calendars.values():
            return cal.tzinfo
        return UTC

    @property
    def severity_names(self) -> tuple[str, ...]:
        """The canonical severity names, most severe first."""
        return tuple(s.name for s in self.severities)

    def plan(self, name: str) -> Plan:
        """The plan called *name*; ``UnknownPlanError`` lists the valid ones."""
        try:
            return self.plans[name]
        except (KeyError, TypeError):
            raise UnknownPlanError.for_name(name, self.name, self.plans) from None

    def in_force(self, on: date) -> bool:
        """Whether this version is in force on the date *on*."""
        return self.effective_from <= on and (
            self.effective_until is None or on < self.effective_until
        )

    def severity(self, value: str | int) -> str:
        """The canonical name of severity *value*.

        Numbered severities accept ``2``, ``"2"``, ``sev2``, ``Sev-2``,
        ``sev 2``, ``Severity 2``, ``P2`` and ``priority 2`` in any case;
        every severity accepts its declared aliases.
        """
        lookup = self._lookup
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise UnknownSeverityError.for_name(value, self.severity_names)
        try:
            return lookup[value]
        except (KeyError, TypeError):
            pass
        if isinstance(value, str):
            text = _normalise(value)
            found = lookup.get(text)
            if found is not None:
                return str(found)
            match = _NUMBERED_RE.match(text)
            if match is not None:
                found = lookup.get(int(match[1]))
                if found is not None:
                    return str(found)
        # severities are names: a number is reported as the name it would be ('4', not 4)
        raise UnknownSeverityError.for_name(
            str(value) if isinstance(value, int) else value, self.severity_names
        )

    def escalation_class(self, value: str | int) -> str:
        """``"urgent"`` or ``"normal"`` (any case); ``UnknownSeverityError`` otherwise."""
        if isinstance(value, str):
            text = _normalise(value)
            if text in self.escalation_classes:
                return text
        raise UnknownSeverityError.for_name(
            value, self.escalation_classes, field="escalation", what="escalation class"
        )

    def classify(self, metric: str, value: str | int) -> str:
        """The canonical class of *value* for *metric*: an escalation class, a severity, or ``"all"``."""
        spec = self._clocks.get(metric)
        if spec is None:
            raise UnknownMetricError.for_name(metric, self._metric_names)
        escalation = spec.klass == "escalation"
        if escalation:
            found = _ESCALATION_LOOKUP.get(value) if value.__class__ is str else None
            if found is not None:
                return found
        elif value.__class__ is str or value.__class__ is int:
            found = self._lookup.get(value)
            if found is not None:
                return str(found)
        if isinstance(value, str) and _normalise(value) == ALL:
            return ALL
        if escalation:
            return self.escalation_class(value)
        return self.severity(value)


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}…{text[-12:]}"


def _check_whole(field: str, value: object, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        msg = f"{field}: invalid value {_short_repr(value)}; expected a whole number from {lo} to {hi}"
        raise PolicyError(msg)


def _normalise(text: str) -> str:
    return " ".join(text.translate(_HYPHENS).strip().lower().split())


def local_date(when: datetime | date, field: str = "when") -> date:
    """The calendar date of *when*: its own local date for an aware datetime; naive ones are refused."""
    if isinstance(when, datetime):
        if when.tzinfo is None or when.utcoffset() is None:
            raise NaiveDatetimeError.for_value(field, when)
        return when.date()
    if isinstance(when, date):
        return when
    msg = (
        f"{field}: expected a date or a timezone-aware datetime; got {type(when).__name__} {when!r}"
    )
    raise PolicyError(msg)


@dataclass(frozen=True, eq=False, repr=False)
class PolicyFamily:
    """The versions of one provider's terms; a ticket is judged by the version in force when opened.

    >>> from slacalc._policies.files import load_policy
    >>> zitadel = load_policy("zitadel")
    >>> zitadel.at(date(2022, 6, 1)).name, zitadel.at(date(2024, 1, 1)).name
    ('zitadel-2021', 'zitadel-2023')
    """

    name: str
    versions: tuple[Policy, ...]
    _spans: tuple[tuple[int, int | None], ...] = field(init=False, repr=False, default=())
    _utc: tuple[tuple[datetime | None, datetime | None], ...] = field(
        init=False, repr=False, default=()
    )

    def __post_init__(self) -> None:
        if not self.versions:
            msg = (
                f"family: policy family {self.name!r} has no versions; expected at least one policy"
            )
            raise PolicyError(msg)
        ordered = tuple(sorted(self.versions, key=lambda p: p.effective_from))
        for a, b in pairwise(ordered):
            if a.effective_from == b.effective_from:
                msg = (
                    f"family: policies {a.name!r} and {b.name!r} of family {self.name!r} both take "
                    f"effect on {a.effective_from.isoformat()}; expected distinct effective_from dates"
                )
                raise PolicyError(msg)
        object.__setattr__(self, "versions", ordered)
        spans = []
        for policy in ordered:
            zone = policy._zone()
            until = policy.effective_until
            spans.append(
                (
                    day_start_us(policy.effective_from, zone),
                    None if until is None else day_start_us(until, zone),
                )
            )
        object.__setattr__(self, "_spans", tuple(spans))
        object.__setattr__(  # the same bounds as UTC datetimes, for at(): None = never reached
            self,
            "_utc",
            tuple((utc_or_none(a), None if b is None else utc_or_none(b)) for a, b in spans),
        )

    def __repr__(self) -> str:
        return f"<PolicyFamily {self.name}: {', '.join(p.name for p in self.versions)}>"

    @property
    def latest(self) -> Policy:
        """The most recent version."""
        return self.versions[-1]

    @property
    def title(self) -> str:
        """The title of the latest version."""
        return self.latest.title

    @property
    def plan_names(self) -> tuple[str, ...]:
        """Every plan name found in any version, latest version's plans first."""
        names: dict[str, None] = {}
        for policy in reversed(self.versions):
            names.update(dict.fromkeys(policy.plans))
        return tuple(names)

    def spans_us(self) -> tuple[tuple[int, int | None], ...]:
        """When each version (in :attr:`versions` order) is in force, in µs since the epoch.

        ``(start, until)``: from the first instant of its ``effective_from``
        date in its zone (:attr:`Policy.timezone`) to the first instant of its
        ``effective_until`` date (None: no end). :meth:`at` and the frame
        engine choose by these.
        """
        return self._spans

    def index_at_us(self, us: int) -> int:
        """The position in :attr:`versions` of the version that took effect last at instant *us* (-1: none yet)."""
        chosen = -1
        for i, (start, _) in enumerate(self._spans):
            if start <= us:
                chosen = i
        return chosen

    def _place(self, when: datetime) -> tuple[int, bool]:
        """:meth:`index_at_us` of the aware *when*, and whether that version has ended by then."""
        try:
            t = when.astimezone(UTC)  # UTC bounds: datetime's fast comparison, same instants
        except OverflowError:  # beyond the years 1 to 9999 in UTC: compare microseconds
            return self._place_us((when - EPOCH) // US)
        chosen = -1
        for i, (start, _) in enumerate(self._utc):
            if start is None or start <= t:
                chosen = i
        if chosen < 0:
            return chosen, False
        until = self._utc[chosen][1]
        return chosen, until is not None and t >= until

    def _place_us(self, us: int) -> tuple[int, bool]:
        chosen = -1
        for i, (start, _) in enumerate(self._spans):  # as index_at_us, inlined: a per-ticket path
            if start <= us:
                chosen = i
        if chosen < 0:
            return chosen, False
        until = self._spans[chosen][1]
        return chosen, until is not None and us >= until

    def _in_force(self, chosen_at: int, ended: bool, on: Callable[[tzinfo], date]) -> Policy:
        """The version placed by :meth:`_place`, or the error naming the date (*on* gives it in a zone)."""
        if chosen_at < 0:
            first = self.versions[0]
            zone = first.timezone
            msg = (
                f"when: no version of policy family {self.name!r} is in force on "
                f"{on(first._zone()).isoformat()} (in {zone}); expected an instant on or after "
                f"{first.effective_from.isoformat()} 00:00 in {zone} (when {first.name} took effect)"
            )
            raise PolicyError(msg)
        chosen = self.versions[chosen_at]
        if ended:
            assert chosen.effective_until is not None
            msg = (
                f"when: no version of policy family {self.name!r} is in force on "
                f"{on(chosen._zone()).isoformat()} (in {chosen.timezone}); {chosen.name} ended on "
                f"{chosen.effective_until.isoformat()} and no later version is known"
            )
            raise PolicyError(msg)
        return chosen

    def at_us(self, us: int) -> Policy:
        """:meth:`at` of the instant *us* (µs since the epoch), as a ticket keeps its opening."""
        chosen_at, ended = self._place_us(us)
        if chosen_at >= 0 and not ended:
            return self.versions[chosen_at]
        return self._in_force(chosen_at, ended, lambda zone: from_us(us, zone).date())

    def at(self, when: datetime | date) -> Policy:
        """The version in force at *when*: an aware datetime's instant, or a date.

        An instant is placed in each version's own zone (its support
        calendar's, :attr:`Policy.timezone`), so the same instant written with
        any offset picks the same version; a date is compared with the
        versions' dates as it is.
        """
        if isinstance(when, datetime):
            local_date(when)  # refuses naive datetimes
            chosen_at, ended = self._place(when)
            if chosen_at >= 0 and not ended:
                return self.versions[chosen_at]
            return self._in_force(chosen_at, ended, lambda zone: when.astimezone(zone).date())
        on = local_date(when)
        found: Policy | None = None
        for policy in self.versions:
            if policy.effective_from <= on:
                found = policy
        if found is None:
            first = self.versions[0]
            msg = (
                f"when: no version of policy family {self.name!r} is in force on {on.isoformat()}; "
                f"expected a date on or after {first.effective_from.isoformat()} (when {first.name} took effect)"
            )
            raise PolicyError(msg)
        if found.effective_until is not None and on >= found.effective_until:
            msg = (
                f"when: no version of policy family {self.name!r} is in force on {on.isoformat()}; "
                f"{found.name} ended on {found.effective_until.isoformat()} and no later version is known"
            )
            raise PolicyError(msg)
        return found

    def plan(self, name: str) -> FamilyPlan:
        """The plan *name* across versions; each ticket gets the version in force when it was opened."""
        if name not in self.plan_names:
            raise UnknownPlanError.for_name(name, self.name, self.plan_names)
        return FamilyPlan(self, name)


@dataclass(frozen=True, eq=False, repr=False)
class FamilyPlan:
    """A plan name within a policy family, resolved to a version per ticket."""

    family: PolicyFamily
    name: str
    terms: PlanTerms | None = None
    _applied: dict[str, Plan] = field(default_factory=dict, init=False, repr=False)

    def __repr__(self) -> str:
        return f"<FamilyPlan {self.family.name}/{self.name}>"

    def at(self, when: datetime | date) -> Plan:
        """The plan as the version in force at *when* defines it (under the customer's terms, if any)."""
        return self._of(self.family.at(when))

    def _opened(self, ticket: Any) -> Plan:
        """:meth:`at` the ticket's opening (its kept microseconds when it is a :class:`Ticket`)."""
        us = getattr(ticket, "_opened_us", None)
        if type(us) is int:
            return self._of(self.family.at_us(us))
        return self.at(ticket.opened_at)

    def _of(self, version: Policy) -> Plan:
        plan = version.plan(self.name)
        if self.terms is None:
            return plan
        hit = self._applied.get(plan.policy.name)
        if hit is None:
            hit = self._applied[plan.policy.name] = self.terms.apply(plan)
        return hit

    def with_terms(
        self,
        *,
        calendar: Calendar | Mapping[str, Calendar] | None = None,
        timezone: str | None = None,
        targets: Mapping[str, Mapping[str | int, Any]] | None = None,
        version: str | None = None,
        label: str = "contract",
    ) -> Plan | FamilyPlan:
        """This plan under a customer's terms; *version* pins one version of the family (a :class:`Plan`).

        >>> from slacalc._policies.files import load_policy
        >>> starbase = load_policy("zitadel").plan("starbase").with_terms(version="zitadel-2021")
        >>> starbase.policy.name
        'zitadel-2021'
        """
        terms = PlanTerms(calendar, timezone, targets or {}, label)
        if version is not None:
            names = [p.name for p in self.family.versions]
            if version not in names:
                msg = f"policy_version: unknown version {version!r} of {self.family.name!r}; expected one of {', '.join(names)}"
                raise UnknownPolicyError(msg)
            pinned = self.family.versions[names.index(version)].plan(self.name)
            return terms.apply(pinned)
        return FamilyPlan(self.family, self.name, terms)

    def deadline(
        self,
        opened_at: datetime,
        severity: str | int,
        metric: str = "initial_response",
        *,
        tz: str | tzinfo | None = None,
    ) -> datetime | None:
        """:meth:`Plan.deadline` of the version in force at *opened_at* (in *tz* when given)."""
        return self.at(opened_at).deadline(opened_at, severity, metric, tz=tz)

    def evaluate(
        self, ticket: Any, now: datetime | None = None, *, tz: str | tzinfo | None = None
    ) -> Evaluation:
        """:meth:`Plan.evaluate` of the version in force when *ticket* was opened (in *tz* when given)."""
        return self._opened(ticket).evaluate(ticket, now, tz=tz)

    def _outcome(
        self, ticket: Any, now: datetime | None, metric: str, tz: str | tzinfo | None
    ) -> AnyOutcome:
        """:meth:`Plan._outcome` of the version in force when *ticket* was opened."""
        return self._opened(ticket)._outcome(ticket, now, metric, tz)

    def timers(self, ticket: Any, now: datetime | None = None) -> list[Timer]:
        """:meth:`Plan.timers` of the version in force when *ticket* was opened."""
        return self._opened(ticket).timers(ticket, now)
