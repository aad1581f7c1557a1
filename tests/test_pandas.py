"""``slacalc.pandas``: frames of tickets give exactly the numbers ``Plan.evaluate`` gives.

The central test generates a few thousand tickets that cross every edge the
calendar has (opening and closing instants, DST changes in Europe and the US,
Easter, Christmas, weekends, overnight windows, pending tickets, bad rows),
evaluates them as a frame under many plans, and compares every outcome
column with ``plan.evaluate`` of the same ticket, one row at a time.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

from slacalc import (  # noqa: E402
    Calendar,
    Contract,
    Event,
    FamilyPlan,
    Plan,
    PolicyFamily,
    Ticket,
    load_policy,
)
from slacalc.exceptions import (  # noqa: E402
    SlacalcError,
    TicketError,
    UnknownFrequencyError,
    UnknownMetricError,
)
from slacalc.pandas import (  # noqa: E402
    BAD_COLUMNS,
    OUTCOME_COLUMNS,
    BadRowsError,
    FrameResult,
    attainment,
    evaluate_frame,
    what_if,
)

ROOT = Path(__file__).resolve().parent.parent
CUSTOM = ROOT / "examples" / "custom_policy.toml"
ZURICH = ZoneInfo("Europe/Zurich")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 20, 12, tzinfo=ZURICH)
US = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------------- generated tickets

#: Local dates with something to trip over: DST in Europe (29 Mar, 25 Oct) and the US
#: (8 Mar, 1 Nov), Easter (3-6 Apr), Ascension, Whit Monday, Swiss national day,
#: Christmas and New Year, and plain weeks with their weekends.
EDGE_DATES = [
    date(2025, 12, 22) + timedelta(days=i) for i in range(16)
] + [
    date(y, m, d)
    for y, m, d in [
        (2026, 3, 6), (2026, 3, 7), (2026, 3, 8), (2026, 3, 9), (2026, 3, 27),
        (2026, 3, 28), (2026, 3, 29), (2026, 3, 30), (2026, 4, 2), (2026, 4, 3),
        (2026, 4, 6), (2026, 4, 7), (2026, 5, 13), (2026, 5, 14), (2026, 5, 22),
        (2026, 5, 25), (2026, 7, 31), (2026, 8, 1), (2026, 10, 23), (2026, 10, 24),
        (2026, 10, 25), (2026, 10, 26), (2026, 10, 30), (2026, 10, 31), (2026, 11, 1),
        (2026, 11, 2), (2026, 11, 18), (2026, 11, 19), (2026, 11, 20), (2026, 11, 20),
    ]
]  # fmt: skip
#: Wall times at and around the openings and closings of every built-in calendar,
#: in the DST gap (02:30) and overlap, and around midnight (overnight windows).
EDGE_TIMES = [
    (0, 0, 0), (1, 59, 59), (2, 30, 0), (3, 0, 0), (5, 59, 0), (6, 0, 0), (6, 59, 59),
    (7, 0, 0), (8, 0, 0), (8, 59, 0), (9, 0, 0), (11, 15, 0), (12, 0, 0), (13, 0, 0),
    (14, 59, 59), (15, 0, 0), (16, 45, 0), (17, 0, 0), (17, 59, 59), (18, 0, 0),
    (18, 30, 0), (19, 0, 0), (20, 0, 0), (21, 59, 0), (22, 0, 0), (23, 59, 59),
]  # fmt: skip
#: Response delays that land on or next to whole objectives (and on µs either side).
EDGE_DELAYS = [
    timedelta(0), US, timedelta(minutes=15), timedelta(minutes=30) - US,
    timedelta(minutes=30), timedelta(minutes=30) + US, timedelta(hours=1),
    timedelta(hours=1, minutes=15, seconds=1), timedelta(hours=2), timedelta(hours=4),
    timedelta(hours=9), timedelta(hours=12), timedelta(hours=26), timedelta(days=3),
    timedelta(days=6, hours=1), -timedelta(minutes=5),
]  # fmt: skip
SEVERITIES = ["1", "2", "3", "4", 1, 2, 3, "sev1", "Sev-2", "severity 3", "P4", "urgent",
              "high", "normal", "low", "sev9", ""]  # fmt: skip
CHANNELS = ["ticket", "email", "chat", "phone", "community", "Email ", None, "fax"]


def _us(value: datetime) -> int:
    return (value - EPOCH) // US


def generate(n: int, seed: int) -> list[dict[str, Any]]:
    """Ticket rows as plain Python values: aware datetimes (or None) and raw severities."""
    rng = np.random.default_rng(seed)
    lo, hi = _us(datetime(2025, 12, 1, tzinfo=UTC)), _us(datetime(2026, 11, 25, tzinfo=UTC))
    rows = []
    for i in range(n):
        zone = ZURICH if rng.random() < 0.7 else NEW_YORK
        if rng.random() < 0.6:
            day = EDGE_DATES[rng.integers(len(EDGE_DATES))]
            h, m, s = EDGE_TIMES[rng.integers(len(EDGE_TIMES))]
            opened = datetime(day.year, day.month, day.day, h, m, s, tzinfo=zone)
        else:
            opened = (EPOCH + timedelta(microseconds=int(rng.integers(lo, hi)))).astimezone(zone)
        recent = rng.random() < 0.08
        if recent:  # pending at NOW unless answered already, or answered after NOW
            opened = (NOW - timedelta(minutes=float(rng.uniform(0, 4 * 24 * 60)))).astimezone(zone)
        roll = rng.random()
        if recent and roll < 0.3:
            responded = NOW + timedelta(hours=1)
        elif roll < 0.12 or (recent and roll < 0.7):
            responded = None
        elif roll < 0.5:
            responded = opened + EDGE_DELAYS[rng.integers(len(EDGE_DELAYS))]
        else:
            responded = opened + timedelta(seconds=float(rng.exponential(4 * 3600)))
        if responded is not None and rng.random() < 0.3:
            responded = responded.astimezone(ZURICH if zone is NEW_YORK else NEW_YORK)
        severity = (
            SEVERITIES[rng.integers(len(SEVERITIES))]
            if rng.random() < 0.15
            else str(rng.integers(1, 5))
        )
        rows.append(
            {
                "id": f"G-{i}",
                "opened_at": opened,
                "severity": severity,
                "responded_at": responded,
                "channel": CHANNELS[rng.integers(len(CHANNELS))],
            }
        )
    return rows


def as_text(rows: list[dict[str, Any]]) -> Any:
    """The rows as a frame of ISO 8601 strings (how a CSV arrives)."""
    frame = pd.DataFrame(rows)
    for name in ("opened_at", "responded_at"):
        frame[name] = [None if v is None else v.isoformat() for v in frame[name]]
    frame["severity"] = frame["severity"].astype(str)
    return frame


def as_zoned(rows: list[dict[str, Any]], zone: str) -> Any:
    """The rows as a frame of ``datetime64[us, zone]`` columns (how a database hands them over)."""
    frame = pd.DataFrame(rows)
    for name in ("opened_at", "responded_at"):
        us = np.asarray([np.iinfo(np.int64).min if v is None else _us(v) for v in frame[name]])
        frame[name] = pd.Series(us.view("M8[us]")).dt.tz_localize("UTC").dt.tz_convert(zone)
    frame["severity"] = frame["severity"].astype(str)
    return frame


def _cell_datetime(value: Any) -> datetime | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def reference(
    plan: Plan | FamilyPlan, frame: Any, metric: str = "initial_response"
) -> Iterator[Any]:
    """Each row's outcome from ``plan.evaluate``, or the error it raises."""
    for row in frame.to_dict("records"):
        channel = row.get("channel")
        try:
            ticket = Ticket(
                row["id"],
                _cell_datetime(row["opened_at"]),  # type: ignore[arg-type]
                row["severity"],
                channel=None if channel is None or pd.isna(channel) else channel,
                responded_at=_cell_datetime(row.get("responded_at")),
                events=row.get("events") or (),
            )
            yield plan.evaluate(ticket, NOW)[metric]
        except SlacalcError as exc:
            yield exc


def _same_instant(got: Any, want: datetime | None) -> bool:
    """The same instant (compared in UTC: Python calls any two zones unequal in a DST fold)."""
    if want is None:
        return bool(pd.isna(got))
    return not pd.isna(got) and got.tz_convert("UTC").to_pydatetime() == want.astimezone(UTC)


def _same_span(got: Any, want: timedelta | None) -> bool:
    if want is None:
        return bool(pd.isna(got))
    return not pd.isna(got) and got.to_pytimedelta() == want


def assert_matches_plain_api(
    out: Any, bad: Any, plan: Plan | FamilyPlan, source: Any, metric: str = "initial_response"
) -> None:
    """Every row of *out* holds exactly what ``plan.evaluate`` says; bad rows are those it refuses."""
    bad_positions = set(bad["position"])
    problems = []
    for pos, want in enumerate(reference(plan, source, metric)):
        row = out.iloc[pos]
        if isinstance(want, SlacalcError):
            if pos not in bad_positions or row["status"] != "invalid":
                problems.append((pos, "plain API refused it, the frame did not", str(want)))
            continue
        if pos in bad_positions:
            problems.append((pos, "frame refused it", list(bad[bad.position == pos].message)))
            continue
        checks = {
            "status": row["status"] == want.status,
            "class": (pd.isna(row["class"]) if want.klass is None else row["class"] == want.klass),
            "target": row["target"] == want.target,
            "objective": _same_span(row["objective"], want.objective),
            "due_at": _same_instant(row["due_at"], want.due_at),
            "stopped_at": _same_instant(row["stopped_at"], want.stopped_at),
            "elapsed": _same_span(row["elapsed"], want.elapsed),
            "remaining": _same_span(row["remaining"], want.remaining),
            "late_by": _same_span(row["late_by"], want.late_by),
            "late_by_wall": _same_span(row["late_by_wall"], want.late_by_wall),
            "credit_days": row["credit_days"] == want.credit_days,
            "policy_version": row["policy_version"] == want.policy,
        }
        wrong = [k for k, same in checks.items() if not same]
        if wrong:
            problems.append((pos, wrong, dict(row), repr(want)))
    assert not problems, f"{len(problems)} rows differ; first: {problems[:3]}"


def _wall_policy(tmp_path: Path) -> Any:
    """The example customer policy, with lateness measured on the wall clock."""
    text = CUSTOM.read_text(encoding="utf-8").replace('lateness = "business"', 'lateness = "wall"')
    text = text.replace('name = "acme-2026"', 'name = "acme-wall"')
    path = tmp_path / "acme-wall.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


PLANS = [
    ("zitadel-2023", "extended"),
    ("zitadel-2023", "custom"),
    ("zitadel-2023", "production"),
    ("zitadel-2023", "free"),
    ("exoscale", "enterprise"),
    ("exoscale", "pro"),
    ("freistilbox", "enterprise"),
    ("proauth", "enterprise-managed"),
    ("custom", "standard"),
    ("custom", "night-watch"),
]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return generate(2500, seed=20260402)


def _plan(policy: str, name: str) -> Plan:
    loaded = load_policy(CUSTOM if policy == "custom" else policy)
    assert not isinstance(loaded, PolicyFamily)
    return loaded.plan(name)


class TestEqualsPlainAPI:
    @pytest.mark.parametrize(("policy", "name"), PLANS, ids=[f"{p}/{n}" for p, n in PLANS])
    def test_text_frame(self, rows: list[dict[str, Any]], policy: str, name: str) -> None:
        """ISO strings with mixed offsets: every outcome column equals plan.evaluate's, row by row."""
        frame = as_text(rows)
        plan = _plan(policy, name)
        out, bad = evaluate_frame(frame, None, plan, now=NOW, errors="collect")
        assert_matches_plain_api(out, bad, plan, frame)

    def test_generated_frame_covers_every_status(self, rows: list[dict[str, Any]]) -> None:
        """The comparison above is not vacuous: every status, credits and bad rows all occur."""
        out, bad = evaluate_frame(
            as_text(rows), "zitadel-2023", "extended", now=NOW, errors="collect"
        )
        counts = out["status"].value_counts()
        assert set(counts.index) == {"met", "breached", "pending", "not_applicable", "invalid"}
        assert min(counts) >= 20, counts
        assert (out["credit_days"] > 0).sum() > 100
        assert {"opened_at", "responded_at", "severity"} <= set(bad["column"])

    @pytest.mark.parametrize("zone", ["Europe/Zurich", "America/New_York", "UTC"])
    def test_zoned_frame(self, rows: list[dict[str, Any]], zone: str) -> None:
        """datetime64[us, tz] columns in any zone give the same numbers."""
        frame = as_zoned(rows, zone)
        for policy, name in [("zitadel-2023", "extended"), ("freistilbox", "enterprise")]:
            plan = _plan(policy, name)
            out, bad = evaluate_frame(frame, policy, name, now=NOW, errors="collect")
            assert_matches_plain_api(out, bad, plan, frame)

    def test_wall_clock_lateness_and_floor_credits(
        self, rows: list[dict[str, Any]], tmp_path: Path
    ) -> None:
        """A policy measuring lateness on the wall clock, crediting full hours with a cap."""
        policy = _wall_policy(tmp_path)
        frame = as_text(rows)
        for name in ("standard", "night-watch"):
            out, bad = evaluate_frame(frame, policy, name, now=NOW, errors="collect")
            assert_matches_plain_api(out, bad, policy.plan(name), frame)
            valid = out[out["status"] != "invalid"]
            assert (valid["late_by"] == valid["late_by_wall"]).all()
            assert (valid["credit_days"] <= 3).all()  # the per-ticket cap

    def test_nanosecond_column(self, rows: list[dict[str, Any]]) -> None:
        """A datetime64[ns] column (pandas' classic unit) reads the same as a µs one."""
        frame = as_zoned(rows, "Europe/Zurich")
        for name in ("opened_at", "responded_at"):
            frame[name] = frame[name].dt.as_unit("ns")
        plan = _plan("zitadel-2023", "custom")
        out, bad = evaluate_frame(frame, "zitadel-2023", "custom", now=NOW, errors="collect")
        assert_matches_plain_api(out, bad, plan, frame)

    @pytest.mark.parametrize("metric", ["dispatch", "resolution"])
    def test_other_metrics_without_events(self, rows: list[dict[str, Any]], metric: str) -> None:
        """Dispatch and resolution clocks without their stop events run until now."""
        frame = as_text(rows)
        policy = "freistilbox" if metric == "dispatch" else "custom"
        plan = _plan(policy, "standard")
        out, bad = evaluate_frame(frame, None, plan, now=NOW, metric=metric, errors="collect")
        assert_matches_plain_api(out, bad, plan, frame, metric)
        assert set(out["status"]) <= {"pending", "breached", "not_applicable", "invalid"}


class TestEvents:
    def frame(self) -> Any:
        at = datetime(2026, 3, 2, 9, tzinfo=ZURICH)
        return pd.DataFrame(
            {
                "id": ["E-1", "E-2", "E-3", "E-4", "E-5"],
                "opened_at": [at] * 5,
                "severity": ["3", "3", "2", "1", "2"],
                "responded_at": [
                    at + timedelta(hours=5),
                    None,
                    None,
                    at + timedelta(hours=1),
                    None,
                ],
                "events": [
                    [(at + timedelta(hours=1), "severity", "1")],
                    [(at + timedelta(hours=1), "pause"), (at + timedelta(days=1), "resume")],
                    [],
                    None,
                    [Event(at + timedelta(hours=2), "resume")],  # a resume with no pause: bad
                ],
                "escalated_at": [None, at + timedelta(hours=2), None, None, None],
            }
        )

    def test_rows_with_events_take_the_row_by_row_path(self) -> None:
        """Severity changes and pauses give plan.evaluate's numbers; an unmatched resume is a bad row."""
        frame = self.frame()
        plan = _plan("custom", "standard")
        for metric in ("initial_response", "resolution"):
            out, bad = evaluate_frame(frame, None, plan, now=NOW, metric=metric, errors="collect")
            expected = []
            for row in frame.to_dict("records"):
                events = [*(row["events"] or ())]
                if row["escalated_at"] is not None and not pd.isna(row["escalated_at"]):
                    events.append((row["escalated_at"], "escalation", "normal"))
                ticket = Ticket(row["id"], row["opened_at"], row["severity"], None,
                                None if pd.isna(row["responded_at"]) else row["responded_at"])  # fmt: skip
                try:
                    expected.append(plan.evaluate(ticket.with_events(*events), NOW)[metric])
                except SlacalcError as exc:
                    expected.append(exc)
            for pos, want in enumerate(expected):
                if isinstance(want, SlacalcError):
                    assert out["status"].iloc[pos] == "invalid"
                    assert str(want) in set(bad.message)
                else:
                    assert out["status"].iloc[pos] == want.status
                    assert _same_instant(out["due_at"].iloc[pos], want.due_at)
                    assert _same_span(out["elapsed"].iloc[pos], want.elapsed)
                    assert out["credit_days"].iloc[pos] == want.credit_days
        # the restart rule: the severity raised to 1 at 10:00 restarts a 1 bh clock
        out = evaluate_frame(frame.iloc[:1], None, plan, now=NOW)
        assert out["class"].iloc[0] == "1"
        assert out["due_at"].iloc[0] == pd.Timestamp("2026-03-02 11:00", tz="Europe/Zurich")

    def test_escalation_response(self) -> None:
        """An escalated_at column starts the escalation clock; without it the metric is not applicable."""
        frame = self.frame().drop(columns="events")
        out = evaluate_frame(
            frame, "zitadel-2023", "extended", now=NOW, metric="escalation_response"
        )
        assert list(out["status"]) == [
            "not_applicable",
            "breached",
            "not_applicable",
            "not_applicable",
            "not_applicable",
        ]
        # normal escalation: 1 business day (9 h on 08-17) from Mon 11:00 → Tue 11:00
        assert out["due_at"].iloc[1] == pd.Timestamp("2026-03-03 11:00", tz="Europe/Zurich")


class TestFrameShape:
    def test_keeps_index_columns_and_order(self) -> None:
        """The input's index (even with repeated labels), columns and row order come back unchanged."""
        frame = pd.DataFrame(
            {
                "customer": ["acme", "globex", "acme"],
                "opened_at": ["2026-03-02T09:00:00+01:00"] * 3,
                "severity": [1, 2, 3],
            },
            index=pd.Index([10, 10, 7], name="ticket"),
        )
        out = evaluate_frame(frame, "zitadel-2023", "extended", now=NOW)
        assert out.index.equals(frame.index)
        assert list(out.columns) == [*frame.columns, *OUTCOME_COLUMNS]
        pd.testing.assert_frame_equal(out[frame.columns], frame)
        assert list(out["class"]) == ["1", "2", "3"]
        assert list(frame.columns) == ["customer", "opened_at", "severity"]  # input untouched

    def test_outcome_dtypes(self) -> None:
        """Instants are zone-aware, durations are timedeltas, credits are integers."""
        frame = pd.DataFrame({"opened_at": ["2026-03-02T09:00:00+01:00"], "severity": ["2"]})
        out = evaluate_frame(frame, "zitadel-2023", "extended", now=NOW)
        assert str(out["due_at"].dtype) == "datetime64[us, Europe/Zurich]"
        assert str(out["elapsed"].dtype) == "timedelta64[us]"
        assert str(out["credit_days"].dtype) == "Int64"
        assert out["status"].iloc[0] == "breached"  # no response, and 2 bh ran out long before NOW
        assert out["remaining"].iloc[0] == pd.Timedelta(0)

    def test_empty_frame_has_the_same_schema(self) -> None:
        """An empty frame (a Dask meta) gives the same columns and dtypes as a full one."""
        frame = pd.DataFrame({"opened_at": ["2026-03-02T09:00:00+01:00"], "severity": ["2"]})
        full = evaluate_frame(frame, "zitadel-2023", "extended", now=NOW)
        empty = evaluate_frame(frame.iloc[:0], "zitadel-2023", "extended", now=NOW)
        assert len(empty) == 0
        pd.testing.assert_series_equal(empty.dtypes, full.dtypes)

    def test_column_mapping_and_index_as_id(self) -> None:
        """columns= maps our field names to the frame's; without an id column the index labels are the ids."""
        frame = pd.DataFrame(
            {"created": ["2026-03-02T09:00:00+01:00"], "prio": ["sev1"], "first_reply": [None]},
            index=pd.Index(["T-9"]),
        )
        out, bad = evaluate_frame(
            frame,
            "zitadel-2023",
            "extended",
            columns={"opened_at": "created", "severity": "prio", "responded_at": "first_reply"},
            now="2026-03-02T09:30:00+01:00",
            errors="collect",
        )
        assert out["status"].iloc[0] == "pending"
        assert out["remaining"].iloc[0] == pd.Timedelta(minutes=30)
        assert bad.empty

    def test_missing_required_column(self) -> None:
        """A frame without an opened_at column says which column it looked for."""
        with pytest.raises(TicketError, match="opened_at is read from column 'opened_at'"):
            evaluate_frame(pd.DataFrame({"severity": [1]}), "zitadel-2023", "extended", now=NOW)
        with pytest.raises(TicketError, match="columns: unknown ticket field 'opend_at'"):
            evaluate_frame(
                pd.DataFrame({"severity": [1]}),
                "zitadel-2023",
                "extended",
                columns={"opend_at": "x"},
                now=NOW,
            )

    def test_outcome_column_clash_needs_a_prefix(self) -> None:
        """A frame with its own status column is refused unless the outcome columns get a prefix."""
        frame = pd.DataFrame(
            {"opened_at": ["2026-03-02T09:00:00+01:00"], "severity": [1], "status": ["closed"]}
        )
        with pytest.raises(TicketError, match="prefix"):
            evaluate_frame(frame, "zitadel-2023", "extended", now=NOW)
        out = evaluate_frame(frame, "zitadel-2023", "extended", now=NOW, prefix="sla_")
        assert out["status"].iloc[0] == "closed"
        assert out["sla_status"].iloc[0] == "breached"

    def test_unknown_metric(self) -> None:
        """A metric the plan has no target for is refused before any row is read."""
        frame = pd.DataFrame({"opened_at": ["2026-03-02T09:00:00+01:00"], "severity": [1]})
        with pytest.raises(UnknownMetricError, match="dispatch"):
            evaluate_frame(frame, "zitadel-2023", "extended", now=NOW, metric="dispatch")

    def test_naive_now_is_refused(self) -> None:
        """now must be aware, like everywhere in slacalc."""
        frame = pd.DataFrame({"opened_at": ["2026-03-02T09:00:00+01:00"], "severity": [1]})
        with pytest.raises(SlacalcError, match="naive"):
            evaluate_frame(frame, "zitadel-2023", "extended", now=datetime(2026, 3, 3))


class TestBadRows:
    def frame(self) -> Any:
        return pd.DataFrame(
            {
                "id": ["ok", "naive", "garbage", "sev", "early", "future", "missing", "ok2"],
                "opened_at": [
                    "2026-03-02T09:00:00+01:00",
                    "2026-03-02T09:00:00",
                    "yesterday",
                    "2026-03-02T09:00:00+01:00",
                    "2026-03-02T09:00:00+01:00",
                    "2027-01-01T09:00:00+01:00",
                    None,
                    "2026-03-02T09:00:00Z",
                ],
                "severity": ["1", "1", "1", "sev9", "1", "1", "1", "2"],
                "responded_at": [
                    None,
                    None,
                    None,
                    None,
                    "2026-03-02T08:00:00+01:00",
                    None,
                    None,
                    "2026-03-02",
                ],
            },
            index=pd.Index(list("abcdefgh"), name="row"),
        )

    def test_collect(self) -> None:
        """Every bad row is listed with its label, column and reason; good rows are evaluated."""
        out, bad = evaluate_frame(
            self.frame(), "zitadel-2023", "extended", now=NOW, errors="collect"
        )
        assert list(bad.columns) == list(BAD_COLUMNS)
        assert bad.index.name == "row"
        found = {label: (column, message) for label, column, message in zip(bad.index, bad["column"], bad["message"], strict=True)}  # fmt: skip
        assert set(found) == set("bcdefgh")
        assert found["b"][0] == "opened_at"
        assert "no UTC offset" in found["b"][1]
        assert found["c"][0] == "opened_at"
        assert "invalid instant 'yesterday'" in found["c"][1]
        assert found["d"][0] == "severity"
        assert "unknown severity 'sev9'" in found["d"][1]
        assert found["e"][0] == "responded_at"
        assert "before opened_at" in found["e"][1]
        assert found["f"][0] == "opened_at"
        assert "now" in found["f"][1]
        assert found["g"][0] == "opened_at"
        assert "missing" in found["g"][1]
        assert found["h"][0] == "responded_at"
        assert "no UTC offset" in found["h"][1]
        assert list(out["status"]) == ["breached", *["invalid"] * 7]
        assert out.loc["b", "due_at"] is pd.NaT
        assert pd.isna(out.loc["b", "credit_days"])

    def test_raise_lists_rows_and_carries_the_frame(self) -> None:
        """By default a bad row raises, naming rows, and the error holds every one as a frame."""
        with pytest.raises(
            BadRowsError, match=r"7 problems in 7 rows.*row 'b' \(column 'opened_at'\)"
        ) as info:
            evaluate_frame(self.frame(), "zitadel-2023", "extended", now=NOW)
        assert len(info.value.bad) == 7
        assert isinstance(info.value, TicketError)
        assert isinstance(info.value, ValueError)
        again = pickle.loads(pickle.dumps(info.value))
        assert str(again) == str(info.value)
        assert len(again.bad) == 7

    def test_mark(self) -> None:
        """errors='mark' returns one frame whose error column gives each bad row's reason."""
        out = evaluate_frame(self.frame(), "zitadel-2023", "extended", now=NOW, errors="mark")
        assert pd.isna(out.loc["a", "error"])
        assert "unknown severity" in out.loc["d", "error"]
        assert (out["status"] == "invalid").sum() == 7

    def test_naive_datetime_column(self) -> None:
        """A datetime64 column without a zone is never taken as local time: every row is bad."""
        frame = pd.DataFrame(
            {"opened_at": pd.to_datetime(["2026-03-02 09:00", None]), "severity": [1, 1]}
        )
        _out, bad = evaluate_frame(frame, "zitadel-2023", "extended", now=NOW, errors="collect")
        assert list(bad["position"]) == [0, 1]
        assert "no UTC offset" in bad["message"].iloc[0]
        assert "missing" in bad["message"].iloc[1]

    def test_object_column_of_datetimes(self) -> None:
        """Python datetimes in an object column: aware ones are read, naive ones are bad rows."""
        frame = pd.DataFrame(
            {
                "opened_at": pd.Series(
                    [
                        datetime(2026, 3, 2, 9, tzinfo=ZURICH),
                        datetime(2026, 3, 2, 9),
                        "2026-03-02T09:00:00+01:00",
                    ],
                    dtype=object,
                ),
                "severity": [1, 1, 1],
            }
        )
        out, bad = evaluate_frame(frame, "zitadel-2023", "extended", now=NOW, errors="collect")
        assert list(bad["position"]) == [1]
        assert out["due_at"].iloc[0] == out["due_at"].iloc[2]

    def test_unknown_errors_value(self) -> None:
        """errors= takes raise, collect or mark."""
        frame = pd.DataFrame({"opened_at": ["2026-03-02T09:00:00+01:00"], "severity": [1]})
        with pytest.raises(TicketError, match="errors"):
            evaluate_frame(frame, "zitadel-2023", "extended", now=NOW, errors="ignore")  # type: ignore[call-overload]


class TestFamily:
    def test_version_in_force_at_the_opening_instant(self) -> None:
        """A family judges each ticket by the version in force at its opening instant, in any offset.

        zitadel-2023 takes effect on 2023-11-15 in Zurich: at 00:00 CET (+01:00), which is
        2023-11-14 23:00 UTC. 22:59:59 UTC is still 2021 written in Auckland (+13:00, already
        15 November there); 23:00 UTC is 2023 written in New York (-05:00, still 14 November).
        """
        family = load_policy("zitadel")
        frame = pd.DataFrame(
            {
                "id": ["old-utc", "old-auckland", "new-utc", "new-new-york", "new"],
                "opened_at": [
                    "2023-11-14T22:59:59+00:00",
                    "2023-11-15T11:59:59+13:00",
                    "2023-11-14T23:00:00+00:00",
                    "2023-11-14T18:00:00-05:00",
                    "2023-11-20T10:00:00+01:00",
                ],
                "severity": [1, 1, 1, 1, 1],
            }
        )
        out = evaluate_frame(frame, family, "free", now=NOW)
        assert list(out["policy_version"]) == [
            "zitadel-2021",
            "zitadel-2021",
            "zitadel-2023",
            "zitadel-2023",
            "zitadel-2023",
        ]
        plan = family.plan("free")
        assert_matches_plain_api(out, pd.DataFrame({"position": []}), plan, frame)

    @given(
        delta=st.integers(-26 * 3600, 26 * 3600),
        offsets=st.lists(st.integers(-(24 * 60 - 1), 24 * 60 - 1), min_size=1, max_size=6),
    )
    def test_the_instant_decides_whatever_the_offset(self, delta: int, offsets: list[int]) -> None:
        """The same instant written with any offsets (minutes, -23:59 to +23:59) picks one version.

        Near zitadel-2023's start (2023-11-14 23:00 UTC, midnight in Zurich): the frame
        (as text, as aware datetimes, as a zoned column) and ``family.at`` agree row by row.
        """
        family = load_policy("zitadel")
        start = datetime(2023, 11, 14, 23, tzinfo=UTC)
        instant = start + timedelta(seconds=delta)
        expected = "zitadel-2023" if instant >= start else "zitadel-2021"
        written = [instant.astimezone(timezone(timedelta(minutes=m))) for m in offsets]
        assert {family.at(w).name for w in written} == {expected}
        n = len(written)
        frames = [
            pd.DataFrame({"opened_at": [w.isoformat() for w in written], "severity": ["1"] * n}),
            pd.DataFrame({"opened_at": pd.Series(written, dtype=object), "severity": ["1"] * n}),
            pd.DataFrame(
                {
                    "opened_at": pd.Series([instant] * n).dt.tz_convert("Pacific/Auckland"),
                    "severity": ["1"] * n,
                }
            ),
        ]
        for frame in frames:
            out = evaluate_frame(frame, family, "free", now=NOW)
            assert list(out["policy_version"]) == [expected] * n

    def test_plan_missing_from_a_version_is_a_bad_row(self) -> None:
        """'extended' did not exist before 2023-11-15: older tickets are bad rows, newer ones evaluate."""
        frame = pd.DataFrame(
            {
                "id": ["old", "new"],
                "opened_at": ["2023-06-01T10:00:00+02:00", "2024-06-03T10:00:00+02:00"],
                "severity": [2, 2],
                "responded_at": [None, "2024-06-03T13:00:00+02:00"],
            }
        )
        out, bad = evaluate_frame(frame, "zitadel", "extended", now=NOW, errors="collect")
        assert list(bad["position"]) == [0]
        assert "unknown plan 'extended' in policy 'zitadel-2021'" in bad["message"].iloc[0]
        assert out["status"].iloc[1] == "breached"
        assert out["credit_days"].iloc[1] == 4  # 3 h against 2 bh: 60 min late, 4 quarter hours

    def test_family_plan_under_contract_terms(self, rows: list[dict[str, Any]]) -> None:
        """A contract's own calendar and targets over a family plan judge frame rows as plan.evaluate does.

        (The frame engine once looked each row's version plan up without the terms.)
        """
        new_york = Calendar(timezone="America/New_York", hours={"mon-fri": "09:00-17:00"})
        contract = Contract(
            "Empire Widgets",
            load_policy("zitadel").plan("custom"),
            date(2020, 1, 1),
            date(2030, 1, 1),
            calendar={"business": new_york},
            targets={"initial_response": {"3": "3 business hours"}},
        )
        assert isinstance(contract.plan, FamilyPlan)
        frame = as_text(rows)
        out, bad = evaluate_frame(frame, None, contract.plan, now=NOW, errors="collect")
        assert_matches_plain_api(out, bad, contract.plan, frame)
        assert "3 business hours on business" in set(out["target"].dropna())

    @pytest.mark.parametrize("kind", ["text", "objects", "Pacific/Auckland", "America/New_York"])
    def test_generated_family_frame(
        self, tmp_path: Path, rows: list[dict[str, Any]], kind: str
    ) -> None:
        """A two-version family whose boundary falls inside the generated tickets' range.

        The generated tickets open around midnight of the boundary day (28-30 March 2026)
        in Zurich and New York; the frame picks each row's version as ``plan.evaluate``
        does, by the instant, whether the column is text, aware datetimes or zoned in
        another zone.
        """
        base = CUSTOM.read_text(encoding="utf-8")
        later = (
            base.replace('name = "acme-2026"', 'name = "acme-2026b"')
            .replace("effective_from = 2026-01-01", "effective_from = 2026-03-29")
            .replace('"1" = "1 business hour"', '"1" = "2 business hours"')
        )
        (tmp_path / "a.toml").write_text(base, encoding="utf-8")
        (tmp_path / "b.toml").write_text(later, encoding="utf-8")
        first, second = load_policy(tmp_path / "a.toml"), load_policy(tmp_path / "b.toml")
        assert isinstance(first, type(second))
        assert not isinstance(first, PolicyFamily)
        family = PolicyFamily("acme", (first, second))  # type: ignore[arg-type]
        if kind == "text":
            frame = as_text(rows)
        elif kind == "objects":
            frame = pd.DataFrame(rows).astype({"opened_at": object, "responded_at": object})
            frame["severity"] = frame["severity"].astype(str)
        else:
            frame = as_zoned(rows, kind)
        out, bad = evaluate_frame(frame, family, "standard", now=NOW, errors="collect")
        assert_matches_plain_api(out, bad, family.plan("standard"), frame)
        assert set(out["policy_version"].dropna()) == {"acme-2026", "acme-2026b"}


class TestAttainment:
    """A hand-made frame whose figures are worked out in the docstrings."""

    def outcomes(self) -> Any:
        zurich = "Europe/Zurich"
        return pd.DataFrame(
            {
                "customer": [
                    "acme",
                    "acme",
                    "acme",
                    "acme",
                    "globex",
                    "globex",
                    "globex",
                    "globex",
                ],
                # 1 Feb 00:30 in Zurich is still 31 Jan (23:30) in UTC
                "opened_at": pd.to_datetime(
                    [
                        "2026-01-05 09:00",
                        "2026-02-01 00:30",
                        "2026-01-12 10:00",
                        "2026-02-02 09:00",
                        "2026-01-07 09:00",
                        "2026-02-03 09:00",
                        "2026-02-04 09:00",
                        "2026-02-05 09:00",
                    ]
                ).tz_localize(zurich),
                "class": ["1", "1", "2", "1", "1", "2", "2", "2"],
                "status": [
                    "met",
                    "breached",
                    "met",
                    "pending",
                    "breached",
                    "met",
                    "not_applicable",
                    "breached",
                ],
                "credit_days": pd.array([0, 3, 0, 0, 1, 0, 0, 2], dtype="Int64"),
                "due_at": pd.to_datetime(["2026-01-05 10:00"] * 8).tz_localize(zurich),
            }
        )

    def test_by_class_and_month(self) -> None:
        """Months of the calendar's zone (Zurich, from due_at), per class.

        Class 1, January: rows 0 (met) and 4 (breached, 1 day) → 1/2, 1 day.
        Class 1, February: row 1 (breached, 3 days) and row 3 (pending) → 0/1, 3 days.
        Class 2, January: row 2 (met) → 1/1. Class 2, February: rows 5 (met),
        6 (not applicable), 7 (breached, 2 days) → 1/2, 2 days.
        """
        table = attainment(self.outcomes(), by="class", freq="M")
        jan, feb = pd.Period("2026-01", "M"), pd.Period("2026-02", "M")
        assert list(table.index) == [("1", jan), ("1", feb), ("2", jan), ("2", feb)]
        assert table.index.names == ["class", "period"]
        assert list(table.columns) == [
            "tickets", "met", "breached", "pending", "not_applicable", "invalid", "attainment", "credit_days",
        ]  # fmt: skip
        assert table.loc[("1", jan)].tolist() == pytest.approx([2, 1, 1, 0, 0, 0, 0.5, 1])
        assert table.loc[("1", feb)].tolist() == pytest.approx([2, 0, 1, 1, 0, 0, 0.0, 3])
        assert table.loc[("2", jan)].tolist() == pytest.approx([1, 1, 0, 0, 0, 0, 1.0, 0])
        assert table.loc[("2", feb)].tolist() == pytest.approx([3, 1, 1, 0, 1, 0, 0.5, 2])

    def test_by_customer_overall(self) -> None:
        """Per customer, no periods: acme 2 met of 3 judged, 3 credit days; globex 1 of 3, 3 days."""
        table = attainment(self.outcomes(), by=["customer"], freq=None)
        assert list(table.index) == ["acme", "globex"]
        assert table["attainment"].tolist() == pytest.approx([2 / 3, 1 / 3])
        assert table["credit_days"].tolist() == [3, 3]
        assert table["tickets"].tolist() == [4, 4]

    def test_everything_in_one_row(self) -> None:
        """No grouping at all: 3 met, 3 breached → 1/2; 6 credit days."""
        table = attainment(self.outcomes(), by=None, freq=None)
        assert table.loc["all", "attainment"] == pytest.approx(0.5)
        assert table.loc["all", "credit_days"] == 6

    def test_no_verdict_is_nan(self) -> None:
        """A group with only pending tickets has no attainment yet (NaN, not 0 or 1)."""
        frame = self.outcomes().iloc[[3]]
        assert np.isnan(attainment(frame, by=None, freq=None).loc["all", "attainment"])

    def test_missing_column_is_named(self) -> None:
        """Grouping by a column the frame lacks names it (and the prefix, when one was given)."""
        with pytest.raises(TicketError, match="no column 'region'"):
            attainment(self.outcomes(), by="region")
        with pytest.raises(TicketError, match=r"no column 'custom\.status'.*prefix 'custom\.'"):
            attainment(self.outcomes(), prefix="custom.")

    def test_months_in_another_zone(self) -> None:
        """Read in UTC, the ticket of 1 Feb 00:30 Zurich falls in January: 4 tickets each month."""
        zurich = attainment(self.outcomes(), by=None, freq="M")
        utc = attainment(self.outcomes(), by=None, freq="M", tz="UTC")
        assert zurich["tickets"].tolist() == [3, 5]
        assert utc["tickets"].tolist() == [4, 4]
        assert attainment(self.outcomes(), by=None, freq="Q")["tickets"].tolist() == [8]

    @pytest.mark.parametrize(
        ("aliases", "period"),
        [
            (("ME", "M", "MS", "month", "me"), "M"),
            (("QE", "Q", "QS", "quarter"), "Q-DEC"),
            (("YE", "Y", "YS", "year"), "Y-DEC"),
            (("W", "W-SUN", "week"), "W-SUN"),
            (("D", "day"), "D"),
        ],
    )
    def test_current_and_old_period_aliases(self, aliases: tuple[str, ...], period: str) -> None:
        """pandas' current offset aliases (ME, QE, YE) give the table the old ones (M, Q, Y) give (issue 11)."""
        tables = [attainment(self.outcomes(), by="class", freq=alias) for alias in aliases]
        periods = tables[0].index.get_level_values("period")
        assert str(periods.dtype) == f"period[{period}]"
        for table in tables[1:]:
            pd.testing.assert_frame_equal(table, tables[0])
        assert tables[0]["tickets"].sum() == 8
        assert_frame = attainment(self.outcomes(), by=None, freq=pd.offsets.MonthEnd())
        pd.testing.assert_frame_equal(assert_frame, attainment(self.outcomes(), by=None, freq="ME"))

    def test_weeks_anchored_on_another_day(self) -> None:
        """W-WED weeks end on Wednesday: 2026-02-04 (a Wednesday) closes a week, 02-05 opens the next."""
        table = attainment(self.outcomes(), by=None, freq="W-WED")
        weeks = [str(p) for p in table.index]
        assert "2026-01-29/2026-02-04" in weeks
        assert "2026-02-05/2026-02-11" in weeks

    @pytest.mark.parametrize("freq", ["X", "H", "min", "2M", "BME", "A", "", 3])
    def test_unknown_period_alias(self, freq: object) -> None:
        """Anything else is refused with a slacalc error naming freq, the value and the accepted aliases."""
        with pytest.raises(UnknownFrequencyError) as info:
            attainment(self.outcomes(), freq=freq)  # type: ignore[arg-type]
        assert isinstance(info.value, TicketError)
        assert isinstance(info.value, ValueError)
        message = str(info.value)
        assert message.startswith(
            f"freq: unknown period {freq!r}; expected a period alias: D (day)"
        )
        assert "ME or M (month)" in message

    def test_no_objective_and_invalid_are_labelled(self) -> None:
        """Rows without a class are grouped as "no objective" (no verdict possible) or "invalid" (bad rows), after the classes."""
        frame = pd.concat(
            [
                self.outcomes(),
                pd.DataFrame(
                    {
                        "customer": ["acme", "acme", "globex"],
                        "opened_at": pd.to_datetime(
                            ["2026-01-08 09:00", "2026-02-09 09:00", "2026-01-09 09:00"]
                        ).tz_localize("Europe/Zurich"),
                        "class": pd.array([None, None, None], dtype=object),
                        "status": ["not_applicable", "not_applicable", "invalid"],
                        "credit_days": pd.array([0, 0, None], dtype="Int64"),
                    }
                ),
            ],
            ignore_index=True,
        )
        table = attainment(frame, by="class", freq=None)
        assert list(table.index) == ["1", "2", "no objective", "invalid"]
        assert table.loc["no objective", "not_applicable"] == 2
        assert table.loc["invalid", "invalid"] == 1
        assert np.isnan(table.loc["no objective", "attainment"])
        by_customer = attainment(frame, by=["customer", "class"], freq=None)
        assert list(by_customer.index) == [
            ("acme", "1"), ("acme", "2"), ("acme", "no objective"),
            ("globex", "1"), ("globex", "2"), ("globex", "invalid"),
        ]  # fmt: skip
        assert not by_customer.index.get_level_values("class").isna().any()

    def test_classes_in_the_policys_order(self) -> None:
        """freistilbox's severities come most severe first (urgent, high, normal, low), not alphabetically."""
        frame = pd.DataFrame(
            {
                "opened_at": ["2026-03-02T09:00:00+01:00"] * 4,
                "severity": ["low", "normal", "urgent", "high"],
                "responded_at": ["2026-03-02T09:10:00+01:00"] * 4,
            }
        )
        out = evaluate_frame(frame, "freistilbox", "standard", now=NOW)
        assert out.attrs["slacalc"]["classes"] == ["urgent", "high", "normal", "low"]
        assert list(attainment(out, freq=None).index) == ["urgent", "high", "normal", "low"]
        # a frame without that record (built by hand) falls back to names in order, numbers by value
        plain = pd.DataFrame({"class": ["10", "2", "b", "a"], "status": ["met"] * 4})
        assert list(attainment(plain, freq=None).index) == ["2", "10", "a", "b"]

    def test_on_evaluated_frame(self) -> None:
        """attainment reads evaluate_frame's output directly (ISO strings in the opened_at column)."""
        frame = pd.DataFrame(
            {
                "opened_at": [
                    "2026-03-02T09:00:00+01:00",
                    "2026-03-02T09:00:00+01:00",
                    "2026-04-01T09:00:00+02:00",
                ],
                "severity": [1, 1, 2],
                "responded_at": [
                    "2026-03-02T09:30:00+01:00",
                    "2026-03-02T10:30:00+01:00",
                    "2026-04-01T09:10:00+02:00",
                ],
            }
        )
        table = attainment(evaluate_frame(frame, "zitadel-2023", "extended", now=NOW))
        assert table.loc[("1", pd.Period("2026-03", "M")), "attainment"] == 0.5
        assert table.loc[("1", pd.Period("2026-03", "M")), "credit_days"] == 2
        assert table.loc[("2", pd.Period("2026-04", "M")), "met"] == 1


class TestWhatIf:
    def test_side_by_side(self) -> None:
        """The same Sev 1 ticket: 30 min on 24x7 (custom) against 1 bh on 07-19 (extended)."""
        frame = pd.DataFrame(
            {
                "id": ["W-1"],
                # Saturday night: extended hours are closed until Monday 07:00
                "opened_at": ["2026-03-07T22:00:00+01:00"],
                "severity": [1],
                "responded_at": ["2026-03-08T09:00:00+01:00"],
            }
        )
        out = what_if(frame, "zitadel-2023", ["extended", "custom"], now=NOW)
        assert list(out.columns[:4]) == list(frame.columns)
        assert out["extended.status"].iloc[0] == "met"
        assert out["extended.due_at"].iloc[0] == pd.Timestamp(
            "2026-03-09 08:00", tz="Europe/Zurich"
        )
        assert out["custom.status"].iloc[0] == "breached"
        # 22:30 due, 09:00 response: 10.5 h late on 24x7 → 42 started quarter hours
        assert out["custom.late_by"].iloc[0] == pd.Timedelta(hours=10, minutes=30)
        assert out["custom.credit_days"].iloc[0] == 42
        summary = attainment(out, by=None, freq=None, prefix="custom.")
        assert summary.loc["all", "credit_days"] == 42


class TestDocs:
    def test_docs_page_runs_and_prints_what_it_shows(self) -> None:
        """docs/pandas.md: each Python block runs, in order; a printed result equals the text block after it."""
        import contextlib
        import importlib.util
        import io
        import re

        page = (ROOT / "docs" / "pandas.md").read_text(encoding="utf-8")
        blocks = re.findall(r"```(python|text)\n(.*?)```", page, re.DOTALL)
        namespace: dict[str, Any] = {}
        ran = 0
        for i, (kind, code) in enumerate(blocks):
            if kind != "python" or code.startswith("# not run"):
                continue
            needs = {"dask": "import dask" in code, "matplotlib": "slacalc.plotting" in code}
            if any(flag and importlib.util.find_spec(m) is None for m, flag in needs.items()):
                continue
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(code, f"docs/pandas.md block {i}", "exec"), namespace)
            ran += 1
            if i + 1 < len(blocks) and blocks[i + 1][0] == "text":
                shown = [line.rstrip() for line in blocks[i + 1][1].strip("\n").splitlines()]
                assert [
                    line.rstrip() for line in printed.getvalue().strip("\n").splitlines()
                ] == shown
        assert ran >= 5


class TestPicklable:
    def test_functions_pickle_by_reference(self) -> None:
        """The frame functions are module-level, so Dask and Spark can ship them to workers."""
        for fn in (evaluate_frame, attainment, what_if):
            assert pickle.loads(pickle.dumps(fn)) is fn

    def test_result_pickles(self) -> None:
        """A collected result (frames and all) survives a round trip."""
        frame = pd.DataFrame({"opened_at": ["2026-03-02T09:00:00+01:00", "x"], "severity": [1, 1]})
        result = evaluate_frame(frame, "zitadel-2023", "extended", now=NOW, errors="collect")
        again = pickle.loads(pickle.dumps(result))
        assert isinstance(again, FrameResult)
        pd.testing.assert_frame_equal(again.outcomes, result.outcomes)
        pd.testing.assert_frame_equal(again.bad, result.bad)


class TestOptional:
    def _run(self, code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
        )

    def test_core_import_does_not_load_pandas(self) -> None:
        """``import slacalc`` (and evaluating a ticket) loads neither pandas nor numpy."""
        result = self._run(
            "import sys, slacalc; from slacalc import load_policy; load_policy('zitadel-2023');"
            "print('pandas' in sys.modules, 'numpy' in sys.modules)"
        )
        assert result.stdout.strip() == "False False", result.stderr

    def test_helpful_import_error(self) -> None:
        """Without pandas, importing slacalc.pandas says which extra to install."""
        result = self._run("import sys; sys.modules['pandas'] = None; import slacalc.pandas")
        assert "pip install 'slacalc[pandas]'" in result.stderr
