"""`slacalc compare` writes through the typed writer: CSV, JSON Lines and JSON agree with its schema."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from slacalc._cli.main import main

ZENDESK = Path(__file__).parent / "fixtures" / "sources" / "zendesk"
ARGV = [
    "compare", str(ZENDESK / "compare_tickets.jsonl"),
    "--metric-events", str(ZENDESK / "metric_events.json"),
    "--policy", str(ZENDESK / "compare_policy.toml"), "--plan", "extended",
    "--now", "2026-06-01T00:00:00+00:00",
]  # fmt: skip
COLUMNS = [
    "ticket_id", "metric", "zendesk_metric", "zendesk_status", "slacalc_status",
    "zendesk_due_at", "slacalc_due_at", "zendesk_target", "slacalc_target", "agree", "reasons",
]  # fmt: skip


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def schema() -> dict[str, Any]:
    code, out, _ = run("schema", "--output-records", "compare")
    assert code == 0
    published: dict[str, Any] = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(published)
    return published


def records(fmt: str) -> list[dict[str, Any]]:
    code, text, err = run(*ARGV, "--format", fmt)
    assert code == 0, err
    if fmt == "json":
        value = json.loads(text)
        assert isinstance(value, list)
        return value
    return [json.loads(line) for line in text.splitlines()]


def test_schema_names_the_columns_and_refuses_strays() -> None:
    """the published record has the columns compare writes, all required, nothing else."""
    published = schema()
    assert list(published["properties"]) == COLUMNS
    assert published["required"] == COLUMNS
    assert published["additionalProperties"] is False
    assert published["properties"]["agree"]["type"] == "boolean"


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_json_validates_and_says_what_csv_says(fmt: str) -> None:
    """every JSON record validates; CSV has the same rows, with true/false and empty for null."""
    code, text, err = run(*ARGV)  # CSV is the default
    assert code == 0, err
    table = list(csv.DictReader(io.StringIO(text)))
    got = records(fmt)
    validator = jsonschema.Draft202012Validator(schema())
    for record in got:
        validator.validate(record)
    assert len(got) == len(table) == 6
    for row, record in zip(table, got, strict=True):
        assert list(row) == COLUMNS == list(record)
        shown = {
            k: "" if v is None else ("true" if v else "false") if isinstance(v, bool) else str(v)
            for k, v in record.items()
        }
        assert shown == row


def test_values_of_the_closing_time_row() -> None:
    """ticket 3: 2 business hours from Mon 17:00 (closing 19:00) run out at 19:00, Zendesk says Tue 07:00."""
    row = next(r for r in records("jsonl") if r["ticket_id"] == "3")
    assert row["metric"] == "initial_response"
    assert row["zendesk_metric"] == "reply_time"
    assert (row["zendesk_status"], row["slacalc_status"]) == ("breached", "met")
    assert row["slacalc_due_at"] == "2026-03-02T19:00:00+01:00"
    assert row["zendesk_due_at"] == "2026-03-03T06:00:00+00:00"
    assert row["zendesk_target"] == "120 min (business hours)"
    assert row["agree"] is False
    assert row["reasons"].startswith("closing-time rule")


def test_csv_agree_is_true_false() -> None:
    """agree is 'true'/'false' in CSV, as every other command writes booleans (it was Python's True)."""
    code, text, _ = run(*ARGV)
    assert code == 0
    agree = [r["agree"] for r in csv.DictReader(io.StringIO(text))]
    assert sorted(set(agree)) == ["false", "true"]
    assert agree.count("true") == 2  # tickets 1 and 4 agree on the first response


def test_agreeing_rows_have_empty_reasons_and_disagreements_filter() -> None:
    """an agreeing row's reasons are empty; --disagreements leaves only the others."""
    rows = records("json")
    assert all((r["reasons"] == "") == r["agree"] for r in rows)
    code, text, _ = run(*ARGV, "--format", "json", "--disagreements")
    assert code == 0
    assert json.loads(text) == [r for r in rows if not r["agree"]]


def test_out_writes_the_file(tmp_path: Path) -> None:
    """--out PATH writes the records there, nothing on standard output."""
    target = tmp_path / "compare.jsonl"
    code, text, _ = run(*ARGV, "--format", "jsonl", "--out", str(target))
    assert (code, text) == (0, "")
    assert [json.loads(line) for line in target.read_text().splitlines()] == records("jsonl")


def test_no_rows_is_an_empty_json_array(tmp_path: Path) -> None:
    """a JSON array is closed even when nothing is written."""
    empty = tmp_path / "none.json"
    empty.write_text('{"ticket_metric_events": []}')
    argv = [a if a != str(ZENDESK / "metric_events.json") else str(empty) for a in ARGV]
    code, text, err = run(*argv, "--format", "json")
    assert code == 0, err
    assert json.loads(text) == []
    assert "0 comparisons" in err
