"""``slacalc due`` on the column engine lists what the row-by-row path lists, byte for byte.

The column engine (``slacalc._analysis.running.due_chunk``) judges the plain
rows of a chunk with arrays: their running clocks of the classic metrics,
due instants, remaining and late time, and the next alert, written as the
command's CSV or JSON lines. ``SLACALC_ENGINE=rows`` evaluates every row as
a ``Ticket``. These tests generate files full of the cases that separate the
two (odd ids, instants in every shape, unknown severities, stops before the
opening or after *now*, event columns the arrays leave to the careful path)
under policies with and without alerts in both measures, and compare exit
code, standard output and standard error of both paths.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_cli_columns import _IDS, _INSTANTS, _iso, _mostly, _run
from test_cli_columns import small_blocks as small_blocks  # the fixture, used by name

pytest.importorskip("pandas")

_BUILTIN = Path(__file__).parents[1] / "src" / "slacalc" / "_policies" / "builtin"
#: The instant the generated tickets are judged at: late in the year they are opened in.
NOW = "2026-11-20T12:00:00+01:00"
_HEADER = "id,opened_at,severity,responded_at,dispatched_at,channel,events"
_FBX = ("urgent", "high", "normal", "low")
_NUMBERED = ("1", "2", "3", "4")
_ODD_SEVERITIES = st.sampled_from(["", " urgent", "URGENT", "critical", "9", "x", "1 ", "urgent"])
_CHANNELS = st.sampled_from(["", "", "ticket", "chat", "phone", "community", " Email "])


def _alerting(tmp: Path, measure: str) -> Path:
    """freistilbox with alerts on both metrics of plan standard, measured in *measure* time."""
    text = (_BUILTIN / "freistilbox.toml").read_text(encoding="utf-8")
    text = text.replace(
        'name = "freistilbox"', f'name = "fbx-{measure}"\nalert_measure = "{measure}"'
    )
    text += (
        "\n[plans.standard.alerts]\n"
        'initial_response = ["50%", "75%", "30 minutes before", "2 days before"]\n'
        'dispatch = ["10 minutes before", "90%"]\n'
    )
    path = tmp / f"fbx-{measure}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@st.composite
def _rows(draw: st.DrawFn, severities: tuple[str, ...]) -> str:
    """One data row: mostly plain and open, opened in the last two weeks before ``NOW``."""
    day, sec = draw(st.integers(310, 324)), draw(st.integers(0, 86_399))
    off = draw(st.sampled_from(["+01:00", "+02:00", "Z", "-05:00", "+05:45"]))
    frac = draw(st.sampled_from(["", "", ".250000", ".5"]))
    if draw(st.integers(0, 3)) == 0:  # so long before NOW that an alert or the due instant is NOW
        before = draw(st.sampled_from([0, 900, 1_350, 1_800, 3_000, 3_240, 3_600]))
        day, sec, off, frac = 323, 43_200 - before, "+01:00", ""
    opened = _iso(day, sec, off, frac)

    def later(most: int) -> str:
        gap = draw(st.integers(-600, most))  # a little before the opening now and then
        at = day * 86_400 + sec + gap
        return _iso(at // 86_400, at % 86_400, draw(st.sampled_from(["+01:00", "Z"])), "")

    fields = [
        draw(_IDS),
        draw(_mostly(st.just(opened), _INSTANTS)),
        draw(_mostly(st.sampled_from(severities), _ODD_SEVERITIES)),
        later(86_400) if draw(st.integers(0, 2)) == 0 else "",
        later(7_200) if draw(st.integers(0, 2)) == 0 else "",
        draw(_CHANNELS),
        draw(
            _mostly(
                st.just(""),
                st.sampled_from(
                    ["[]", "garbage", '[{"at": "2026-11-19T10:00:00Z", "kind": "pause"}]']
                ),
            )
        ),
    ]
    if draw(st.integers(0, 15)) == 0:
        fields[4] = draw(_INSTANTS)  # a dispatch instant in any shape
    return ",".join(
        f'"{f.replace(chr(34), chr(34) * 2)}"' if any(c in f for c in ',"\n') else f for f in fields
    )


@st.composite
def _files(draw: st.DrawFn, severities: tuple[str, ...]) -> bytes:
    lines = draw(st.lists(_rows(severities), min_size=10, max_size=60))
    if draw(st.integers(0, 4)) == 0:
        lines.insert(
            draw(st.integers(0, len(lines))), draw(st.sampled_from(["", ",,", "x,y,z,w,v,u,t,s"]))
        )
    return (_HEADER + "\n" + "\n".join(lines) + "\n").encode()


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the rows the column engine judged."""
    from slacalc._analysis import running

    judged: list[int] = []
    original = running.due_chunk

    def spy(*args: Any, **kwargs: Any) -> list[Any]:
        result = original(*args, **kwargs)
        judged.append(sum(r is not None for r in result))
        return result

    monkeypatch.setattr(running, "due_chunk", spy)
    return judged


def test_due_columns_equal_rows(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, small_blocks: None
) -> None:
    """Every generated file, policy and option set: the same exit code, output and messages."""
    judged = _spy(monkeypatch)
    folder = tmp_path_factory.mktemp("policies")
    policies = [
        ("freistilbox", "standard", _FBX),
        ("freistilbox", "enterprise", _FBX),
        (str(_alerting(folder, "business")), "standard", _FBX),
        (str(_alerting(folder, "wall")), "standard", _FBX),
        ("zitadel-2023", "extended", _NUMBERED),
        ("zitadel", "production", _NUMBERED),
        ("exoscale", "pro", _NUMBERED),
        ("proauth", "enterprise-managed", _NUMBERED[:3]),
    ]
    cases = st.sampled_from(policies).flatmap(lambda p: st.tuples(st.just(p[:2]), _files(p[2])))

    @settings(
        max_examples=300,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        case=cases,
        fmt=st.sampled_from(["csv", "jsonl", "json"]),
        within=st.sampled_from([None, "4 hours", "0 minutes", "3 days"]),
        tz=st.sampled_from([None, "UTC", "Asia/Kathmandu"]),
        explicit=st.booleans(),
    )
    def check(
        case: tuple[tuple[str, str], bytes],
        fmt: str,
        within: str | None,
        tz: str | None,
        explicit: bool,
    ) -> None:
        (policy, plan), body = case
        tickets = tmp_path_factory.mktemp("due") / "open.csv"
        tickets.write_bytes(body)
        argv = ["due", str(tickets), "--policy", policy, "--plan", plan, "--format", fmt]
        if within is not None:
            argv += ["--within", within]
        if tz is not None:
            argv += ["--tz", tz]
        if explicit:
            argv += ["--now", NOW]
        else:  # the current time, held still so that both runs see the same one
            from slacalc._cli import due

            fixed = datetime.fromisoformat(NOW).astimezone(UTC)
            monkeypatch.setattr(due, "now_of", lambda args: (fixed, False))
        columns = _run(argv, "columns", monkeypatch)
        rows = _run(argv, "rows", monkeypatch)
        assert columns == rows

    check()
    assert sum(judged) > 2_000, judged  # the arrays judged a good share of the rows


def test_due_columns_on_a_large_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file large enough for the automatic choice to take the columns: same bytes, columns used."""
    rng = random.Random(5)
    now = datetime.fromisoformat(NOW)
    lines = [_HEADER]
    for i in range(12_000):
        opened = now - timedelta(seconds=rng.randrange(10 * 86_400))
        responded = dispatched = ""
        if rng.random() < 0.3:
            responded = min(now, opened + timedelta(minutes=rng.randrange(1, 600))).isoformat()
        if rng.random() < 0.3:
            dispatched = min(now, opened + timedelta(minutes=rng.randrange(1, 120))).isoformat()
        severity = rng.choice(["urgent", "high", "normal", "normal", "low", "lo"])
        lines.append(f"F{i},{opened.isoformat()},{severity},{responded},{dispatched},,")
    tickets = tmp_path / "open.csv"
    tickets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    policy = _alerting(tmp_path, "business")
    argv = ["due", str(tickets), "--policy", str(policy), "--plan", "standard", "--now", NOW]
    argv += ["--within", "4 hours"]
    judged = _spy(monkeypatch)
    auto = _run(argv, "auto", monkeypatch)
    assert sum(judged) > 9_500  # the column engine judged the plain rows (not the "lo" ones)
    rows = _run(argv, "rows", monkeypatch)
    assert auto == rows
    assert auto[0] == 1  # the unknown severity "lo" is a bad row on both paths
    assert auto[1].count("\n") > 1_000
    assert ",alert," in auto[1] and ",breached," in auto[1] and ",due," in auto[1]
