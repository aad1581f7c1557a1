"""The column engine of the command line gives what the row-by-row path gives, byte for byte.

``slacalc evaluate`` (and the commands built the same way) read a large CSV
file a block at a time and judge its plain rows with NumPy
(``slacalc._analysis.chunked``); every other row goes the careful way. The
environment variable ``SLACALC_ENGINE`` picks the path: ``rows`` is the
row-by-row reading every row had before, ``columns`` forces the column
engine even on a small file. These tests generate files full of the cases
that separate the two (instants in every shape, padded and unknown
severities, rows in the future, responses before opening, event columns,
quotes, control characters, blank lines, short and long rows, CRLF line
ends, undecodable bytes) and compare exit code, standard output and
standard error of both paths.
"""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slacalc._cli.main import main
from slacalc._files import records as records_module
from slacalc._files.records import RecordFile

pytest.importorskip("pandas")

NOW = "2026-12-01T12:00:00+01:00"

# instants in the shapes a file may hold: the column engine reads the plain ones itself
_INSTANTS = st.one_of(
    st.builds(
        lambda day, sec, off, frac: _iso(day, sec, off, frac),
        st.integers(0, 700),
        st.integers(0, 86_399),
        st.sampled_from(["+01:00", "+02:00", "Z", "-05:00", "+05:45", "+00:00", "-00:00"]),
        st.sampled_from(["", "", "", ".000000", ".123456", ".5", ".250"]),
    ),
    st.sampled_from(
        [
            "",
            " ",
            "2026-03-29T02:30:00+01:00",  # the gap of Zurich's spring change, as an offset
            "2026-10-25T02:30:00+02:00",
            "2026-10-25T02:30:00+01:00",
            "2026-02-30T10:00:00+01:00",  # no such day
            "2026-13-01T10:00:00+01:00",
            "2026-03-02T24:00:00+01:00",
            "2026-03-02T10:00:00+24:00",  # offset out of range
            "2026-03-02T10:00:00",  # naive
            "2026-03-02t10:00:00+01:00",
            "2026-03-02 10:00:00+01:00",
            " 2026-03-02T10:00:00+01:00",
            "2026-03-02T10:00:00+0100",
            "2300-01-01T00:00:00+00:00",  # beyond the supported years
            "1969-12-30T00:00:00+00:00",
            "2027-06-01T00:00:00+02:00",  # after --now
            "２026-03-02T10:00:00+01:00",  # a full-width digit
            "soon",
        ]
    ),
)


def _iso(day: int, sec: int, off: str, frac: str) -> str:
    """An instant in 2026-2027 (day 0 = 2026-01-01), written with the offset *off*."""
    year, dayno = (2026, day) if day < 365 else (2027, day - 365)
    months = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    month = 0
    while dayno >= months[month]:
        dayno -= months[month]
        month += 1
    h, rest = divmod(sec, 3600)
    m, s = divmod(rest, 60)
    return f"{year}-{month + 1:02d}-{dayno + 1:02d}T{h:02d}:{m:02d}:{s:02d}{frac}{off}"


_ODD_IDS = ["", " ", " T-1", "T-1 ", "Zürich-1", "a,b", 'q"uote', "tab\there", "x\x01y"]
#: Mostly plain ids (the column engine's rows), one in 32 odd.
_IDS = st.integers(0, 31).flatmap(
    lambda k: st.from_regex(r"T-[0-9]{1,4}", fullmatch=True) if k else st.sampled_from(_ODD_IDS)
)
_SEVERITIES = st.sampled_from(["1", "2", "3", "4", "sev2", "P1", " 2", "", "9", "urgent", "x"])
_CHANNELS = st.sampled_from(["ticket", "email", "chat", "community", " Email ", "CHAT", "", " "])


def _mostly(common: st.SearchStrategy[str], odd: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """*common* nine times in ten, else *odd*."""
    return st.integers(0, 9).flatmap(lambda k: common if k else odd)


_OFFSETS = st.sampled_from(["+01:00", "+02:00", "Z", "-05:00", "+05:45", "+00:00", "-00:00"])
_FRACTIONS = _mostly(
    st.sampled_from(["", "", ".000000", ".123456", ".000001", ".500000", ".120000"]),
    st.sampled_from([".5", ".250"]),
)


@st.composite
def _rows(draw: st.DrawFn) -> list[str]:
    """One data row (as its fields) of a file with the columns of :data:`_HEADER`.

    Most rows are plain: opened in 2026 before ``NOW``, answered a little
    later or not yet, with a known severity; the rest draw from every odd case.
    """
    day, sec = draw(st.integers(0, 330)), draw(st.integers(0, 86_399))
    opened = _iso(day, sec, draw(_OFFSETS), draw(_FRACTIONS))
    later = draw(st.integers(0, 4 * 86_400))
    answered = _iso(
        day + (sec + later) // 86_400, (sec + later) % 86_400, draw(_OFFSETS), draw(_FRACTIONS)
    )
    return [
        draw(_IDS),
        draw(_mostly(st.just(opened), _INSTANTS)),
        draw(_mostly(st.sampled_from(["1", "2", "3", "4"]), _SEVERITIES)),
        draw(_mostly(st.sampled_from([answered, answered, ""]), _INSTANTS)),
        draw(_CHANNELS),
        draw(_mostly(st.just(""), st.sampled_from(["2026-06-01T10:00:00+02:00", " "]))),
    ]


_HEADER = "id,opened_at,severity,responded_at,channel,resolved_at"


@st.composite
def _files(draw: st.DrawFn) -> bytes:
    """A ticket file: mostly plain rows, with now and then a line that is not."""
    rows = draw(st.lists(_rows(), min_size=20, max_size=60))
    lines = []
    for fields in rows:
        text = ",".join(
            f'"{f}"' if ("," in f or '"' in f) and draw(st.booleans()) else f for f in fields
        )
        extra = draw(
            st.sampled_from(["", "", "", "", "", "", "", "", ",", ",x", "short", "blank", "nul"])
        )
        if extra == "short":
            text = ",".join(fields[:3])
        elif extra == "blank":
            text = draw(st.sampled_from(["", ",,,,,", " , ,"]))
        elif extra == "nul":
            text += "\x00"
        else:
            text += extra
        lines.append(text)
    end = draw(st.sampled_from(["\n", "\r\n"]))
    body = (_HEADER + end + end.join(lines) + (end if draw(st.booleans()) else "")).encode()
    if draw(st.integers(0, 9)) == 0 and lines:
        body += b"T-bad,2026-03-02T10:00:00+01:00,\xe9,,\n"  # an undecodable byte
    return body


def _run(argv: list[str], engine: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setenv("SLACALC_ENGINE", engine)
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read 64 bytes at a time, so that the files' lines straddle many blocks."""
    monkeypatch.setattr(records_module, "_BLOCK", 64)


def test_columns_equal_rows(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, small_blocks: None
) -> None:
    """Every generated file: the same exit code, output and messages from both paths."""
    from slacalc._analysis import chunked

    judged: list[int] = []
    original = chunked.evaluate_chunk

    def spy(*args: Any, **kwargs: Any) -> chunked.ChunkResult:
        result = original(*args, **kwargs)
        judged.append(sum(d is not None for d in result.done))
        return result

    monkeypatch.setattr(chunked, "evaluate_chunk", spy)

    # derandomized: the same examples on every run, so the share the columns judge is stable
    @settings(
        max_examples=120,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(
        body=_files(),
        policy=st.sampled_from(
            [("zitadel-2023", "extended"), ("zitadel", "free"), ("freistilbox", "standard")]
        ),
        metric=st.sampled_from(["initial_response", "resolution", "next_reply"]),
        fmt=st.sampled_from(["csv", "jsonl", "json"]),
        tz=st.sampled_from([None, "UTC", "America/New_York"]),
    )
    def check(body: bytes, policy: tuple[str, str], metric: str, fmt: str, tz: str | None) -> None:
        path = tmp_path_factory.mktemp("columns") / "tickets.csv"
        path.write_bytes(body)
        argv = ["evaluate", str(path), "--policy", policy[0], "--plan", policy[1], "--now", NOW]
        argv += ["--metric", metric, "--format", fmt] + (["--tz", tz] if tz else [])
        if policy[0] == "freistilbox" and metric == "next_reply":
            argv[argv.index("next_reply")] = "dispatch"
        assert _run(argv, "columns", monkeypatch) == _run(argv, "rows", monkeypatch)

    check()
    # the column engine itself judged a good share of the rows, not only the careful path
    assert sum(judged) > 500, sum(judged)  # 1,015 when written


def test_columns_equal_rows_on_a_large_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file large enough for the automatic choice to take the columns: same bytes, columns used."""
    from slacalc._analysis import chunked

    rng = random.Random(5)
    lines = [_HEADER]
    for i in range(12_000):
        day, sec = rng.randrange(330), rng.randrange(86_400)
        opened = _iso(day, sec, rng.choice(["+01:00", "+02:00", "Z"]), "")
        answered = "" if rng.random() < 0.1 else _iso(day + rng.randrange(3), sec, "Z", "")
        channel = rng.choice(["ticket", "community", "email"])
        lines.append(f"T{i % 11_000},{opened},{rng.randint(1, 4)},{answered},{channel},")
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = ["evaluate", str(path), "--policy", "zitadel-2023", "--plan", "extended", "--now", NOW]
    judged: list[int] = []
    original = chunked.evaluate_chunk

    def spy(*args: Any, **kwargs: Any) -> chunked.ChunkResult:
        result = original(*args, **kwargs)
        judged.append(sum(d is not None for d in result.done))
        return result

    monkeypatch.setattr(chunked, "evaluate_chunk", spy)
    auto = _run(argv, "auto", monkeypatch)
    assert sum(judged) > 10_000  # the column engine judged the plain rows
    rows = _run(argv, "rows", monkeypatch)
    assert auto == rows
    assert auto[1].count("\n") > 10_000
    assert (
        "1000 ticket ids appear more than once" in auto[2]
    )  # the duplicate ids are counted on both paths


def test_unknown_engine_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "t.csv"
    path.write_text(_HEADER + "\nA,2026-03-02T10:00:00+01:00,1,,,\n", encoding="utf-8")
    code, out, err = _run(
        ["evaluate", str(path), "--policy", "zitadel-2023", "--plan", "extended"],
        "fast",
        monkeypatch,
    )
    assert (code, out) == (2, "")
    assert "SLACALC_ENGINE: unknown engine 'fast'; expected one of auto, rows, columns" in err


# ---------------------------------------------------------------------- the block reader


def _iterated(path: Path) -> list[tuple[int, object]]:
    with RecordFile(str(path), ("id",)) as records:
        return list(records)


def _chunked(path: Path, size: int) -> list[tuple[int, object]]:
    found: list[tuple[int, object]] = []
    with RecordFile(str(path), ("id",)) as records:
        for chunk in records.chunks(size):
            assert chunk.lines == sorted(chunk.lines)
            assert all(len(column) == len(chunk.lines) for column in chunk.values)
            found += chunk.records()
    return found


_TEXT = st.text(alphabet=st.sampled_from(list('ab1 ,;"\t\r\n\x00\x85\u2028é\ufeff')), max_size=300)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    header=st.sampled_from(["id,opened_at,severity", "id,,b", "x,id", "id"]),
    body=_TEXT,
    tail=st.binary(max_size=8),
    size=st.integers(1, 5),
)
def test_chunks_hold_what_iteration_gives(
    header: str, body: str, tail: bytes, size: int, tmp_path: Path, small_blocks: None
) -> None:
    """Any bytes after a header: the chunks, merged by line, are the records iteration yields."""
    path = tmp_path / "t.csv"
    path.write_bytes((header + "\n").encode() + body.encode("utf-8", "surrogatepass") + tail)
    assert _chunked(path, size) == _iterated(path)


_FIELD = st.one_of(
    st.text(alphabet="ab1 é", max_size=6),
    st.builds(
        lambda t: '"' + t.replace('"', '""') + '"',
        st.text(alphabet=list('ab ,;"\n\t\x00é'), max_size=8),
    ),
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(_FIELD, min_size=1, max_size=5), max_size=30),
    blank=st.booleans(),
    size=st.integers(1, 7),
)
def test_chunks_of_quoted_csv_hold_what_iteration_gives(
    rows: list[list[str]], blank: bool, size: int, tmp_path: Path, small_blocks: None
) -> None:
    """Well-formed CSV with quoted fields (commas, quotes, line ends, tabs, NUL inside): the same records."""
    lines = [",".join(fields) for fields in rows]
    if blank:
        lines.insert(len(lines) // 2, "")
    path = tmp_path / "q.csv"
    path.write_text("id,a,b\n" + "\n".join(lines) + "\n", encoding="utf-8")
    assert _chunked(path, size) == _iterated(path)


def test_chunks_of_a_plain_file_are_columns(tmp_path: Path) -> None:
    """A plain file comes out as columns of text, with each row's line, in chunks of about *size*."""
    path = tmp_path / "t.csv"
    path.write_text("id,opened_at,,severity\nA,x,1,2\n\nB,y,3,4\nC,z\n", encoding="utf-8")
    with RecordFile(str(path), ("id",)) as records:
        chunks = list(records.chunks(2))
    assert [c.columns for c in chunks] == [("id", "opened_at", "severity")]
    assert chunks[0].lines == [2, 4, 5]
    assert chunks[0].values == [["A", "B", "C"], ["x", "y", "z"], ["2", "4", ""]]
    assert chunks[0].others == []


# ---------------------------------------------------------------------- the column engine's parts


@settings(max_examples=300, deadline=None)
@given(
    day=st.integers(0, 365 * 230),
    us=st.integers(0, 86_400_000_000 - 1),
    offset_minutes=st.integers(-23 * 60 - 59, 23 * 60 + 59),
    frac=st.booleans(),
    zulu=st.booleans(),
)
def test_plain_instants_read_as_fromisoformat_reads_them(
    day: int, us: int, offset_minutes: int, frac: bool, zulu: bool
) -> None:
    """Every plain ISO 8601 text: the same instant as ``datetime.fromisoformat``, or left unread."""
    from slacalc._analysis.chunked import parse_plain_instants
    from slacalc._engine.calendar import EPOCH, MAX_US, MIN_US

    wall = datetime(1970, 1, 1) + timedelta(days=day, microseconds=us)
    if not frac:
        wall = wall.replace(microsecond=0)
    zone = UTC if zulu else timezone(timedelta(minutes=offset_minutes))
    text = wall.replace(tzinfo=zone).isoformat(timespec="microseconds" if frac else "seconds")
    if zulu:
        text = text.replace("+00:00", "Z")
    got_us, got_offset, ok = parse_plain_instants([text])
    expected = datetime.fromisoformat(text)
    expected_us = (expected - EPOCH) // timedelta(microseconds=1)
    assert bool(ok[0]) == (MIN_US <= expected_us < MAX_US)
    if ok[0]:
        assert int(got_us[0]) == expected_us
        assert int(got_offset[0]) == expected.utcoffset() // timedelta(microseconds=1)


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-29T10:00:00+01:00",
        "2026-04-31T10:00:00+01:00",
        "2026-03-02T10:60:00+01:00",
        "2026-03-02T10:00:60+01:00",
        "2026-03-02T10:00:00+01:60",
        "2026-03-02T10:00:00*01:00",
        "2026-03-02X10:00:00+01:00",
        "2026-03-02T10:00:00.12345a+01:00",
        "0000-01-01T00:00:00Z",
        "2026-03-02T10:00:00+01:00 ",
        "",
    ],
)
def test_plain_instants_leave_the_rest_unread(text: str) -> None:
    """Text that is not a valid plain instant is left to the careful reader, never guessed."""
    from slacalc._analysis.chunked import parse_plain_instants

    assert not parse_plain_instants([text])[2][0]


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(
        st.integers(-(10**15), 10**15) | st.sampled_from([0, 1, -1, 1_500_000, 120_000]),
        max_size=20,
    )
)
def test_seconds_texts_are_the_writers_digits(values: list[int]) -> None:
    """Durations in µs come out as the record writer writes ``seconds()``."""
    import numpy as np

    from slacalc._analysis.chunked import seconds_texts
    from slacalc._analysis.vectorised import NA
    from slacalc._files.writers import csv_text

    arr = np.asarray([*values, NA], dtype=np.int64)
    expected = [csv_text(timedelta(microseconds=v)) for v in values] + ["-"]
    assert seconds_texts(arr, "-") == expected


@settings(max_examples=200, deadline=None)
@given(
    instants=st.lists(st.integers(0, 7_000_000_000_000_000), min_size=1, max_size=20),
    zone=st.sampled_from(["Europe/Zurich", "America/New_York", "Australia/Lord_Howe", "UTC"])
    | st.sampled_from(sorted(available_timezones())),
)
def test_instant_texts_are_isoformat_in_the_zone(instants: list[int], zone: str) -> None:
    """Epoch µs come out as ``from_us(us, zone).isoformat()``, DST and odd offsets included."""
    import numpy as np

    from slacalc._analysis.chunked import instant_texts
    from slacalc._analysis.vectorised import NA
    from slacalc._engine.calendar import from_us

    tz = ZoneInfo(zone)
    arr = np.asarray([*instants, NA], dtype=np.int64)
    zones = np.full(len(arr), tz, dtype=object)
    expected = [from_us(us, tz).isoformat() for us in instants] + [None]
    assert instant_texts(arr, zones, None) == expected
