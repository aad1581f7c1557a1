"""Shared fixtures and the Hypothesis profiles.

Profiles: ``ci`` (the default: fixed example counts, derandomized so every run
checks the same cases, no deadline because the first query of a calendar
compiles it) and ``dev`` (ten times the examples, fresh randomness). Pick one
with ``HYPOTHESIS_PROFILE=dev pytest``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from slacalc import Calendar
from slacalc.calendars import always_open, extended_hours, office_hours

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=100,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        # CalendarContract's properties run once per subclass (office, extended, always):
        # the same test function on different classes is the point of a contract suite.
        HealthCheck.differing_executors,
    ],
)
settings.register_profile("dev", settings.get_profile("ci"), max_examples=1000, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def office() -> Calendar:
    """08:00-17:00 Mon-Fri, Europe/Zurich, St. Gallen public holidays."""
    return office_hours()


@pytest.fixture(scope="session")
def extended() -> Calendar:
    """07:00-19:00 Mon-Fri, Europe/Zurich, St. Gallen public holidays."""
    return extended_hours()


@pytest.fixture(scope="session")
def always() -> Calendar:
    """24x7 in Europe/Zurich, no holidays."""
    return always_open()
