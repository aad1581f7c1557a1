"""Errors raised by slacalc.

Every error is a :class:`SlacalcError`; each input error is also a
:class:`ValueError`, so a caller that only knows the builtin catches it too.
Messages name the field, the value and what was expected::

    * SlacalcError
      x CalendarError(ValueError)
        - NaiveDatetimeError          a datetime without tzinfo
        - OutOfRangeError             an instant outside 1970-2200
        - InvalidWindowError          "25:00-26:00", empty or overlapping windows
        - UnknownWeekdayError         a day key that is not mon..sun
        - UnknownTimeZoneError        a time zone zoneinfo does not know, or a broken tzinfo
        - HolidaySourceError          a holiday source that cannot be used (keys, add/remove dates)
          - UnknownHolidayRegionError a holidays country/subdivision/category
          - HolidayFeedError          an iCal feed: unreadable, malformed, or a URL
        - CalendarNeverOpensError     add/next_open on a calendar with no open time
      x DurationError(ValueError)     "4 fortnights", "PT4X"
      x PolicyError(ValueError)
        - PolicyFileError             invalid policy file: file, key, value
        - UnknownPolicyError
        - UnknownPlanError
        - UnknownSeverityError
        - UnknownMetricError
      x TicketError(ValueError)
        - TimelineError               unmatched pause/resume, events before opening, now < opened_at
        - UnknownFrequencyError       a period alias attainment and the report do not know
          - UnknownStatusError        a status event the policy's status mapping does not know
      x BillingError(ValueError)      prices, quota ledger inputs
      x InputFileError(ValueError)    a file that cannot be read as records at all: binary,
                                      a header without a required column
      x SourceError(ValueError)       a helpdesk export or mapping file that cannot be read
    * SlacalcWarning(UserWarning)
      - UnmappedValueWarning          helpdesk statuses, priorities or channels no mapping knows

This module imports nothing from slacalc, so every other module can use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "BillingError",
    "CalendarError",
    "CalendarNeverOpensError",
    "DurationError",
    "HolidayFeedError",
    "HolidaySourceError",
    "InputFileError",
    "InvalidWindowError",
    "NaiveDatetimeError",
    "OutOfRangeError",
    "PolicyError",
    "PolicyFileError",
    "SlacalcError",
    "SlacalcWarning",
    "SourceError",
    "TicketError",
    "TimelineError",
    "UnknownFrequencyError",
    "UnknownHolidayRegionError",
    "UnknownMetricError",
    "UnknownPlanError",
    "UnknownPolicyError",
    "UnknownSeverityError",
    "UnknownStatusError",
    "UnknownTimeZoneError",
    "UnknownWeekdayError",
    "UnmappedValueWarning",
]


def _listing(valid: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in valid)


class SlacalcError(Exception):
    """Base class of every error slacalc raises on purpose."""


class SlacalcWarning(UserWarning):
    """Base class of slacalc's warnings: something legal that is probably a mistake."""


class CalendarError(SlacalcError, ValueError):
    """A calendar was built or queried with bad input."""


class NaiveDatetimeError(CalendarError):
    """A datetime without a time zone was given where an instant is needed."""

    @classmethod
    def for_value(cls, field: str, value: object) -> NaiveDatetimeError:
        """Build the error for *field* holding the naive *value*."""
        return cls(
            f"{field} must be a timezone-aware datetime; got naive {value!r} "
            "(attach a tzinfo, e.g. ZoneInfo('Europe/Zurich'); slacalc never assumes a local time zone)"
        )


class OutOfRangeError(CalendarError):
    """An instant outside the supported years 1970 to 2200."""

    @classmethod
    def for_value(cls, field: str, value: object) -> OutOfRangeError:
        """Build the error for *field* holding *value* outside the supported range."""
        return cls(
            f"{field} {value!s} is out of range; expected an instant in the years 1970 to 2200"
        )


class InvalidWindowError(CalendarError):
    """A window of opening hours that cannot be read or makes no sense."""

    @classmethod
    def for_value(cls, field: str, value: object, reason: str) -> InvalidWindowError:
        """Build the error for *field* holding the bad window *value*."""
        return cls(f"{field}: invalid window {value!r}: {reason}")


class UnknownWeekdayError(CalendarError):
    """A key of weekly hours that names no weekday."""

    @classmethod
    def for_key(cls, key: str) -> UnknownWeekdayError:
        """Build the error for the unknown day *key*."""
        return cls(
            f"hours: unknown day {key!r}; expected mon, tue, wed, thu, fri, sat, sun, "
            "a range such as 'mon-fri' or a list such as 'sat,sun'"
        )


class UnknownTimeZoneError(CalendarError):
    """A time zone that cannot be used: a name the IANA database does not know, or a broken tzinfo."""

    @classmethod
    def for_key(cls, key: object, field: str = "timezone") -> UnknownTimeZoneError:
        """Build the error for the unknown zone *key* given as *field*."""
        tail = ", or a tzinfo" if field != "timezone" else ""
        return cls(
            f"{field}: unknown time zone {key!r}; expected an IANA name such as 'Europe/Zurich' or 'UTC'{tail}"
        )

    @classmethod
    def for_tzinfo(cls, value: object, field: str, reason: str) -> UnknownTimeZoneError:
        """Build the error for a tzinfo *value* in *field* that cannot express instants."""
        return cls(
            f"{field}: unusable tzinfo {value!r}: {reason}; expected a tzinfo whose utcoffset() "
            "is a timedelta strictly between -24 and 24 hours, e.g. ZoneInfo('UTC')"
        )


class HolidaySourceError(CalendarError):
    """A calendar's holiday source that cannot be used as given."""


class UnknownHolidayRegionError(HolidaySourceError):
    """A country, subdivision or category that the holidays package does not have."""


class HolidayFeedError(HolidaySourceError):
    """An iCalendar (``.ics``) holiday feed that cannot be read: the message names file, line and property."""


class CalendarNeverOpensError(CalendarError):
    """The calendar has no open time left where an answer needs some."""


class DurationError(SlacalcError, ValueError):
    """A duration that cannot be read."""

    @classmethod
    def for_value(cls, value: object, field: str = "duration") -> DurationError:
        """Build the error for the unreadable duration *value* in *field*."""
        return cls(
            f"{field}: cannot read duration {value!r}; expected a timedelta, an ISO 8601 duration "
            "such as 'PT4H' or 'P1D', words such as '30min', '4 hours', '4 business hours', "
            "'1 business day', or 'best effort' / 'n/a' for no objective"
        )

    @classmethod
    def too_long(cls, value: object, field: str = "duration") -> DurationError:
        """Build the error for a duration *value* longer than a timedelta can hold."""
        return cls(f"{field}: duration {value!r} is too long; expected less than 999999999 days")


class PolicyError(SlacalcError, ValueError):
    """A policy, or a name looked up in one, is wrong."""


class PolicyFileError(PolicyError):
    """A policy file that does not validate: the message names file, key and value."""


class UnknownPolicyError(PolicyError):
    """A policy name that is neither built in nor a readable file."""

    @classmethod
    def for_name(cls, name: str, valid: Iterable[str]) -> UnknownPolicyError:
        """Build the error for the unknown policy *name*."""
        return cls(
            f"policy: unknown policy {name!r}; expected a file path or one of {_listing(valid)}"
        )


class UnknownPlanError(PolicyError):
    """A plan name that the policy does not have."""

    @classmethod
    def for_name(cls, name: str, policy: str, valid: Iterable[str]) -> UnknownPlanError:
        """Build the error for the unknown plan *name* of *policy*."""
        return cls(
            f"plan: unknown plan {name!r} in policy {policy!r}; expected one of {_listing(valid)}"
        )


class UnknownSeverityError(PolicyError):
    """A severity (or escalation class) that the policy does not have."""

    @classmethod
    def for_name(
        cls, name: object, valid: Iterable[str], field: str = "severity", what: str = "severity"
    ) -> UnknownSeverityError:
        """Build the error for the unknown *what* (a severity, an escalation class) *name*."""
        return cls(f"{field}: unknown {what} {name!r}; expected one of {_listing(valid)}")


class UnknownMetricError(PolicyError):
    """A metric name that slacalc does not know."""

    @classmethod
    def for_name(cls, name: object, valid: Iterable[str]) -> UnknownMetricError:
        """Build the error for the unknown metric *name*."""
        return cls(f"metric: unknown metric {name!r}; expected one of {_listing(valid)}")


class TicketError(SlacalcError, ValueError):
    """A ticket with bad fields."""


class TimelineError(TicketError):
    """A ticket whose events do not make a consistent timeline."""


class UnknownFrequencyError(TicketError):
    """A period alias (``freq=`` of attainment, ``--freq`` of the report) that is not accepted."""

    @classmethod
    def for_name(cls, name: object, valid: str, field: str = "freq") -> UnknownFrequencyError:
        """Build the error for the unknown period alias *name* given as *field*."""
        return cls(f"{field}: unknown period {name!r}; expected {valid}")


class UnknownStatusError(TimelineError):
    """A ``status`` event whose status the policy maps to none of open, pause or solved."""

    status: str

    @classmethod
    def for_event(cls, message: str, status: str) -> UnknownStatusError:
        """Build the error with its *message*; the unknown *status* is kept for batch summaries."""
        error = cls(message)
        error.status = status
        return error


class BillingError(SlacalcError, ValueError):
    """Bad input to prices, credits or the escalation ledger."""


class InputFileError(SlacalcError, ValueError):
    """A file of records that cannot be read at all: not text, or a header without a required column.

    One bad row is never this error: a batch reports the row and goes on.
    """


class SourceError(SlacalcError, ValueError):
    """A helpdesk export or a source mapping that cannot be read.

    Raised by ``slacalc.sources.read`` after every good ticket was yielded
    when some records were bad: :attr:`bad` lists each one (position,
    ticket id, field, value, message).
    """

    def __init__(self, message: str, bad: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.bad = bad

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.bad))


class UnmappedValueWarning(SlacalcWarning):
    """A helpdesk export used statuses, priorities or channels that the source mapping lacks."""
