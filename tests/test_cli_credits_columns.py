"""``slacalc credits`` on the column engine gives what the row-by-row path gives, byte for byte.

The column engine sums each contract's credit days from arrays
(``slacalc._analysis.credited``) instead of keeping a ``Ticket`` and an
``Evaluation`` per row; ``SLACALC_ENGINE=rows`` is the row-by-row reading
every file had before. These tests generate ticket files full of the cases
that separate the two (the odd rows of ``test_cli_columns``, ids seen twice,
customers padded, missing or without a contract) with contracts files of
several customers, overlapping terms, family and pinned plans, a customer's
own calendar, zone and targets, and compare exit code, standard output and
standard error of both paths.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_cli_columns import NOW, _iso, _rows, _run
from test_cli_columns import small_blocks as small_blocks  # the fixture, used by name

pytest.importorskip("pandas")

_CUSTOMERS = st.sampled_from(["acme", "acme", "globex", "initech", " acme ", "", "nobody"])

_HEADER = "id,opened_at,severity,responded_at,channel,resolved_at,customer"

_CALENDAR = '"{""timezone"": ""America/New_York"", ""hours"": {""mon-fri"": ""08:00-18:00""}}"'
_TARGETS = '"{""initial_response"": {""2"": ""1 business hour""}}"'

#: Contracts of several customers: terms that overlap, plans of their own, a bad row.
_CONTRACTS = [
    "customer,term_start,term_end,plan,term_price,currency,timezone,calendar,targets,policy_version",
    "acme,2026-01-01,2026-07-01,extended,6000.00,EUR,,,,",
    "acme,2026-07-01,2027-01-01,production,6000.00,EUR,,,,",
    f"globex,2026-03-01,2026-12-01,custom,1200,USD,,{_CALENDAR},{_TARGETS},",
    "initech,2026-01-01,2027-01-01,free,,,Asia/Kathmandu,,,",
    "hooli,2026-01-01,2027-01-01,starbase,100,CHF,,,,zitadel-2021",
    "badco,2026-01-01,2025-01-01,extended,,,,,,",
    "globex,2026-06-01,2027-01-01,extended,,,,,,",  # overlaps globex's first: first one counts
]


@st.composite
def _files(draw: st.DrawFn) -> bytes:
    """A ticket file with a customer column: mostly plain rows, now and then an odd one."""
    rows = draw(st.lists(_rows(), min_size=10, max_size=60))
    lines = []
    ids: list[str] = []
    for fields in rows:
        if ids and draw(st.integers(0, 9)) == 0:
            fields[0] = draw(st.sampled_from(ids))  # an id seen before
        ids.append(fields[0])
        fields.append(draw(_CUSTOMERS))
        text = ",".join(f'"{f}"' if "," in f or '"' in f else f for f in fields)
        if draw(st.integers(0, 19)) == 0:
            text = draw(st.sampled_from(["", ",,,", text + ",x", ",".join(fields[:3])]))
        lines.append(text)
    return (_HEADER + "\n" + "\n".join(lines) + "\n").encode()


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the rows the column engine judged."""
    from slacalc._analysis import credited

    judged: list[int] = []
    original = credited.credit_chunk

    def spy(*args: Any, **kwargs: Any) -> credited.CreditChunk:
        result = original(*args, **kwargs)
        judged.append(int(result.judged.sum()))
        return result

    monkeypatch.setattr(credited, "credit_chunk", spy)
    return judged


def test_credits_columns_equal_rows(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, small_blocks: None
) -> None:
    """Every generated file and contract set: the same exit code, output and messages."""
    judged = _spy(monkeypatch)

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        body=_files(),
        policy=st.sampled_from(["zitadel", "zitadel-2023"]),
        flags=st.booleans(),
        explicit=st.booleans(),
        fmt=st.sampled_from(["csv", "jsonl"]),
    )
    def check(body: bytes, policy: str, flags: bool, explicit: bool, fmt: str) -> None:
        folder = tmp_path_factory.mktemp("credits")
        tickets = folder / "tickets.csv"
        tickets.write_bytes(body)
        argv = ["credits", str(tickets), "--policy", policy, "--format", fmt]
        if flags:  # the one contract of the flags takes every ticket
            argv += ["--customer", "acme", "--plan", "extended", "--term-start", "2026-02-01"]
            argv += ["--term-end", "2026-10-01", "--term-price", "900"]
        else:
            contracts = folder / "contracts.csv"
            lines = _CONTRACTS if policy == "zitadel" else _CONTRACTS[:4] + _CONTRACTS[5:]
            contracts.write_text("\n".join(lines) + "\n", encoding="utf-8")
            argv += ["--contracts", str(contracts)]
        if explicit:
            argv += ["--now", NOW]
        columns = _run(argv, "columns", monkeypatch)
        rows = _run(argv, "rows", monkeypatch)
        if not explicit:  # the current time moves between the two runs: compare all but it
            columns, rows = _masked(columns), _masked(rows)
        assert columns == rows

    check()
    assert sum(judged) > 50, judged  # the arrays judged a good share of the rows


def _masked(result: tuple[int, str, str]) -> tuple[int, str, str]:
    import re

    code, out, err = result
    return code, out, re.sub(r"current time [^;]*;", "current time …;", err)


def test_credits_columns_equal_rows_on_a_large_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file large enough for the automatic choice to take the columns: same bytes, columns used."""
    rng = random.Random(11)
    lines = [_HEADER]
    for i in range(12_000):
        day, sec = rng.randrange(330), rng.randrange(86_400)
        opened = _iso(day, sec, rng.choice(["+01:00", "+02:00", "Z"]), "")
        late = rng.choice([600, 3_600, 30_000, 200_000])
        answered = "" if rng.random() < 0.1 else _iso(day + (sec + late) // 86_400, (sec + late) % 86_400, "Z", "")  # fmt: skip
        channel = rng.choice(["ticket", "community", "email"])
        customer = rng.choice(["acme", "globex", "initech", "hooli", "nobody", ""])
        lines.append(f"T{i % 11_500},{opened},{rng.randint(1, 4)},{answered},{channel},,{customer}")
    tickets = tmp_path / "big.csv"
    tickets.write_text("\n".join(lines) + "\n", encoding="utf-8")
    contracts = tmp_path / "contracts.csv"
    contracts.write_text("\n".join(_CONTRACTS) + "\n", encoding="utf-8")
    argv = ["credits", str(tickets), "--policy", "zitadel", "--contracts", str(contracts)]
    argv += ["--now", NOW]
    judged = _spy(monkeypatch)
    auto = _run(argv, "auto", monkeypatch)
    assert sum(judged) > 10_000  # the column engine judged the plain rows
    rows = _run(argv, "rows", monkeypatch)
    assert auto == rows
    assert auto[1].count("\n") == 7  # header and six contracts
    assert "overlapping terms" in auto[2]
    assert auto[2].count("is already on line") == 500  # the ids seen twice, on both paths
