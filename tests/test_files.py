"""The one record reader every command shares (``slacalc._files.records``) and the typed writer.

Each messy file of issue 8's list has a test named after the issue; the
reader is checked on bytes, the way helpdesks and spreadsheets write them.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slacalc._files.records import FIELD_LIMIT, BadRow, RecordFile, format_from_name, shorten
from slacalc._files.tickets import (
    TICKET_COLUMNS,
    parse_instant,
    read_tickets,
    ticket_from_mapping,
)
from slacalc._files.writers import Column, RecordSchema, RecordWriter, csv_text, json_text, seconds
from slacalc.exceptions import InputFileError, TicketError

OPENED = "2026-03-02T09:00:00+01:00"
HEADER = "id,opened_at,severity,responded_at\n"


def rows(data: bytes, name: str = "t.csv", **options: Any) -> list[tuple[int, Any]]:
    """Every ``(line, record or BadRow)`` of *data* read as the file *name*."""
    with RecordFile(name, TICKET_COLUMNS, stream=io.BytesIO(data), **options) as records:
        return list(records)


def good(result: list[tuple[int, Any]]) -> list[str]:
    return [r["id"] for _, r in result if not isinstance(r, BadRow)]


def bad(result: list[tuple[int, Any]]) -> list[tuple[int, str]]:
    return [(line, r.message) for line, r in result if isinstance(r, BadRow)]


def ticket_line(ident: str, severity: str = "1") -> str:
    return f"{ident},{OPENED},{severity},\n"


class TestFormat:
    @pytest.mark.parametrize(
        ("name", "fmt"),
        [
            ("t.csv", "csv"),
            ("T.CSV", "csv"),
            ("t.tsv", "tsv"),
            ("t.tab", "tsv"),
            ("t.jsonl", "jsonl"),
            ("t.ndjson", "jsonl"),
            ("t.json", "json"),
            ("t.txt", None),
            ("-", None),
        ],
    )
    def test_from_the_name(self, name: str, fmt: str | None) -> None:
        """the file name's ending gives the format; an unknown one is left to the content."""
        assert format_from_name(name) == fmt

    @pytest.mark.parametrize(
        ("text", "fmt"),
        [
            (HEADER + ticket_line("A"), "csv"),
            (json.dumps({"id": "A", "opened_at": OPENED, "severity": 1}) + "\n", "jsonl"),
            (json.dumps([{"id": "A", "opened_at": OPENED, "severity": 1}]), "json"),
        ],
    )
    def test_from_the_first_character(self, text: str, fmt: str) -> None:
        """without a known ending (or on stdin), '{' is JSON Lines, '[' a JSON array, else CSV."""
        with RecordFile("-", TICKET_COLUMNS, stream=io.BytesIO(text.encode())) as records:
            assert records.format == fmt
            assert good(list(records)) == ["A"]

    def test_given_format_wins(self) -> None:
        """--input-format overrides the file name."""
        data = json.dumps({"id": "A", "opened_at": OPENED, "severity": 1}).encode() + b"\n"
        assert good(rows(data, "t.csv", input_format="jsonl")) == ["A"]

    def test_unknown_format_is_refused(self) -> None:
        """an input format that does not exist is an input error."""
        with pytest.raises(InputFileError, match="unknown format 'xml'"):
            rows(b"", input_format="xml")


class TestDelimiter:
    def test_semicolon_csv_issue_8(self) -> None:
        """a semicolon CSV (Excel in Switzerland and Germany) is read; its header is found."""
        data = (HEADER + ticket_line("A") + ticket_line("B")).replace(",", ";").encode()
        assert good(rows(data)) == ["A", "B"]

    def test_tab_separated(self) -> None:
        """tabs are detected in a .csv, and are the delimiter of a .tsv."""
        data = (HEADER + ticket_line("A")).replace(",", "\t").encode()
        assert good(rows(data)) == ["A"]
        assert good(rows(data, "t.tsv")) == ["A"]

    def test_sniffer_checked_against_the_required_columns(self) -> None:
        """a header whose names hold commas is still split on its semicolons."""
        data = (
            "id;opened_at;severity;responded_at;notes, comments\n"
            f"A;{OPENED};1;;a note, with a comma\n"
        ).encode()
        result = rows(data)
        assert good(result) == ["A"]
        assert result[0][1]["notes, comments"] == "a note, with a comma"

    def test_explicit_delimiter(self) -> None:
        """--delimiter overrides the detection ('\\t' and 'tab' name a tab)."""
        data = (HEADER + ticket_line("A")).replace(",", "|").encode()
        assert good(rows(data, delimiter="|")) == ["A"]
        tabbed = (HEADER + ticket_line("A")).replace(",", "\t").encode()
        assert good(rows(tabbed, delimiter="\\t")) == ["A"]
        with pytest.raises(InputFileError, match="--delimiter: invalid delimiter"):
            rows(data, delimiter="||")

    def test_missing_column_names_the_header_and_hints_at_the_delimiter(self) -> None:
        """a header that lacks a column says what it has, and which delimiter might be meant."""
        with pytest.raises(InputFileError) as caught:
            rows(b"id|opened_at|severity\nA|x|1\n", delimiter=",")
        message = str(caught.value)
        assert "line 1 (the header): missing column 'id'" in message
        assert "(the header has id|opened_at|severity)" in message
        with pytest.raises(InputFileError, match=r"give --delimiter ';'"):
            rows(b"id;opened_at;severity\nA;x;1\n", delimiter=",")


class TestEncoding:
    def test_latin1_byte_is_one_bad_row_issue_8(self) -> None:
        """one Latin-1 byte makes its row bad, naming the field; the rows before and after are kept."""
        data = (HEADER + ticket_line("A")).encode() + b"B\xe9,2026-03-02T09:00:00+01:00,1,\n"
        data += ticket_line("C").encode()
        result = rows(data)
        assert good(result) == ["A", "C"]
        ((line, message),) = bad(result)
        assert line == 3
        assert message.startswith("id: not valid UTF-8 text (byte 0xE9 at column 2 of its line)")
        assert "'B\\xe9'" in message
        assert "--encoding cp1252" in message

    def test_the_encoding_can_be_given(self) -> None:
        """--encoding cp1252 reads a Windows export whole."""
        data = (HEADER + "Zürich-1," + OPENED + ",1,\n").encode("cp1252")
        assert good(rows(data, encoding="cp1252")) == ["Zürich-1"]
        with pytest.raises(InputFileError, match="unknown encoding 'klingon'"):
            rows(data, encoding="klingon")

    @pytest.mark.parametrize("bom", [codecs.BOM_UTF8, b""])
    def test_utf8_with_or_without_bom(self, bom: bytes) -> None:
        """UTF-8 reads the same with and without a byte-order mark."""
        data = bom + (HEADER + ticket_line("Ä-1")).encode()
        assert good(rows(data)) == ["Ä-1"]

    @pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
    def test_utf16_bom_is_honoured_issue_8(self, codec: str) -> None:
        """a UTF-16 (or UTF-32) file with a byte-order mark reads like UTF-8."""
        text = HEADER + ticket_line("Ä-1") + ticket_line("B")
        data = text.encode(codec)
        if codec == "utf-16-be":
            data = codecs.BOM_UTF16_BE + data
        assert good(rows(data)) == ["Ä-1", "B"]

    def test_bad_utf16_unit_is_one_bad_row(self) -> None:
        """a lone surrogate in UTF-16 spoils its own row only."""
        data = codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le")
        data += "A,".encode("utf-16-le") + b"\x00\xd8" + f",{OPENED},1,\n".encode("utf-16-le")
        data += ticket_line("B").encode("utf-16-le")
        result = rows(data)
        assert good(result) == ["B"]
        assert bad(result)[0][0] == 2
        assert "not valid utf-16-le text" in bad(result)[0][1]

    @pytest.mark.parametrize(
        ("data", "what"),
        [
            (b"PK\x03\x04\x14\x00\x06\x00" + bytes(200), "a ZIP archive"),
            (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
            (b"\x89PNG\r\n\x1a\n" + bytes(50), "a PNG image"),
            (b"\x1f\x8b\x08\x00" + bytes(30), "gzip-compressed"),
            (bytes(range(256)) * 4, "binary file"),
            (HEADER.encode("utf-16-le"), "UTF-16 text without a byte-order mark"),
        ],
    )
    def test_binary_file_is_an_input_error_issue_8(self, data: bytes, what: str) -> None:
        """a binary file (or UTF-16 without its mark) is one clear input error, never a traceback."""
        with pytest.raises(InputFileError, match=what):
            rows(data)


class TestCSVRecords:
    def test_field_over_128_kib_issue_8(self) -> None:
        """a field far over the csv module's 128 KiB default is read, and so are the rows after it."""
        data = f"id,opened_at,severity,notes\nA,{OPENED},1,{'x' * 300_000}\nB,{OPENED},1,\n"
        result = rows(data.encode())
        assert good(result) == ["A", "B"]
        assert len(result[0][1]["notes"]) == 300_000

    def test_field_over_the_limit_is_one_bad_row(self) -> None:
        """a field longer than FIELD_LIMIT is one bad row; the next row is read."""
        data = (
            f"id,opened_at,severity,notes\nA,{OPENED},1,{'x' * (FIELD_LIMIT + 1)}\nB,{OPENED},1,\n"
        )
        result = rows(data.encode())
        assert good(result) == ["B"]
        assert bad(result) == [(2, "a field is longer than 16 MiB; expected shorter fields")]

    def test_unclosed_quote_reported_where_the_record_starts_issue_8(self) -> None:
        """an unclosed quote on line 3 is reported at line 3, and the lines after it are still rows."""
        data = (
            HEADER
            + ticket_line("A")
            + f'B,"{OPENED},1,\n'
            + ticket_line("C")
            + ticket_line("D")
            + ticket_line("E")
        )
        result = rows(data.encode())
        assert good(result) == ["A", "C", "D", "E"]
        ((line, message),) = bad(result)
        assert line == 3
        assert "a quoted field is never closed" in message
        assert [n for n, r in result if not isinstance(r, BadRow)] == [2, 4, 5, 6]

    def test_quoted_newlines_keep_the_start_line(self) -> None:
        """a record over several lines is numbered by its first line; the next by its own."""
        data = (
            HEADER.replace("\n", ",notes\n") + f'A,{OPENED},1,,"two\nlines"\n' + f"B,{OPENED},1,,\n"
        )
        result = rows(data.encode())
        assert [(n, r["id"]) for n, r in result] == [(2, "A"), (4, "B")]
        assert result[0][1]["notes"] == "two\nlines"

    def test_text_after_a_closing_quote(self) -> None:
        """junk after a closing quote is a bad row, read again from the next line."""
        data = HEADER + f'"A"x,{OPENED},1,\n' + ticket_line("B")
        result = rows(data.encode())
        assert good(result) == ["B"]
        assert bad(result)[0][0] == 2
        assert "text after a closing quote" in bad(result)[0][1]

    def test_width(self) -> None:
        """short rows get empty trailing fields; long ones are bad unless the extras are empty."""
        data = HEADER + f"A,{OPENED},1\n" + f"B,{OPENED},1,,,\n" + f"C,{OPENED},1,,extra\n"
        data += ticket_line("D")
        result = rows(data.encode())
        assert good(result) == ["A", "B", "D"]
        assert result[-1][1] == {
            "id": "D",
            "opened_at": OPENED,
            "severity": "1",
            "responded_at": "",
        }
        assert result[0][1]["responded_at"] == ""
        assert bad(result) == [
            (
                4,
                "5 fields but the header has 4 (id, opened_at, severity, responded_at); expected at most 4",
            )
        ]

    def test_header_checks(self) -> None:
        """a repeated column is an input error; empty column names (trailing ';') are ignored."""
        with pytest.raises(InputFileError, match="column 'id' appears twice"):
            rows(b"id,opened_at,severity,id\n")
        result = rows(f"id;opened_at;severity;;\nA;{OPENED};1;;\n".encode())
        assert result == [(2, {"id": "A", "opened_at": OPENED, "severity": "1"})]

    def test_crlf_and_blank_lines(self) -> None:
        """Windows line ends and blank lines read as they should."""
        data = ("\r\n" + HEADER + "\r\n" + ticket_line("A") + "\r\n").replace("\n", "\r\n")
        data = data.replace("\r\r\n", "\r\n")
        result = rows(data.encode())
        assert [(n, r["id"]) for n, r in result] == [(4, "A")]
        assert result[0][1]["responded_at"] == ""


class TestNul:
    def test_nul_bytes_are_refused_issue_8(self) -> None:
        """a NUL in an id or inside an instant makes the row bad; the others are kept."""
        data = HEADER + "A\x00,2026-03-02T09:00:00+01:00,1,\n"
        data += "B,2026-03-02T09:00:00\x00+01:00,1,\n" + ticket_line("C")
        result = rows(data.encode())
        assert good(result) == ["C"]
        assert bad(result) == [
            (2, "id: contains a NUL character in 'A\\x00'; expected text without NUL bytes"),
            (
                3,
                "opened_at: contains a NUL character in '2026-03-02T09:00:00\\x00+01:00'; expected text without NUL bytes",
            ),
        ]

    def test_nul_in_json(self) -> None:
        """JSON's \\u0000 is refused too, wherever it is."""
        data = json.dumps({"id": "A\u0000", "opened_at": OPENED, "severity": 1}) + "\n"
        data += json.dumps({"id": "B", "opened_at": OPENED, "severity": 1, "x": ["\u0000"]}) + "\n"
        result = rows(data.encode(), "t.jsonl")
        assert [m.split(":")[0] for _, m in bad(result)] == ["id", "x[0]"]

    @settings(max_examples=200, deadline=None)
    @given(
        values=st.lists(
            st.text(
                st.sampled_from(["a", "é", "\x00", "\ud800", "\udc00", "\\", "u", "0", "d", "8"])
            ),
            min_size=1,
            max_size=4,
        ),
        ascii_only=st.booleans(),
    )
    def test_the_clean_line_shortcut_changes_nothing(
        self, values: list[str], ascii_only: bool
    ) -> None:
        """JSON Lines: the walk skipped on a line with no NUL and no risky escape gives what the walk gives.

        Values hold NULs, lone surrogates and backslashes, written raw or as
        escapes (ensure_ascii); the reference looks into every line.
        """
        import slacalc._files.records as records

        lines = [
            json.dumps(
                {"id": f"T{i}", "opened_at": OPENED, "severity": 1, "note": v},
                ensure_ascii=ascii_only,
            )
            for i, v in enumerate(values)
        ]
        data = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n"
        fast = rows(data, "t.jsonl")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(records, "_RISKY_ESCAPE", re.compile(""))  # every line looked into
            slow = rows(data, "t.jsonl")
        assert [(n, r.message if isinstance(r, BadRow) else r) for n, r in fast] == [
            (n, r.message if isinstance(r, BadRow) else r) for n, r in slow
        ]

    def test_instant_parser_refuses_control_characters(self) -> None:
        """parse_instant itself refuses what fromisoformat would let through."""
        with pytest.raises(TicketError, match="invalid instant"):
            parse_instant("opened_at", "2026-03-02T09:00:00\x00+01:00")


class TestJSON:
    def test_json_array_input_issue_8(self) -> None:
        """a .json file may hold an array of ticket objects, each numbered by its first line."""
        data = json.dumps(
            [
                {"id": "A", "opened_at": OPENED, "severity": 1},
                {"id": "B", "opened_at": OPENED, "severity": 2},
            ],
            indent=2,
        )
        result = rows(data.encode(), "t.json")
        assert [(n, r["id"]) for n, r in result] == [(2, "A"), (7, "B")]

    def test_bad_element_of_an_array(self) -> None:
        """a broken object of an array is one bad row; the objects after it are read."""
        data = (
            "[\n"
            f'  {{"id": "A", "opened_at": "{OPENED}", "severity": 1}},\n'
            f'  {{"id": "B", "opened_at": "{OPENED}", "severity": 1,, }},\n'
            f'  {{"id": "C", "opened_at": "{OPENED}", "severity": 1}}\n'
            "]\n"
        )
        result = rows(data.encode(), "t.json")
        assert good(result) == ["A", "C"]
        assert bad(result)[0][0] == 3

    def test_damage_that_swallows_the_next_object(self) -> None:
        """a stray '[' or a missing '}' costs its own row only: reading goes on at the next object."""
        one = json.dumps({"id": "A", "opened_at": OPENED, "severity": 1})
        two = json.dumps({"id": "B", "opened_at": OPENED, "severity": 1})
        for broken in ("[" + one, one[:-1]):
            data = f"[\n  {broken},\n  {two}\n]\n"
            result = rows(data.encode(), "t.json")
            assert good(result) == ["B"], broken
            assert bad(result)[0][0] == 2

    def test_array_on_one_line(self) -> None:
        """in an array written on one line, a broken object is skipped to the next one."""
        one = json.dumps({"id": "A", "opened_at": OPENED, "severity": 1})
        two = json.dumps({"id": "B", "opened_at": OPENED, "severity": 1})
        data = f"[{one[:-1]}, {two}]"
        assert good(rows(data.encode(), "t.json")) == ["B"]

    def test_pretty_printed_objects_resync_at_their_indentation(self) -> None:
        """after a broken pretty-printed ticket, nested event objects are not taken for tickets."""
        tickets = [
            {
                "id": "A",
                "opened_at": OPENED,
                "severity": 1,
                "events": [{"at": OPENED, "kind": "pause"}],
            },
            {"id": "B", "opened_at": OPENED, "severity": 1},
        ]
        text = json.dumps(tickets, indent=2).replace('"id": "A",', '"id": "A",,', 1)
        result = rows(text.encode(), "t.json")
        assert good(result) == ["B"]
        assert len(bad(result)) == 1

    def test_array_cut_short(self) -> None:
        """an array that is never closed keeps its objects and says the file looks cut short."""
        data = f'[{{"id": "A", "opened_at": "{OPENED}", "severity": 1}},\n'
        result = rows(data.encode(), "t.json")
        assert good(result) == ["A"]
        assert "is not closed" in bad(result)[0][1]

    def test_jsonl_file_holding_an_array_gets_a_note(self) -> None:
        """a .jsonl file whose first line is '[' is read as the array it is, with a note why."""
        data = json.dumps([{"id": "A", "opened_at": OPENED, "severity": 1}], indent=2).encode()
        with RecordFile("t.jsonl", (), stream=io.BytesIO(data)) as records:
            assert good(list(records)) == ["A"]
            assert "holds a JSON array, not JSON Lines" in records.notes[0]

    def test_objects_one_after_another(self) -> None:
        """a .json file of objects one per line (or pretty-printed one after another) reads too."""
        one = {"id": "A", "opened_at": OPENED, "severity": 1}
        data = json.dumps(one) + "\n" + json.dumps({**one, "id": "B"}, indent=2) + "\n"
        assert good(rows(data.encode(), "t.json")) == ["A", "B"]

    @pytest.mark.parametrize(
        ("line", "message"),
        [
            ("{broken", "invalid JSON: Expecting property name"),
            ("[1, 2]", "expected a JSON object of fields; got an array"),
            ('{"id": NaN}', "NaN is not a number JSON allows"),
            ("[" * 100_000, "invalid JSON"),
            ('{"id": ' + "9" * 5000 + "}", "invalid JSON"),
        ],
    )
    def test_bad_lines(self, line: str, message: str) -> None:
        """every kind of unreadable JSON line is one bad row, never an exception."""
        data = line + "\n" + json.dumps({"id": "B", "opened_at": OPENED, "severity": 1}) + "\n"
        result = rows(data.encode(), "t.jsonl")
        assert good(result) == ["B"]
        assert message in bad(result)[0][1]

    def test_numbers_are_exact(self) -> None:
        """JSON numbers with a fraction are Decimals, never floats."""
        data = b'{"id": "A", "hours": 5.1}\n'
        ((_, record),) = rows(data, "t.jsonl")
        assert record["hours"] == Decimal("5.1")


class TestTicketTypes:
    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("channel", ["ticket"], "channel: expected text; got a list ['ticket']"),
            ("channel", 7, "channel: expected text; got a number 7"),
            ("severity", True, "severity: expected text or a whole number; got true/false True"),
            ("severity", Decimal("1.5"), "severity: expected text or a whole number"),
            ("opened_at", 1772438400, "opened_at: expected an instant as text"),
            ("id", {"a": 1}, "id: expected text or a whole number; got an object"),
            ("events", {"at": OPENED}, "events: expected a list"),
        ],
    )
    def test_wrong_json_type_is_a_bad_row_issue_8(
        self, field: str, value: object, message: str
    ) -> None:
        """a value of the wrong type is a row error naming the field; it is never turned into text."""
        record = {"id": "T-1", "opened_at": OPENED, "severity": 2, field: value}
        with pytest.raises(TicketError, match=message.replace("[", r"\[").replace("(", r"\(")):
            ticket_from_mapping(record)

    def test_whole_numbers_are_fine(self) -> None:
        """an id, a severity and an escalation class may be whole numbers."""
        ticket = ticket_from_mapping(
            {"id": 17, "opened_at": OPENED, "severity": 2, "escalated_at": OPENED, "escalation": 1}
        )
        assert (ticket.id, ticket.severity, ticket.events[0].value) == ("17", "2", "1")

    def test_offset_out_of_range_is_a_row_error_issue_8(self) -> None:
        """an offset of 24 h or more, as text or from a tzinfo, is a TicketError naming the field."""

        class Wrong(tzinfo):
            def utcoffset(self, dt: datetime | None) -> timedelta:
                return timedelta(hours=30)

            def dst(self, dt: datetime | None) -> timedelta:
                return timedelta(0)

        with pytest.raises(TicketError, match=r"opened_at: instant .* has the offset \+25:00"):
            parse_instant("opened_at", "2026-03-02T09:00:00+25:00")
        with pytest.raises(TicketError, match=r"opened_at: instant .* has an invalid UTC offset"):
            ticket_from_mapping(
                {"id": "T", "opened_at": datetime(2026, 3, 2, 9, tzinfo=Wrong()), "severity": 1}
            )

    @pytest.mark.parametrize("offset", [timedelta(hours=30), -timedelta(hours=24), 5])
    def test_ticket_built_directly_with_a_bad_offset(self, offset: object) -> None:
        """``Ticket(...)`` with a tzinfo whose utcoffset is out of range (or no timedelta) is a TicketError.

        It names the ticket, the field, the value and the range expected, for every instant
        of a ticket (opened_at, responded_at, an event's at), never a bare ValueError.
        """
        from slacalc import Event, Ticket

        class Wrong(tzinfo):
            def utcoffset(self, dt: datetime | None) -> Any:
                return offset

            def dst(self, dt: datetime | None) -> timedelta:
                return timedelta(0)

            def __repr__(self) -> str:
                return "Wrong()"

        bad = datetime(2026, 3, 2, 9, tzinfo=Wrong())
        good = datetime(2026, 3, 2, 9, tzinfo=UTC)
        expected = (
            r"has an invalid UTC offset \(.*\); expected a tzinfo whose utcoffset\(\) is a "
            r"timedelta strictly between -24:00 and \+24:00$"
        )
        value = re.escape("datetime.datetime(2026, 3, 2, 9, 0, tzinfo=Wrong())")
        with pytest.raises(
            TicketError, match=rf"^ticket 'T-1': opened_at: instant {value} {expected}"
        ):
            Ticket("T-1", bad, 1)
        with pytest.raises(
            TicketError, match=rf"^ticket 'T-1': responded_at: instant {value} {expected}"
        ):
            Ticket("T-1", good, 1, responded_at=bad)
        with pytest.raises(
            TicketError,
            match=rf"^ticket 'T-1': events\[0\] \(response event, value None\): at: instant {value} {expected}",
        ):
            Ticket("T-1", good, 1, events=[Event(bad, "response")])

    def test_read_tickets_keeps_the_id_of_a_bad_row(self) -> None:
        """a row that reads but is no ticket keeps its id, for explain --id."""
        data = (HEADER + f"T-1,{OPENED},1,not-an-instant\n").encode()
        with RecordFile("t.csv", TICKET_COLUMNS, stream=io.BytesIO(data)) as records:
            ((line, item),) = list(read_tickets(records))
        assert isinstance(item, BadRow)
        assert (line, item.ident) == (2, "T-1")


class TestWriter:
    SCHEMA = RecordSchema(
        "t",
        "a test record",
        (
            Column("n", "integer", "a number"),
            Column("s", "seconds", "a duration"),
            Column("d", "decimal", "money", nullable=True),
            Column("b", "boolean", "a flag"),
            Column("at", "instant", "an instant", nullable=True),
            Column("on", "date", "a date"),
        ),
    )

    def test_exact_seconds(self) -> None:
        """durations are whole seconds or exact decimals, never a float that loses microseconds."""
        big = timedelta(days=80_000, microseconds=1)
        assert seconds(big) == Decimal("6912000000.000001")
        assert Decimal(big.total_seconds()) != seconds(big)  # the float cannot hold it
        assert json_text(big) == "6912000000.000001"
        assert seconds(timedelta(seconds=-1)) == -1

    @pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
    def test_formats_agree(self, fmt: str) -> None:
        """CSV, JSON Lines and a JSON array carry the same values, with real JSON types."""
        record = {
            "n": 3,
            "s": timedelta(microseconds=1),
            "d": Decimal("164.38"),
            "b": False,
            "at": datetime(2026, 3, 2, 9, tzinfo=UTC),
            "on": date(2026, 3, 2),
        }
        out = io.StringIO()
        writer = RecordWriter(out, fmt, self.SCHEMA)
        writer.write(record)
        writer.write({**record, "d": None, "at": None})
        writer.close()
        text = out.getvalue()
        if fmt == "csv":
            got = list(csv.DictReader(io.StringIO(text)))
            assert got[0] == {
                "n": "3",
                "s": "0.000001",
                "d": "164.38",
                "b": "false",
                "at": "2026-03-02T09:00:00+00:00",
                "on": "2026-03-02",
            }
            assert (got[1]["d"], got[1]["at"]) == ("", "")
            return
        docs = (
            json.loads(text, parse_float=Decimal)
            if fmt == "json"
            else [json.loads(line, parse_float=Decimal) for line in text.splitlines()]
        )
        assert docs[0] == {
            "n": 3,
            "s": Decimal("0.000001"),
            "d": Decimal("164.38"),
            "b": False,
            "at": "2026-03-02T09:00:00+00:00",
            "on": "2026-03-02",
        }
        assert (docs[1]["d"], docs[1]["at"]) == (None, None)

    def test_empty_json_array(self) -> None:
        """no records in JSON is an empty array, still one document."""
        out = io.StringIO()
        writer = RecordWriter(out, "json", self.SCHEMA)
        writer.close()
        assert json.loads(out.getvalue()) == []

    def test_csv_text(self) -> None:
        """CSV: empty for missing, true/false, exact digits."""
        assert [csv_text(v) for v in (None, True, False, Decimal("1E+3"), 5)] == [
            "",
            "true",
            "false",
            "1000",
            "5",
        ]


def test_shorten_keeps_both_ends() -> None:
    """a long value is cut in the middle and says how long it was."""
    text = shorten("a" * 50 + "z" * 50, 20)
    assert text.startswith("'aaaaaa") and text.endswith("zzzzzz' (100 characters)")
