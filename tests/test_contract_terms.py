"""Per-customer terms: a contract's own calendar or time zone, target overrides, a pinned version.

ZITADEL (seeds/000 and 001) says "business hours … (or as per agreement with
the customer)"; its Custom / Enterprise plans are bespoke. A ``Contract``
carries those terms and ``contract.plan`` is the effective plan that judges
the customer's tickets. zitadel-2023 ``extended`` is 07:00-19:00 Zurich with
St. Gallen's holidays, Sev 2 = 2 business hours, 1 credit day per started 15
minutes late. In New York, 2 July 2026 is a Thursday; Independence Day (4
July, a Saturday) is observed on Friday 3 July; EDT is UTC-04:00.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slacalc import Calendar, Contract, Ticket, load_policy
from slacalc._cli.main import main
from slacalc._evaluation.credits import ContractBook
from slacalc.exceptions import PolicyError, UnknownPlanError

NEW_YORK = ZoneInfo("America/New_York")
ZURICH = ZoneInfo("Europe/Zurich")
NOW = datetime(2026, 12, 1, tzinfo=ZURICH)
EMPIRE_HOURS = Calendar(
    timezone="America/New_York",
    hours={"mon-fri": "09:00-17:00"},
    holidays={"country": "US", "subdiv": "NY"},
)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)  # type: ignore[misc]


def zh(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZURICH)  # type: ignore[misc]


EXTENDED = load_policy("zitadel-2023").plan("extended")
TICKET = Ticket("E-1", ny(2026, 7, 2, 16, 30), 2, responded_at=ny(2026, 7, 6, 11))


def _credits(tickets: Path, contracts: Path) -> tuple[str, str]:
    """``slacalc credits`` of *tickets* under zitadel-2023 and *contracts*: output, messages (exit 0)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["credits", str(tickets), "--policy", "zitadel-2023", "--contracts", str(contracts),
         "--now", "2026-12-01T00:00:00Z"],
        stdout=out,
        stderr=err,
    )  # fmt: skip
    assert code == 0, err.getvalue()
    return out.getvalue(), err.getvalue()


class TestOwnCalendar:
    def test_in_another_time_zone(self) -> None:
        """the customer's own New York hours and holidays judge its tickets."""
        contract = Contract(
            "Empire Widgets", EXTENDED, date(2026, 1, 1), date(2027, 1, 1), calendar=EMPIRE_HOURS
        )
        out = contract.plan.evaluate(TICKET, now=NOW).initial_response
        # Thu 16:30-17:00 = 30 min; Fri 3 Jul (observed holiday), Sat, Sun closed;
        # Mon 6 Jul 09:00 + 1 h 30 min = 10:30 EDT; answered 11:00 → 30 min late
        assert out.due_at == ny(2026, 7, 6, 10, 30)
        assert out.due_at.utcoffset() == timedelta(hours=-4)  # in the calendar's own zone
        assert out.late_by == timedelta(minutes=30)
        assert out.credit_days == 2  # ceil(30 / 15)
        assert out.target == "2 business hours on Empire Widgets hours"
        credits = contract.credits([TICKET], now=NOW)
        assert credits.days == 2
        assert contract.base_plan is EXTENDED

    def test_the_plan_alone_would_judge_on_zurich_hours(self) -> None:
        """without the contract the same ticket runs on 07:00-19:00 Zurich."""
        out = EXTENDED.evaluate(TICKET, now=NOW).initial_response
        # Thu 16:30 EDT = 22:30 CEST, closed; Fri 3 Jul 07:00 + 2 h = 09:00 CEST = 03:00 EDT
        assert out.due_at == zh(2026, 7, 3, 9)

    def test_a_mapping_replaces_only_the_calendars_it_names(self) -> None:
        """{'business': ...} keeps zitadel-2023 custom's 24x7 Sev 1 target around the clock."""
        custom = load_policy("zitadel-2023").plan("custom")
        contract = Contract(
            "Empire Widgets",
            custom,
            date(2026, 1, 1),
            date(2027, 1, 1),
            calendar={"business": EMPIRE_HOURS},
        )
        assert contract.plan.target("initial_response", 1).calendar_name == "24x7"
        assert contract.plan.target("initial_response", 2).calendar is EMPIRE_HOURS

    def test_time_zone_only(self) -> None:
        """timezone= reads the plan's hours in the customer's zone, holidays unchanged."""
        contract = Contract(
            "Empire Widgets",
            EXTENDED,
            date(2026, 1, 1),
            date(2027, 1, 1),
            timezone="America/New_York",
        )
        t = Ticket("E-2", ny(2026, 7, 2, 18), 2)
        out = contract.plan.evaluate(t, now=NOW).initial_response
        # 07:00-19:00 New York: Thu 18-19 = 1 h; 3 Jul is no St. Gallen holiday: Fri 07:00 + 1 h
        assert out.due_at == ny(2026, 7, 3, 8)
        assert out.target == "2 business hours on extended in America/New_York"


class TestOverridesAndVersions:
    def test_target_override(self) -> None:
        """a bespoke Enterprise target replaces the plan's for that class only."""
        custom = load_policy("zitadel-2023").plan("custom")
        contract = Contract(
            "Bespoke AG",
            custom,
            date(2026, 1, 1),
            date(2027, 1, 1),
            targets={"initial_response": {"sev2": "1 business hour"}},
        )
        t = Ticket("B-1", zh(2026, 3, 2, 16, 30), 2)
        # 1 bh on business 08:00-17:00: Mon 16:30-17:00 + Tue 08:00-08:30
        assert contract.plan.deadline(t.opened_at, 2) == zh(2026, 3, 3, 8, 30)
        # Sev 3 keeps the plan's 12 business hours: Mon 30 min + Tue 9 h + Wed 2 h 30 min
        assert contract.plan.deadline(t.opened_at, 3) == zh(2026, 3, 4, 10, 30)

    def test_pinned_version(self) -> None:
        """a contract sold under zitadel-2021 keeps STARBASE after the 2023 terms took effect."""
        family = load_policy("zitadel").plan("starbase")
        t = Ticket("V-1", zh(2024, 3, 4, 9), 1)
        with pytest.raises(UnknownPlanError):
            family.evaluate(t, now=NOW)  # zitadel-2023 has no starbase
        contract = Contract(
            "Old Customer",
            family,
            date(2024, 1, 1),
            date(2025, 1, 1),
            policy_version="zitadel-2021",
        )
        out = contract.plan.evaluate(t, now=NOW).initial_response
        # STARBASE Sev 1: 4 bh on 08:00-17:00 → Mon 09:00 + 4 h = 13:00
        assert out.policy == "zitadel-2021"
        assert out.due_at == zh(2024, 3, 4, 13)

    def test_family_terms_apply_to_every_version(self) -> None:
        """terms over a family plan apply to whichever version judges the ticket."""
        family = load_policy("zitadel").plan("free")
        contract = Contract("Free Co", family, date(2021, 1, 1), date(2030, 1, 1), timezone="UTC")
        plan_2021 = contract.plan.at(date(2022, 1, 1))  # type: ignore[union-attr]
        assert plan_2021.policy.name == "zitadel-2021"

    def test_errors_name_the_contract(self) -> None:
        """a bad term is an error naming the customer and the term."""
        with pytest.raises(
            PolicyError, match=r"contract 'X': policy_version: 'zitadel-2021' is not the version"
        ):
            Contract(
                "X", EXTENDED, date(2026, 1, 1), date(2027, 1, 1), policy_version="zitadel-2021"
            )
        with pytest.raises(
            PolicyError, match=r"contract 'X': metric: unknown metric 'first_reply'"
        ):
            Contract(
                "X",
                EXTENDED,
                date(2026, 1, 1),
                date(2027, 1, 1),
                targets={"first_reply": {"1": "1h"}},
            )


class TestContractsFile:
    def test_credits_with_terms_columns(self, tmp_path: Path) -> None:
        """the contracts file's calendar, timezone and targets columns reach slacalc credits."""
        tickets = tmp_path / "tickets.csv"
        tickets.write_text(
            "id,opened_at,severity,responded_at,customer\n"
            "E-1,2026-07-02T16:30:00-04:00,2,2026-07-06T11:00:00-04:00,Empire Widgets\n",
            encoding="utf-8",
        )
        contracts = tmp_path / "contracts.csv"
        calendar = '{""timezone"": ""America/New_York"", ""hours"": {""mon-fri"": ""09:00-17:00""}, ""holidays"": {""country"": ""US"", ""subdiv"": ""NY""}}'
        contracts.write_text(
            "customer,term_start,term_end,plan,calendar\n"
            f'Empire Widgets,2026-01-01,2027-01-01,extended,"{calendar}"\n',
            encoding="utf-8",
        )
        out, _ = _credits(tickets, contracts)
        (row,) = csv.DictReader(io.StringIO(out))
        assert row["credit_days"] == "2"  # as in TestOwnCalendar: 30 min late → 2 days

    @pytest.mark.parametrize("engine", ["rows", "columns"])
    def test_overlapping_terms_count_a_ticket_once(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str
    ) -> None:
        """A ticket in two overlapping terms of its customer counts in the first only, with a warning.

        zitadel-2023 extended, Sev 2 = 2 business hours on 07:00-19:00 Zurich,
        1 credit day per started 15 minutes late. E-1: opened Mon 15 June 2026
        09:00 CEST, due 11:00, answered 11:20: 20 min late → 2 days. It lies
        in both terms; the first contract in the file (lines 2) takes it, the
        second (line 3, from 1 June) gets none. E-2, opened 10 August, lies
        only in the second: answered 11:05 after a 09:00 opening, 5 min late
        → 1 day.
        """
        monkeypatch.setenv("SLACALC_ENGINE", engine)
        tickets = tmp_path / "tickets.csv"
        tickets.write_text(
            "id,opened_at,severity,responded_at,customer\n"
            "E-1,2026-06-15T09:00:00+02:00,2,2026-06-15T11:20:00+02:00,acme\n"
            "E-2,2026-08-10T09:00:00+02:00,2,2026-08-10T11:05:00+02:00,acme\n",
            encoding="utf-8",
        )
        contracts = tmp_path / "contracts.csv"
        contracts.write_text(
            "customer,term_start,term_end,plan\n"
            "acme,2026-01-01,2026-07-01,extended\n"
            "acme,2026-06-01,2027-01-01,extended\n",
            encoding="utf-8",
        )
        out, err = _credits(tickets, contracts)
        first, second = csv.DictReader(io.StringIO(out))
        assert (first["tickets"], first["earned_days"]) == ("1", "2")
        assert (second["tickets"], second["earned_days"]) == ("1", "1")
        assert (
            "1 pair of contracts has overlapping terms for one customer: 'acme' (lines 2 and 3)"
            in err
        )

    def test_due_with_contracts(self, tmp_path: Path) -> None:
        """slacalc due --contracts judges each customer's open tickets on its own terms."""
        tickets = tmp_path / "open.csv"
        tickets.write_text(
            "id,opened_at,severity,customer\n"
            "E-9,2026-07-02T16:30:00-04:00,2,Empire Widgets\n"
            "Z-9,2026-07-02T16:30:00-04:00,2,Someone Else\n",
            encoding="utf-8",
        )
        contracts = tmp_path / "contracts.csv"
        contracts.write_text(
            "customer,term_start,term_end,timezone,targets\n"
            'Empire Widgets,2026-01-01,2027-01-01,America/New_York,"{""initial_response"": {""2"": ""4 business hours""}}"\n',
            encoding="utf-8",
        )
        out, err = io.StringIO(), io.StringIO()
        code = main(
            ["due", str(tickets), "--policy", "zitadel-2023", "--plan", "extended", "--contracts",
             str(contracts), "--now", "2026-07-02T17:00:00-04:00"],
            stdout=out,
            stderr=err,
        )  # fmt: skip
        assert code == 0, err.getvalue()
        rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
        # Empire: 07:00-19:00 New York, 4 h: Thu 16:30-19:00 (2 h 30 min), Fri 07:00 + 1 h 30 min
        assert rows["E-9"]["due_at"] == "2026-07-03T08:30:00-04:00"
        # the others: the plan's Zurich hours, 2 h from Fri 07:00 CEST
        assert rows["Z-9"]["due_at"] == "2026-07-03T09:00:00+02:00"

    def test_due_from_a_helpdesk_export_with_contracts(self, tmp_path: Path) -> None:
        """slacalc due --source matches the export's customer to contracts, as credits does."""
        events = tmp_path / "events.csv"
        events.write_text(
            "ticket_id,at,kind,value\n"
            "E-9,2026-07-02T16:30:00-04:00,opened,2\n"
            "E-9,,customer,Empire Widgets\n"
            "Z-9,2026-07-02T16:30:00-04:00,opened,2\n"
            "Z-9,,customer,Someone Else\n",
            encoding="utf-8",
        )
        contracts = tmp_path / "contracts.csv"
        contracts.write_text(
            "customer,term_start,term_end,timezone,targets\n"
            'Empire Widgets,2026-01-01,2027-01-01,America/New_York,"{""initial_response"": {""2"": ""4 business hours""}}"\n',
            encoding="utf-8",
        )
        out, err = io.StringIO(), io.StringIO()
        code = main(
            ["due", str(events), "--source", "events", "--policy", "zitadel-2023", "--plan",
             "extended", "--contracts", str(contracts), "--now", "2026-07-02T17:00:00-04:00"],
            stdout=out,
            stderr=err,
        )  # fmt: skip
        assert code == 0, err.getvalue()
        rows = {r["id"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
        # as in test_due_with_contracts: Thu 16:30-19:00 New York (2 h 30 min), Fri 07:00 + 1 h 30 min
        assert rows["E-9"]["due_at"] == "2026-07-03T08:30:00-04:00"
        assert rows["Z-9"]["due_at"] == "2026-07-03T09:00:00+02:00"


class TestContractBook:
    """The one rule credits, due and report match tickets to contracts by."""

    def contracts(self) -> tuple[Contract, Contract, Contract]:
        first = Contract("Empire Widgets", EXTENDED, date(2026, 1, 1), date(2026, 7, 1))
        second = Contract(
            "Empire Widgets", EXTENDED, date(2026, 7, 1), date(2027, 1, 1), calendar=EMPIRE_HOURS
        )
        overlapping = Contract("Empire Widgets", EXTENDED, date(2026, 6, 1), date(2027, 1, 1))
        return first, second, overlapping

    def test_customer_and_term_pick_the_contract(self) -> None:
        """The customer's contract whose term covers the opening; the first given when several do."""
        first, second, overlapping = self.contracts()
        book = ContractBook([first, second, overlapping])
        assert book.find("Empire Widgets", zh(2026, 3, 2, 9)) is first
        assert book.find(" Empire Widgets ", ny(2026, 7, 2, 16, 30)) is second
        assert book.find("Empire Widgets", zh(2026, 6, 15, 9)) is first  # first of two covering
        assert book.find("Empire Widgets", zh(2027, 1, 4, 9)) is None  # after every term
        assert book.find("Someone Else", zh(2026, 3, 2, 9)) is None
        assert book.find(None, zh(2026, 3, 2, 9)) is None
        assert book.find("Empire Widgets", None) is None

    def test_plan_for(self) -> None:
        """The contract's effective plan judges, the default plan otherwise."""
        first, second, _ = self.contracts()
        book = ContractBook([first, second])
        assert book.plan_for("Empire Widgets", ny(2026, 7, 2, 16, 30), EXTENDED) is second.plan
        assert second.plan is not EXTENDED
        assert book.plan_for("Someone Else", ny(2026, 7, 2, 16, 30), EXTENDED) is EXTENDED
        assert not ContractBook()
        assert ContractBook.customer_key(42) == "42"
        assert ContractBook.customer_key(True) is None


class TestTermByInstant:
    """A term runs from midnight to midnight in the contract's zone; the offset a ticket is written in does not matter."""

    def empire(self) -> Contract:
        return Contract(
            "Empire Widgets", EXTENDED, date(2026, 1, 1), date(2027, 1, 1), calendar=EMPIRE_HOURS
        )

    def test_the_contracts_own_calendar_zone(self) -> None:
        """Empire's term ends at midnight New York time (05:00 UTC, 06:00 in Zurich), however a ticket is written."""
        empire = self.empire()
        assert empire.zone == NEW_YORK
        # 31 Dec 23:30 in New York is 1 Jan 05:30 in Zurich: in the term either way
        assert empire.covers(ny(2026, 12, 31, 23, 30))
        assert empire.covers(zh(2027, 1, 1, 5, 30))
        # 1 Jan 00:30 New York = 06:30 Zurich: after the term either way
        assert not empire.covers(ny(2027, 1, 1, 0, 30))
        assert not empire.covers(zh(2027, 1, 1, 6, 30))
        # the first second of the term, and the one before it (1 Jan 2026 05:59:59 in Zurich)
        assert empire.covers(zh(2026, 1, 1, 6))
        assert not empire.covers(zh(2026, 1, 1, 5, 59, 59))

    def test_time_zone_then_calendar_then_the_plans_zone(self) -> None:
        """timezone= comes first, then calendar= (a mapping: its first calendar), then the policy's support calendar."""
        tokyo = Contract(
            "T",
            EXTENDED,
            date(2026, 1, 1),
            date(2027, 1, 1),
            timezone="Asia/Tokyo",
            calendar=EMPIRE_HOURS,
        )
        assert tokyo.zone == ZoneInfo("Asia/Tokyo")
        mapped = Contract(
            "M", EXTENDED, date(2026, 1, 1), date(2027, 1, 1), calendar={"extended": EMPIRE_HOURS}
        )
        assert mapped.zone == NEW_YORK
        plain = Contract("P", EXTENDED, date(2026, 1, 1), date(2027, 1, 1))
        assert plain.zone == ZURICH  # zitadel-2023's calendars are Swiss time
        family = Contract(
            "F", load_policy("zitadel").plan("extended"), date(2026, 1, 1), date(2027, 1, 1)
        )
        assert family.zone == ZURICH
        # 31 Dec 23:30 in Zurich, written in UTC and in Auckland (already 1 Jan 11:30 there)
        for written in (
            zh(2026, 12, 31, 23, 30),
            datetime(2026, 12, 31, 22, 30, tzinfo=UTC),
            datetime(2027, 1, 1, 11, 30, tzinfo=ZoneInfo("Pacific/Auckland")),
        ):
            assert plain.covers(written)

    def test_credits_count_a_ticket_written_in_another_offset(self) -> None:
        """A ticket opened 31 Dec 23:30 in New York, written in Zurich time, earns credits in Empire's term."""
        empire = self.empire()
        opened = ny(2026, 12, 31, 23, 30).astimezone(ZURICH)  # 2027-01-01 05:30+01:00
        ticket = Ticket("E-2", opened, 2, responded_at=ny(2027, 1, 4, 12))
        credits = empire.credits([ticket], now=NOW.replace(year=2027, month=2))
        # New York hours: New Year's Day closed, the weekend; Mon 4 Jan 09:00 + 2 h = 11:00;
        # answered 12:00: 60 min late, 4 started quarter hours
        assert [t.ticket_id for t in credits.tickets] == ["E-2"]
        assert credits.days == 4

    @given(
        delta=st.integers(-30 * 3600, 30 * 3600),
        offsets=st.lists(st.integers(-(24 * 60 - 1), 24 * 60 - 1), min_size=1, max_size=6),
    )
    def test_any_offset_gives_the_same_term(self, delta: int, offsets: list[int]) -> None:
        """Around the term's end (1 Jan 2027 00:00 New York = 05:00 UTC), only the instant decides."""
        empire = self.empire()
        end = datetime(2027, 1, 1, 5, tzinfo=UTC)
        instant = end + timedelta(seconds=delta)
        seen = {empire.covers(instant.astimezone(timezone(timedelta(minutes=m)))) for m in offsets}
        assert seen == {instant < end}
        book = ContractBook([empire])
        found = {
            book.find("Empire Widgets", instant.astimezone(timezone(timedelta(minutes=m))))
            for m in offsets
        }
        assert found == {empire if instant < end else None}
