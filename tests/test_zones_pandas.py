"""``tz=`` on the frame functions of ``slacalc.pandas``, in the repeated autumn hour (issue 8 item 4).

A pandas ``Timestamp`` in the repeated hour behaves like a ``datetime``: it
never equals the same instant written in UTC. ``evaluate_frame(..., tz="UTC")``
gives instant columns that do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

pd = pytest.importorskip("pandas")

from slacalc import Ticket  # noqa: E402
from slacalc._policies.files import read_policy  # noqa: E402
from slacalc.exceptions import UnknownTimeZoneError  # noqa: E402
from slacalc.pandas import attainment, evaluate_frame, what_if  # noqa: E402
from test_zones import REPEATED, policy_text  # noqa: E402

NOW = "2026-12-01T00:00:00+00:00"


def frame(instant: datetime) -> object:
    """Two tickets due at *instant* (1 hour after opening): one answered 10 minutes late, one on time."""
    opened = (instant - timedelta(hours=1)).isoformat()
    return pd.DataFrame(
        {
            "id": ["late", "on-time"],
            "opened_at": [opened, opened],
            "severity": ["1", "2"],
            "responded_at": [
                (instant + timedelta(minutes=10)).isoformat(),
                (instant - timedelta(minutes=1)).isoformat(),
            ],
        }
    )


class TestEvaluateFrame:
    @pytest.mark.parametrize(("zone", "instant"), REPEATED)
    def test_trap_and_remedy(self, zone: str, instant: datetime) -> None:
        """Default zone: due_at never equals the UTC instant; tz="UTC": it does, row by row."""
        plan = read_policy(policy_text(zone)).plan("gold")
        default = evaluate_frame(frame(instant), plan=plan, now=NOW)
        in_utc = evaluate_frame(frame(instant), plan=plan, now=NOW, tz="UTC")
        assert str(default["due_at"].dtype) == f"datetime64[us, {zone}]"
        assert str(in_utc["due_at"].dtype) == "datetime64[us, UTC]"
        local = default["due_at"].iloc[0]
        assert local.fold == 1 and local != instant and local.tz_convert("UTC") == instant
        assert in_utc["due_at"].iloc[0] == instant
        assert in_utc["due_at"].iloc[0].to_pydatetime() == instant
        assert in_utc["stopped_at"].iloc[0] == instant + timedelta(minutes=10)
        assert list(in_utc["status"]) == list(default["status"]) == ["breached", "met"]
        # the same instants as plan.evaluate(..., tz="UTC") gives
        ticket = Ticket(
            "late",
            instant - timedelta(hours=1),
            1,
            responded_at=instant + timedelta(minutes=10),
        )
        outcome = plan.evaluate(ticket, now=datetime.fromisoformat(NOW), tz="UTC").initial_response
        assert in_utc["due_at"].iloc[0].to_pydatetime() == outcome.due_at
        assert in_utc["stopped_at"].iloc[0].to_pydatetime() == outcome.stopped_at

    @pytest.mark.parametrize("tz", [ZoneInfo("UTC"), UTC, timezone(timedelta(hours=5, minutes=30))])
    def test_tzinfo(self, tz: timezone) -> None:
        """tz may be a tzinfo; attainment then reads periods in that zone too."""
        zone, instant = REPEATED[0].values
        plan = read_policy(policy_text(str(zone))).plan("gold")
        out = evaluate_frame(frame(instant), plan=plan, now=NOW, tz=tz)  # type: ignore[arg-type]
        due = out["due_at"].iloc[0]
        assert due == instant and due.utcoffset() == tz.utcoffset(None)
        table = attainment(out, by=None, freq="M", on="due_at")
        assert list(table["tickets"]) == [2]

    def test_what_if(self) -> None:
        """what_if passes tz to every plan's columns."""
        zone, instant = REPEATED[1].values
        policy = read_policy(policy_text(str(zone)))
        out = what_if(frame(instant), policy, ["gold"], now=NOW, tz="UTC")
        assert out["gold.due_at"].iloc[0] == instant

    @pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "", 7])
    def test_bad_zone(self, bad: object) -> None:
        """An unknown zone is an UnknownTimeZoneError naming tz, never pandas' KeyError."""
        zone, instant = REPEATED[2].values
        plan = read_policy(policy_text(str(zone))).plan("gold")
        with pytest.raises(UnknownTimeZoneError, match=r"^tz: unknown time zone"):
            evaluate_frame(frame(instant), plan=plan, now=NOW, tz=bad)  # type: ignore[arg-type]
        out = evaluate_frame(frame(instant), plan=plan, now=NOW)
        with pytest.raises(UnknownTimeZoneError, match=r"^tz: unknown time zone"):
            attainment(out, tz=bad)  # type: ignore[arg-type]
