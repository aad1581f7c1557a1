"""The policy file format: shapes, ``extends``, JSON, the schema, and the error messages."""

from __future__ import annotations

import contextlib
import json
import re
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slacalc._engine.durations import BEST_EFFORT
from slacalc._policies.files import dotted, find_line, load_policy, policy_schema, read_policy
from slacalc._policies.model import Policy
from slacalc.exceptions import PolicyFileError, SlacalcError

H = timedelta(hours=1)

BASE = """\
name = "acme"
effective_from = 2026-01-01

[[severities]]
name = "1"
aliases = ["critical"]

[[severities]]
name = "2"

[calendars.office]
timezone = "Europe/Zurich"
hours = { "mon-fri" = "08:00-17:00" }
holidays = { country = "CH", subdiv = "SG" }

[calendars.late]
timezone = "Europe/Zurich"
hours = { "mon-fri" = "07:00-19:00" }

[plans.gold]
title = "Gold"
calendar = "office"
channels = ["email", "phone"]
covered_channels = ["email"]
support_hours = "office hours"

[plans.gold.targets.initial_response]
"1" = "1 business hour"
"2" = "4 business hours"

[plans.gold.targets.escalation_response]
normal = "1 business day"
"""


def write(tmp_path: Path, text: str, name: str = "acme.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def load(tmp_path: Path, text: str, name: str = "acme.toml") -> Policy:
    loaded = load_policy(write(tmp_path, text, name))
    assert isinstance(loaded, Policy)
    return loaded


def error_of(tmp_path: Path, text: str, name: str = "acme.toml") -> str:
    with pytest.raises(PolicyFileError) as info:
        load_policy(write(tmp_path, text, name))
    assert isinstance(info.value, ValueError)
    assert info.value.__cause__ is None
    assert "pydantic" not in str(info.value).lower()
    return str(info.value)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing *needle*."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


class TestReading:
    def test_base_file(self, tmp_path: Path) -> None:
        """a minimal file loads: defaults for family, severity_change, lateness and pausable."""
        policy = load(tmp_path, BASE)
        assert (policy.family, policy.severity_change, policy.lateness, policy.pausable) == (
            "acme",
            "recalculate",
            "business",
            ("resolution",),
        )
        gold = policy.plan("gold")
        assert gold.title == "Gold"
        assert gold.covered_channels == ("email",)
        assert gold.target("initial_response", "critical").duration() == H
        assert gold.target("escalation_response", "normal").duration() == 9 * H
        assert policy.credits is None

    def test_class_keys_are_canonicalised(self, tmp_path: Path) -> None:
        """class keys may be aliases; they are stored under the canonical name."""
        text = BASE.replace('"1" = "1 business hour"', 'sev1 = "1 business hour"').replace(
            'normal = "1 business day"', 'NORMAL = "1 business day"'
        )
        gold = load(tmp_path, text).plan("gold")
        assert list(gold.targets["initial_response"]) == ["1", "2"]
        assert list(gold.targets["escalation_response"]) == ["normal"]

    def test_calendar_precedence(self, tmp_path: Path) -> None:
        """a target's calendar beats the metric table's, which beats the plan's."""
        text = BASE.replace(
            '[plans.gold.targets.initial_response]\n"1" = "1 business hour"',
            '[plans.gold.targets.initial_response]\ncalendar = "late"\n"1" = { target = "1 business hour", calendar = "office" }',
        )
        gold = load(tmp_path, text).plan("gold")
        assert gold.target("initial_response", 1).calendar_name == "office"
        assert gold.target("initial_response", 2).calendar_name == "late"
        assert gold.target("escalation_response", "normal").calendar_name == "office"

    def test_no_objective_needs_no_calendar(self, tmp_path: Path) -> None:
        """best effort and not applicable targets need no calendar."""
        text = BASE + '\n[plans.free.targets.initial_response]\nall = "best effort"\n'
        target = load(tmp_path, text).plan("free").target("initial_response", 2)
        assert (target.objective, target.calendar_name, target.calendar) == (
            BEST_EFFORT,
            None,
            None,
        )

    def test_json_file(self, tmp_path: Path) -> None:
        """a JSON file with the same structure loads the same way."""
        data = {
            "name": "acme",
            "effective_from": "2026-01-01",
            "severities": [{"name": "1"}],
            "calendars": {
                "office": {"timezone": "UTC", "hours": {"mon-fri": ["08:00-12:00", "13:00-17:00"]}}
            },
            "plans": {
                "gold": {"calendar": "office", "targets": {"initial_response": {"all": "PT2H"}}}
            },
            "credits": {"per": "10 minutes", "rounding": "floor", "metrics": ["initial_response"]},
        }
        policy = load(tmp_path, json.dumps(data, indent=2), "acme.json")
        assert policy.plan("gold").target("initial_response", 1).duration() == 2 * H
        assert policy.calendars["office"].business_day == 8 * H
        assert policy.credits is not None
        assert policy.credits.per == timedelta(minutes=10)

    def test_schema_key_is_allowed(self, tmp_path: Path) -> None:
        """a JSON file may name its schema with "$schema"."""
        data = {
            "$schema": "./policy.schema.json",
            "name": "acme",
            "effective_from": "2026-01-01",
            "severities": [{"name": "1"}],
            "plans": {"gold": {"targets": {"initial_response": {"all": "n/a"}}}},
        }
        assert load(tmp_path, json.dumps(data), "acme.json").name == "acme"

    def test_schema_lists_the_top_level_keys(self) -> None:
        """policy_schema describes the file: required keys and per-field descriptions."""
        schema = policy_schema()
        assert set(schema["required"]) == {"name", "effective_from", "severities", "plans"}
        assert "professional support channels" in json.dumps(schema)
        assert schema["additionalProperties"] is False
        schema["title"] = "changed"
        assert policy_schema()["title"] == "slacalc policy file"

    def test_special_and_closed_dates(self, tmp_path: Path) -> None:
        """calendars take closed dates, special hours and business_day from the file."""
        text = BASE.replace(
            'hours = { "mon-fri" = "07:00-19:00" }',
            'hours = { "mon-fri" = "07:00-19:00" }\nclosed = [2026-12-31]\nspecial = { 2026-12-24 = "07:00-12:00" }\nbusiness_day = "10h"',
        )
        late = load(tmp_path, text).calendars["late"]
        assert late.business_day == 10 * H
        assert late.config()["closed"] == ["2026-12-31"]


class TestExtends:
    PARENT_CHILD = (
        BASE
        + """
[plans.platinum]
extends = "gold"
calendar = "late"
support_hours = "late hours"

[plans.platinum.targets.initial_response]
"2" = "2 business hours"
"""
    )

    def test_child_overrides_per_class(self, tmp_path: Path) -> None:
        """the child's classes win; the parent's other classes and metrics are inherited."""
        platinum = load(tmp_path, self.PARENT_CHILD).plan("platinum")
        assert platinum.extends == "gold"
        one, two = platinum.target("initial_response", 1), platinum.target("initial_response", 2)
        assert (one.duration(), one.calendar_name) == (H, "office")
        assert (two.duration(), two.calendar_name) == (2 * H, "late")
        assert platinum.target("escalation_response", "normal").calendar_name == "office"

    def test_other_fields_are_inherited(self, tmp_path: Path) -> None:
        """channels and covered channels come from the parent unless set; title defaults to the key."""
        platinum = load(tmp_path, self.PARENT_CHILD).plan("platinum")
        assert platinum.channels == ("email", "phone")
        assert platinum.covered_channels == ("email",)
        assert platinum.support_hours == "late hours"
        assert platinum.title == "platinum"

    def test_child_all_replaces_the_metric(self, tmp_path: Path) -> None:
        """a child's 'all' replaces the parent's whole table for that metric."""
        text = self.PARENT_CHILD.replace('"2" = "2 business hours"', 'all = "30 minutes"')
        platinum = load(tmp_path, text).plan("platinum")
        assert list(platinum.targets["initial_response"]) == ["all"]
        assert platinum.target("initial_response", 1).duration() == timedelta(minutes=30)

    def test_chains(self, tmp_path: Path) -> None:
        """extends chains: a grandchild sees the grandparent's targets; file order is kept."""
        text = self.PARENT_CHILD + '\n[plans.diamond]\nextends = "platinum"\n'
        policy = load(tmp_path, text)
        assert list(policy.plans) == ["gold", "platinum", "diamond"]
        assert policy.plan("diamond").target("initial_response", 2).duration() == 2 * H
        assert policy.plan("diamond").target("escalation_response", "normal").duration() == 9 * H

    def test_customer_plan_over_a_builtin_style_custom(self, tmp_path: Path) -> None:
        """a bespoke plan extending a plan overrides a single target."""
        text = (
            BASE
            + '\n[plans.bespoke]\nextends = "gold"\n[plans.bespoke.targets.initial_response]\n"1" = { target = "30 minutes", calendar = "late" }\n'
        )
        bespoke = load(tmp_path, text).plan("bespoke")
        assert bespoke.target("initial_response", 1).duration() == timedelta(minutes=30)
        assert bespoke.target("initial_response", 2).duration() == 4 * H


class TestErrors:
    """Every message names the file, the line, the key path, the bad value and what was expected."""

    def test_unknown_key(self, tmp_path: Path) -> None:
        """a misspelt key is not silently dropped."""
        text = BASE.replace('title = "Gold"', 'titel = "Gold"')
        message = error_of(tmp_path, text)
        assert str(tmp_path / "acme.toml") in message
        assert (
            f"line {line_of(text, 'titel')}: plans.gold.titel: unknown key 'titel'; expected one of title, extends"
            in message
        )

    def test_unknown_top_level_key(self, tmp_path: Path) -> None:
        """unknown keys at the top level are reported too."""
        text = "nmae = 'x'\n" + BASE
        message = error_of(tmp_path, text)
        assert "line 1: nmae: unknown key 'nmae'; expected one of $schema, name, family" in message

    def test_unknown_calendar(self, tmp_path: Path) -> None:
        """a calendar reference must name a defined calendar."""
        text = BASE.replace('calendar = "office"', 'calendar = "offic"')
        message = error_of(tmp_path, text)
        line = line_of(text, '"offic"')
        assert (
            f"line {line}: plans.gold.calendar: unknown calendar 'offic'; expected one of office, late"
            in message
        )

    def test_unknown_calendar_on_a_target(self, tmp_path: Path) -> None:
        """a per-target calendar is checked at its own key."""
        text = BASE.replace(
            '"2" = "4 business hours"', '"2" = { target = "4 business hours", calendar = "night" }'
        )
        message = error_of(tmp_path, text)
        assert "plans.gold.targets.initial_response.2.calendar: unknown calendar 'night'" in message
        assert f"line {line_of(text, 'night')}" in message

    def test_plan_extends_itself(self, tmp_path: Path) -> None:
        """a plan that extends itself is refused."""
        text = BASE.replace('title = "Gold"', 'title = "Gold"\nextends = "gold"')
        message = error_of(tmp_path, text)
        assert (
            f"line {line_of(text, 'extends')}: plans.gold.extends: plan 'gold' extends itself"
            in message
        )

    def test_extends_cycle(self, tmp_path: Path) -> None:
        """plans that extend each other in a cycle are refused, naming the cycle."""
        text = BASE + '\n[plans.a]\nextends = "b"\n\n[plans.b]\nextends = "a"\n'
        message = error_of(tmp_path, text)
        assert "plans.b.extends: plans extend each other in a cycle (a -> b -> a)" in message
        line = line_of(text, 'extends = "a"')
        assert f"line {line}: plans.b.extends" in message

    def test_extends_missing_plan(self, tmp_path: Path) -> None:
        """extending a plan that does not exist lists the plans."""
        text = BASE + '\n[plans.silver]\nextends = "bronze"\n'
        message = error_of(tmp_path, text)
        assert (
            f"line {line_of(text, 'bronze')}: plans.silver.extends: unknown plan 'bronze'; expected one of gold"
            in message
        )

    def test_severity_not_in_list(self, tmp_path: Path) -> None:
        """a class key that names no severity is refused with the valid ones."""
        text = BASE.replace('"2" = "4 business hours"', 'sev5 = "4 business hours"')
        message = error_of(tmp_path, text)
        assert (
            f"line {line_of(text, 'sev5')}: plans.gold.targets.initial_response.sev5: "
            "unknown severity 'sev5'; expected one of 1, 2, all"
        ) in message

    def test_unknown_escalation_class(self, tmp_path: Path) -> None:
        """escalation targets take urgent, normal or all."""
        text = BASE.replace('normal = "1 business day"', 'asap = "1 business day"')
        message = error_of(tmp_path, text)
        assert (
            "plans.gold.targets.escalation_response.asap: unknown escalation class 'asap'; expected one of urgent, normal, all"
            in message
        )

    def test_duplicate_class(self, tmp_path: Path) -> None:
        """two keys naming the same severity are refused."""
        text = BASE.replace(
            '"2" = "4 business hours"', '"2" = "4 business hours"\nsev1 = "2 business hours"'
        )
        message = error_of(tmp_path, text)
        assert (
            "plans.gold.targets.initial_response.sev1: class 'sev1' is '1' again (already given as '1')"
            in message
        )

    def test_malformed_duration(self, tmp_path: Path) -> None:
        """a duration that cannot be read is a PolicyFileError, not a DurationError."""
        text = BASE.replace('"4 business hours"', '"4 fortnights"')
        message = error_of(tmp_path, text)
        assert (
            f"line {line_of(text, 'fortnights')}: plans.gold.targets.initial_response.2: cannot read duration '4 fortnights'; expected"
            in message
        )

    def test_malformed_duration_in_table(self, tmp_path: Path) -> None:
        """a bad duration inside a target table points at its 'target' key."""
        text = BASE.replace('"4 business hours"', '{ target = "soonish" }')
        message = error_of(tmp_path, text)
        assert (
            "plans.gold.targets.initial_response.2.target: cannot read duration 'soonish'"
            in message
        )

    def test_target_without_calendar(self, tmp_path: Path) -> None:
        """a timed target needs a calendar from somewhere."""
        text = BASE.replace('calendar = "office"\n', "")
        message = error_of(tmp_path, text)
        assert (
            "plans.gold.targets.initial_response.1: target '1 business hour' has no calendar; expected calendar = '<name>'"
            in message
        )

    def test_bad_calendar_window(self, tmp_path: Path) -> None:
        """a window such as 25:00-26:00 is refused at its key."""
        text = BASE.replace('"07:00-19:00"', '"25:00-26:00"')
        message = error_of(tmp_path, text)
        assert (
            f"line {line_of(text, '25:00')}: calendars.late.hours.mon-fri: invalid window '25:00-26:00'"
            in message
        )

    def test_unknown_weekday(self, tmp_path: Path) -> None:
        """a day key that is not a weekday is refused."""
        text = BASE.replace(
            'hours = { "mon-fri" = "07:00-19:00" }', 'hours = { "mon-fry" = "07:00-19:00" }'
        )
        message = error_of(tmp_path, text)
        assert "calendars.late.hours: unknown day 'mon-fry'" in message

    def test_unknown_holiday_region(self, tmp_path: Path) -> None:
        """an unknown holidays subdivision names the valid ones."""
        text = BASE.replace('subdiv = "SG"', 'subdiv = "XX"')
        message = error_of(tmp_path, text)
        assert (
            f"line {line_of(text, 'XX')}: calendars.office.holidays.subdiv: unknown subdivision 'XX' of CH; expected one of AG"
            in message
        )

    def test_unknown_holiday_country(self, tmp_path: Path) -> None:
        """an unknown holidays country is refused."""
        text = BASE.replace('country = "CH"', 'country = "QQ"')
        assert "calendars.office.holidays.country: unknown country 'QQ'" in error_of(tmp_path, text)

    def test_unknown_time_zone(self, tmp_path: Path) -> None:
        """an unknown time zone is refused at calendars.<name>.timezone."""
        text = BASE.replace(
            'timezone = "Europe/Zurich"\nhours = { "mon-fri" = "07:00-19:00" }',
            'timezone = "Mars/Olympus"\nhours = { "mon-fri" = "07:00-19:00" }',
        )
        assert "calendars.late.timezone: unknown time zone 'Mars/Olympus'" in error_of(
            tmp_path, text
        )

    def test_unknown_metric(self, tmp_path: Path) -> None:
        """an unknown metric table is refused with the metrics listed."""
        text = BASE.replace("targets.escalation_response]", "targets.escalation]")
        message = error_of(tmp_path, text)
        assert (
            "plans.gold.targets.escalation: unknown metric 'escalation'; expected one of initial_response, escalation_response, dispatch, resolution, next_reply, periodic_update, requester_wait, agent_work (or a metric defined under [metrics])"
            in message
        )

    def test_wrong_type(self, tmp_path: Path) -> None:
        """a number where a duration string is expected names both accepted shapes."""
        text = BASE.replace('"4 business hours"', "4")
        assert (
            "plans.gold.targets.initial_response.2: invalid value 4; expected a string or a table"
            in error_of(tmp_path, text)
        )

    def test_bad_vocabulary(self, tmp_path: Path) -> None:
        """closed vocabularies list their words."""
        text = BASE.replace('name = "acme"', 'name = "acme"\nseverity_change = "sometimes"')
        assert (
            "line 2: severity_change: invalid value 'sometimes'; expected 'recalculate', 'restart' or 'initial'"
            in error_of(tmp_path, text)
        )

    def test_bad_date(self, tmp_path: Path) -> None:
        """dates must be dates."""
        text = BASE.replace("effective_from = 2026-01-01", 'effective_from = "soon"')
        assert (
            "line 2: effective_from: invalid value 'soon'; expected a date (YYYY-MM-DD)"
            in error_of(tmp_path, text)
        )

    def test_missing_key(self, tmp_path: Path) -> None:
        """required keys are named."""
        text = BASE.replace("effective_from = 2026-01-01\n", "")
        assert "effective_from: required key is missing" in error_of(tmp_path, text)

    def test_effective_until_before_from(self, tmp_path: Path) -> None:
        """effective_until must come after effective_from."""
        text = BASE.replace(
            "effective_from = 2026-01-01",
            "effective_from = 2026-01-01\neffective_until = 2025-01-01",
        )
        assert (
            "line 3: effective_until: invalid value '2025-01-01'; expected a date after effective_from 2026-01-01"
            in error_of(tmp_path, text)
        )

    def test_duplicate_severity_alias(self, tmp_path: Path) -> None:
        """an alias used by two severities is refused."""
        text = BASE.replace('name = "2"', 'name = "2"\naliases = ["Critical"]')
        assert (
            "severities[1].aliases[0]: invalid value 'Critical'; expected a name not already used by severity '1'"
            in error_of(tmp_path, text)
        )

    def test_covered_channel_not_offered(self, tmp_path: Path) -> None:
        """covered channels must be among the plan's channels."""
        text = BASE.replace('covered_channels = ["email"]', 'covered_channels = ["chat"]')
        assert (
            "plans.gold.covered_channels[0]: invalid value 'chat'; expected one of the plan's channels (email, phone)"
            in error_of(tmp_path, text)
        )

    def test_bad_credit_period(self, tmp_path: Path) -> None:
        """credits.per must be a positive amount of clock time."""
        text = BASE + '\n[credits]\nper = "1 business day"\n'
        assert (
            "credits.per: invalid value '1 business day'; expected a positive amount"
            in error_of(tmp_path, text)
        )

    def test_escalation_quota_names_plans(self, tmp_path: Path) -> None:
        """the escalation quota refers to existing plans."""
        text = BASE + "\n[escalations]\nincluded_per_year = { gold = 4, silver = 2 }\n"
        assert (
            "escalations.included_per_year.silver: unknown plan 'silver'; expected one of gold"
            in error_of(tmp_path, text)
        )

    def test_several_errors_are_all_reported(self, tmp_path: Path) -> None:
        """every cross-reference problem is reported, one per line."""
        text = BASE.replace('"4 business hours"', '"4 fortnights"').replace(
            'normal = "1', 'asap = "1'
        )
        message = error_of(tmp_path, text)
        assert message.startswith(f"invalid policy file {tmp_path / 'acme.toml'}: 2 errors\n")
        assert len(message.splitlines()) == 3

    def test_not_toml(self, tmp_path: Path) -> None:
        """a file that is not TOML says so, with the parser's position."""
        assert re.search(r"not valid TOML: .*line 1", error_of(tmp_path, "name = \n"))

    def test_not_json(self, tmp_path: Path) -> None:
        """a file that is not JSON says so, with the line."""
        message = error_of(tmp_path, '{\n  "name": }', "acme.json")
        assert "acme.json, line 2: not valid JSON" in message

    def test_json_not_an_object(self, tmp_path: Path) -> None:
        """a JSON array is not a policy."""
        assert "expected a JSON object at the top level; got list" in error_of(
            tmp_path, "[]", "acme.json"
        )

    def test_json_errors_have_lines(self, tmp_path: Path) -> None:
        """JSON errors carry the line of the key too."""
        data = {
            "name": "acme",
            "effective_from": "2026-01-01",
            "severities": [{"name": "1"}],
            "plans": {"gold": {"targets": {"initial_response": {"sev7": "n/a"}}}},
        }
        text = json.dumps(data, indent=2)
        message = error_of(tmp_path, text, "acme.json")
        assert (
            f"line {line_of(text, 'sev7')}: plans.gold.targets.initial_response.sev7: unknown severity 'sev7'"
            in message
        )

    def test_unknown_suffix(self, tmp_path: Path) -> None:
        """only .toml and .json files are read."""
        assert "unknown format '.yaml'; expected a .toml or .json file" in error_of(
            tmp_path, BASE, "acme.yaml"
        )

    def test_not_utf8(self, tmp_path: Path) -> None:
        """a file that is not UTF-8 is refused."""
        path = tmp_path / "acme.toml"
        path.write_bytes(b"name = '\xff'\n")
        with pytest.raises(PolicyFileError, match="not UTF-8 text"):
            load_policy(path)

    def test_directory(self, tmp_path: Path) -> None:
        """a directory is not a policy file."""
        (tmp_path / "d.toml").mkdir()
        with pytest.raises(PolicyFileError, match="not a file"):
            load_policy(tmp_path / "d.toml")

    @given(st.text(max_size=200))
    def test_any_text_raises_only_slacalc_errors(self, text: str) -> None:
        """a loader fed arbitrary text raises nothing but SlacalcError."""
        for fmt in ("toml", "json"):
            with contextlib.suppress(SlacalcError):
                read_policy(text, fmt=fmt)

    @given(
        st.dictionaries(
            st.sampled_from(["name", "severities", "plans", "calendars", "x"]),
            st.recursive(
                st.none() | st.integers() | st.text(max_size=5),
                lambda c: (
                    st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3)
                ),
                max_leaves=8,
            ),
        )
    )
    def test_any_structure_raises_only_slacalc_errors(self, data: dict[str, object]) -> None:
        """a loader fed arbitrary JSON structures raises nothing but SlacalcError."""
        with contextlib.suppress(SlacalcError):
            read_policy(json.dumps(data), fmt="json")


class TestLineFinder:
    def test_toml_paths(self) -> None:
        """tables, array-of-tables entries, dotted and inline keys are found."""
        text = BASE + '\n[[escalations.packs]]\nname = "S"\n\n[[escalations.packs]]\nname = "M"\n'
        assert find_line(text, ("severities", 1, "name"), "toml") == line_of(text, 'name = "2"')
        assert find_line(text, ("calendars", "late", "hours", "mon-fri"), "toml") == line_of(
            text, "07:00-19:00"
        )
        assert find_line(text, ("escalations", "packs", 1, "name"), "toml") == line_of(
            text, 'name = "M"'
        )
        assert find_line(text, ("plans", "gold", "nothing", "here"), "toml") == line_of(
            text, "[plans.gold]"
        )
        assert find_line(text, (), "toml") is None

    def test_multiline_arrays_are_skipped(self) -> None:
        """keys inside strings of multi-line arrays are not mistaken for keys."""
        text = 'notes = [\n  "a = b",\n]\na = 1\n'
        assert find_line(text, ("a",), "toml") == 4

    def test_dotted(self) -> None:
        """paths print as dotted keys, quoting keys that need it."""
        assert (
            dotted(("plans", "built-in", "targets", "initial_response", "all"))
            == "plans.built-in.targets.initial_response.all"
        )
        assert dotted(("calendars", "two words")) == 'calendars."two words"'
