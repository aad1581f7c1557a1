"""``slacalc.plotting``: the figures draw what their titles say, and save in a headless backend."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")  # headless, whatever the environment says

from matplotlib.figure import Figure  # noqa: E402

from slacalc.exceptions import SlacalcError, TicketError, UnknownFrequencyError  # noqa: E402
from slacalc.pandas import evaluate_frame  # noqa: E402
from slacalc.plotting import plot_attainment, plot_credits, plot_response_times  # noqa: E402

NOW = datetime(2026, 4, 1, tzinfo=ZoneInfo("Europe/Zurich"))
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def outcomes() -> Any:
    """Twelve tickets over two months on zitadel-2023 / extended, three customers, one community ticket."""
    rows = [
        # id, customer, severity, opened, responded (all +01:00 / +02:00 wall times in Zurich)
        ("A1", "acme", 1, "2026-02-02T09:00:00+01:00", "2026-02-02T09:30:00+01:00"),  # met
        (
            "A2",
            "acme",
            1,
            "2026-02-03T09:00:00+01:00",
            "2026-02-03T10:20:00+01:00",
        ),  # 20 min late: 2 days
        ("A3", "acme", 2, "2026-02-04T09:00:00+01:00", "2026-02-04T10:00:00+01:00"),  # met
        (
            "G1",
            "globex",
            2,
            "2026-02-05T09:00:00+01:00",
            "2026-02-05T11:01:00+01:00",
        ),  # 1 min late: 1 day
        ("G2", "globex", 3, "2026-02-06T09:00:00+01:00", "2026-02-06T12:00:00+01:00"),  # met
        ("G3", "globex", 4, "2026-03-02T09:00:00+01:00", "2026-03-02T12:00:00+01:00"),  # met
        (
            "I1",
            "initech",
            1,
            "2026-03-03T09:00:00+01:00",
            "2026-03-03T11:00:00+01:00",
        ),  # 60 min late: 4 days
        ("I2", "initech", 3, "2026-03-04T09:00:00+01:00", "2026-03-04T10:00:00+01:00"),  # met
        ("I3", "initech", 2, "2026-03-05T09:00:00+01:00", "2026-03-05T09:05:00+01:00"),  # met
        ("I4", "initech", 4, "2026-03-31T18:00:00+02:00", ""),  # pending at NOW
        ("A4", "acme", 3, "2026-03-06T09:00:00+01:00", "2026-03-06T09:10:00+01:00"),  # met
        ("C1", "acme", 1, "2026-03-09T09:00:00+01:00", "2026-03-10T09:00:00+01:00"),  # community
    ]
    frame = pd.DataFrame(rows, columns=["id", "customer", "severity", "opened_at", "responded_at"])
    frame["channel"] = ["ticket"] * 11 + ["community"]
    return evaluate_frame(frame, "zitadel-2023", "extended", now=NOW)


def _saved(figure: Figure, tmp_path: Path, name: str) -> bytes:
    path = tmp_path / f"{name}.png"
    figure.savefig(path)
    data = path.read_bytes()
    assert data.startswith(PNG)
    assert len(data) > 5_000  # a real picture, not an empty canvas
    return data


class TestAttainmentPlot:
    def test_lines_per_severity_and_goal(self, outcomes: Any, tmp_path: Path) -> None:
        """One line per severity over the months, and a dashed goal line at 95 %."""
        figure = plot_attainment(outcomes)
        axes = figure.axes[0]
        assert axes.get_title() == "Initial response: objectives met per severity, by month"
        assert axes.get_xlabel() == "month the ticket was opened"
        assert "objectives met" in axes.get_ylabel()
        labels = [line.get_label() for line in axes.get_lines()]
        assert labels == ["severity 1", "severity 2", "severity 3", "severity 4", "goal 95%"]
        sev1 = axes.get_lines()[0]
        # Severity 1: February 1 of 2 met; March 0 of 1 met (I1)
        assert list(sev1.get_ydata()) == [0.5, 0.0]
        goal = axes.get_lines()[-1]
        assert list(goal.get_ydata()) == [0.95, 0.95]
        assert [t.get_text() for t in axes.get_xticklabels()] == ["2026-02", "2026-03"]
        assert list(sev1.get_xdata()) == [
            pd.Period("2026-02", "M").ordinal,
            pd.Period("2026-03", "M").ordinal,
        ]
        _saved(figure, tmp_path, "attainment")

    def test_no_goal_and_own_axes(self, outcomes: Any, tmp_path: Path) -> None:
        """goal=None draws no goal line; ax= draws into a given axes and returns its figure."""
        figure = Figure()
        axes = figure.add_subplot()
        assert plot_attainment(outcomes, goal=None, ax=axes, freq="Q") is figure
        assert all(not line.get_label().startswith("goal") for line in axes.get_lines())
        assert axes.get_xlabel() == "quarter the ticket was opened"
        _saved(figure, tmp_path, "attainment-q")


def judged(rows: list[tuple[str, str, str]]) -> Any:
    """An outcomes frame from (opened in Zurich, class, status) rows, as evaluate_frame shapes it."""
    zurich = "Europe/Zurich"
    frame = pd.DataFrame(rows, columns=["opened_at", "class", "status"])
    frame["opened_at"] = pd.to_datetime(frame["opened_at"]).dt.tz_localize(zurich)
    frame["due_at"] = frame["opened_at"]
    frame["credit_days"] = pd.array([0] * len(frame), dtype="Int64")
    return frame


def shares(month: str, cls: str, met: int, breached: int) -> list[tuple[str, str, str]]:
    """*met* + *breached* tickets of class *cls* opened on the 2nd of *month*."""
    return [(f"{month}-02 10:00", cls, "met")] * met + [
        (f"{month}-02 11:00", cls, "breached")
    ] * breached


class TestAttainmentAxes:
    """The share axis is zoomed to the data; the time axis keeps empty periods as gaps (issue 11)."""

    def high(self) -> Any:
        """Class 1: January 9 of 10 met (90 %), February 17 of 20 (85 %); class 2: January 4 of 4 (100 %)."""
        return judged(
            shares("2026-01", "1", 9, 1)
            + shares("2026-02", "1", 17, 3)
            + shares("2026-01", "2", 4, 0)
        )

    def test_zoomed_to_the_data_and_the_goal(self) -> None:
        """Lowest share 85 %, goal 95 %: the axis runs from 80 % (2 points below, down to a 5 % step) to 100 %.

        A little room is left at both ends (4 % of the 20-point extent = 0.8 points),
        so markers on 80 % or 100 % are drawn whole; ticks fall on 5 % steps.
        """
        axes = plot_attainment(self.high(), goal=0.95).axes[0]
        bottom, top = axes.get_ylim()
        assert bottom == pytest.approx(0.80 - 0.2 * 0.04)
        assert top == pytest.approx(1.0 + 0.2 * 0.04)
        assert list(axes.get_lines()[0].get_ydata()) == pytest.approx([0.9, 0.85])
        ticks = [t for t in axes.get_yticks() if bottom <= t <= top]
        assert ticks == pytest.approx([0.80, 0.85, 0.90, 0.95, 1.0])
        assert [t.get_text() for t in axes.get_yticklabels() if bottom <= t.get_position()[1] <= top] == [
            "80%", "85%", "90%", "95%", "100%",
        ]  # fmt: skip

    def test_goal_below_the_data_stays_visible(self) -> None:
        """A goal of 70 % under data of 85-100 %: the axis goes down to 65 % so the goal line shows."""
        axes = plot_attainment(self.high(), goal=0.70).axes[0]
        bottom, top = axes.get_ylim()
        goal = axes.get_lines()[-1]
        assert goal.get_label() == "goal 70%"
        assert bottom < 0.70 < top
        assert bottom == pytest.approx(0.65 - 0.35 * 0.04)

    def test_data_near_zero_uses_the_whole_axis(self, outcomes: Any) -> None:
        """Severity 1 at 0 % in March: the axis starts at 0 %, with room for the marker."""
        bottom, top = plot_attainment(outcomes).axes[0].get_ylim()
        assert bottom == pytest.approx(-0.04)
        assert top == pytest.approx(1.04)

    def test_months_without_tickets_are_gaps(self) -> None:
        """Tickets in May and October only: June to September keep their place on the axis, shaded, with no line across."""
        frame = judged(shares("2026-05", "1", 3, 1) + shares("2026-10", "1", 1, 1))
        axes = plot_attainment(frame).axes[0]
        line = axes.get_lines()[0]
        xs, ys = list(line.get_xdata()), list(line.get_ydata())
        may, october = pd.Period("2026-05", "M").ordinal, pd.Period("2026-10", "M").ordinal
        assert xs == list(range(may, october + 1))  # one place per month, five months apart
        assert ys[0] == 0.75
        assert ys[-1] == 0.5
        assert all(np.isnan(ys[1:-1]))  # matplotlib draws no segment through NaN
        assert [t.get_text() for t in axes.get_xticklabels()] == [
            "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
        ]  # fmt: skip
        shaded = [p for p in axes.patches if p.get_alpha() == 0.05]
        assert len(shaded) == 4  # June, July, August, September
        assert "no tickets that month" in [line.get_label() for line in axes.get_lines()]

    def test_a_period_without_verdict_is_a_gap_in_its_line(self) -> None:
        """Class 1 has only pending tickets in February: its line breaks there, class 2's does not."""
        frame = judged(
            [
                *shares("2026-01", "1", 1, 0),
                ("2026-02-02 10:00", "1", "pending"),
                *shares("2026-03", "1", 1, 1),
                *shares("2026-01", "2", 1, 0),
                *shares("2026-02", "2", 1, 0),
                *shares("2026-03", "2", 1, 0),
            ]
        )
        one, two = plot_attainment(frame, goal=None).axes[0].get_lines()[:2]
        assert np.isnan(one.get_ydata()[1])
        assert list(two.get_ydata()) == [1.0, 1.0, 1.0]

    @pytest.mark.parametrize(
        ("new", "old", "word"),
        [
            ("ME", "M", "month"),
            ("QE", "Q", "quarter"),
            ("YE", "Y", "year"),
            ("W", "W", "week"),
            ("D", "D", "day"),
        ],
    )
    def test_current_and_old_pandas_aliases(
        self, outcomes: Any, new: str, old: str, word: str
    ) -> None:
        """pandas' current offset aliases (ME, QE, YE) draw what the old ones (M, Q, Y) draw."""
        a = plot_attainment(outcomes, freq=new).axes[0]
        b = plot_attainment(outcomes, freq=old).axes[0]
        assert a.get_xlabel().startswith(f"{word} the ticket was opened")
        assert [line.get_label() for line in a.get_lines()] == [
            line.get_label() for line in b.get_lines()
        ]
        np.testing.assert_equal(  # NaN where a period has no verdict, in both
            [line.get_ydata() for line in a.get_lines()],
            [line.get_ydata() for line in b.get_lines()],
        )

    def test_unknown_alias_is_a_clear_error(self, outcomes: Any) -> None:
        """An alias that is no period is refused with a slacalc error naming it and the accepted ones."""
        with pytest.raises(
            UnknownFrequencyError, match=r"freq: unknown period 'H'.*ME or M \(month\)"
        ) as info:
            plot_attainment(outcomes, freq="H")
        assert isinstance(info.value, SlacalcError)
        assert isinstance(info.value, ValueError)


class TestResponseTimes:
    def test_one_panel_per_severity_with_objective(self, outcomes: Any, tmp_path: Path) -> None:
        """Panels for severities 1-4, each marking its objective (1, 2, 12, 24 business hours)."""
        figure = plot_response_times(outcomes)
        assert (
            figure.get_suptitle()
            == "Business time to initial response (clock stopped; objective dashed)"
        )  # type: ignore[attr-defined]
        panels = figure.axes
        assert [p.get_title() for p in panels] == [
            "severity 1: 3 tickets, 2 late",
            "severity 2: 3 tickets, 1 late",
            "severity 3: 3 tickets, 0 late",
            "severity 4: 1 ticket, 0 late",  # one ticket: the noun in the singular
        ]
        objectives = [p.get_lines()[0].get_xdata()[0] for p in panels]
        assert objectives == [1, 2, 12, 24]
        assert all(p.get_xlabel() == "business hours" for p in panels)
        assert panels[0].get_ylabel() == "tickets"
        # the bars hold every stopped ticket of the panel
        assert sum(bar.get_height() for bar in panels[0].patches) == 3
        _saved(figure, tmp_path, "response-times")

    def test_panels_in_the_policys_order(self) -> None:
        """freistilbox's panels run urgent, high, normal, low: most severe first, as the policy lists them."""
        frame = pd.DataFrame(
            {
                "opened_at": ["2026-03-02T09:00:00+01:00"] * 4,
                "severity": ["low", "normal", "urgent", "high"],
                "responded_at": ["2026-03-02T09:10:00+01:00"] * 4,
            }
        )
        figure = plot_response_times(evaluate_frame(frame, "freistilbox", "standard", now=NOW))
        assert [p.get_title().split(":")[0] for p in figure.axes] == [
            "severity urgent", "severity high", "severity normal", "severity low",
        ]  # fmt: skip

    def test_nothing_stopped(self, outcomes: Any, tmp_path: Path) -> None:
        """A frame where no clock has stopped says so instead of failing."""
        figure = plot_response_times(outcomes[outcomes["stopped_at"].isna()])
        assert "no ticket" in figure.axes[0].texts[0].get_text()
        figure.savefig(tmp_path / "empty.png")


class TestCredits:
    def test_bars_per_customer_largest_first(self, outcomes: Any, tmp_path: Path) -> None:
        """initech 4 days, acme 2, globex 1: bars from the top in that order, values written on them."""
        figure = plot_credits(outcomes)
        axes = figure.axes[0]
        assert axes.get_title() == "Service credit days owed per customer"
        assert axes.get_xlabel() == "credit days (days added to the term)"
        names = [t.get_text() for t in axes.get_yticklabels()]
        assert names == ["globex", "acme", "initech"]  # barh draws bottom-up
        assert [bar.get_width() for bar in axes.patches] == [1, 2, 4]
        _saved(figure, tmp_path, "credits")

    def test_top_and_other_column(self, outcomes: Any) -> None:
        """top= keeps the largest; by= totals by another column (here the severity class)."""
        axes = plot_credits(outcomes, by="class", top=1).axes[0]
        assert axes.get_title() == "Service credit days owed per class (top 1)"
        assert [bar.get_width() for bar in axes.patches] == [6]  # severity 1: 2 + 4

    def test_no_credits(self, outcomes: Any, tmp_path: Path) -> None:
        """Without credits the plot says so."""
        figure = plot_credits(outcomes[outcomes["credit_days"] == 0])
        assert figure.axes[0].texts[0].get_text() == "no credits owed"
        figure.savefig(tmp_path / "none.png")

    def test_missing_column(self, outcomes: Any) -> None:
        """Asking for a column the frame lacks names it."""
        with pytest.raises(TicketError, match="no column 'region'"):
            plot_credits(outcomes, by="region")
