"""The HTML report: one self-contained page from evaluated tickets (``slacalc report``).

The page holds the attainment table, the plots (PNG, base64-embedded), the
breached tickets and the credits owed, with inline styles and no external
reference, so it opens offline in any browser and can be mailed as is.

pandas and matplotlib (the ``plot`` extra) are imported only when a page is
rendered.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import UTC, datetime
from typing import Any

__all__ = ["BREACHED_SHOWN", "render_report"]

#: Breached tickets listed in full; more are counted, not listed.
BREACHED_SHOWN = 500

# ---------------------------------------------------------------------- HTML

_STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a;
       margin: 0 auto; max-width: 1180px; padding: 24px 32px 64px; }
h1 { font-size: 26px; margin-bottom: 4px; }
h2 { font-size: 20px; margin-top: 36px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #555; margin-top: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 10px 16px; min-width: 120px; }
.card b { display: block; font-size: 22px; }
.card.bad b { color: #b2182b; }
table { border-collapse: collapse; margin: 8px 0 4px; font-size: 14px; }
th, td { border-bottom: 1px solid #e5e5e5; padding: 4px 10px; text-align: right; white-space: nowrap; }
th { background: #f4f4f4; }
td.text, th.text { text-align: left; }
td.text { white-space: normal; }
td.low { color: #b2182b; font-weight: 600; }
figure { margin: 16px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 13px; }
.note { color: #555; font-size: 13px; }
"""


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _when(value: Any) -> str:
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    text: str = value.strftime("%Y-%m-%d %H:%M")
    if value.second or value.microsecond:
        text += value.strftime(":%S")
    offset = value.strftime("%z")
    return f"{text} {offset[:3]}:{offset[3:]}"


def _span(value: Any) -> str:
    """``19 h 0 min 44 s``: a duration to the second, for reading (the data keep microseconds)."""
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    seconds = int(value // pd.Timedelta(seconds=1))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    if hours or minutes:
        parts.append(f"{minutes} min")
    if secs or not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)


def _figure_png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="">'


def _table(
    header: list[str],
    rows: list[list[str]],
    text_columns: int = 1,
    classes: list[list[str]] | None = None,
) -> str:
    head = "".join(
        f'<th class="text">{_e(h)}</th>' if i < text_columns else f"<th>{_e(h)}</th>"
        for i, h in enumerate(header)
    )
    body = []
    for r, row in enumerate(rows):
        cells = []
        for i, cell in enumerate(row):
            cls = ["text"] if i < text_columns else []
            if classes is not None and classes[r][i]:
                cls.append(classes[r][i])
            attr = f' class="{" ".join(cls)}"' if cls else ""
            cells.append(f"<td{attr}>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render_report(
    outcomes: Any,
    bad: list[tuple[int, str | None, str]],
    *,
    policy: str,
    plan: str,
    metric: str,
    now: datetime,
    by: str = "customer",
    freq: str = "M",
    goal: float | None = 0.95,
    title: str | None = None,
    source: str = "",
) -> str:
    """The HTML page for evaluated *outcomes* and the *bad* rows (line, column, message)."""
    import pandas as pd

    from slacalc._analysis.frames import attainment
    from slacalc._analysis.plots import plot_attainment, plot_credits, plot_response_times

    what = metric.replace("_", " ")
    title = title or f"Support report: {policy} / {plan}"
    statuses = outcomes["status"].value_counts()
    met, breached = int(statuses.get("met", 0)), int(statuses.get("breached", 0))
    share = f"{met / (met + breached):.1%}" if met + breached else "n/a"
    credits_total = int(outcomes["credit_days"].sum())
    cards = [
        ("tickets", f"{len(outcomes):,}", ""),
        ("objectives met", share, ""),
        ("met", f"{met:,}", ""),
        ("breached", f"{breached:,}", "bad" if breached else ""),
        ("pending", f"{int(statuses.get('pending', 0)):,}", ""),
        ("not applicable", f"{int(statuses.get('not_applicable', 0)):,}", ""),
        ("credit days owed", f"{credits_total:,}", "bad" if credits_total else ""),
        ("bad rows", f"{len({b[0] for b in bad}):,}", "bad" if bad else ""),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(what.capitalize())} objectives of plan <b>{_e(plan)}</b> '
        f"({_e(policy)}), tickets from {_e(source or 'the input')}, evaluated as of "
        f"{_e(_when(pd.Timestamp(now)))}.</p>",
        '<div class="cards" id="summary">'
        + "".join(
            f'<div class="card {cls}"><b>{_e(value)}</b>{_e(label)}</div>'
            for label, value, cls in cards
        )
        + "</div>",
    ]

    # attainment table
    valid = outcomes[outcomes["status"] != "invalid"]
    parts.append(f"<h2>Attainment per severity and {_period_word(freq)}</h2>")
    if len(valid):
        table = attainment(valid, by="class", freq=freq).reset_index()
        rows, marks = [], []
        for record in table.to_dict("records"):
            value = record["attainment"]
            low = goal is not None and not pd.isna(value) and value < goal
            rows.append(
                [
                    _e("no objective (channel)" if pd.isna(record["class"]) else record["class"]),
                    _e(record["period"]),
                    *(
                        f"{int(record[c]):,}"
                        for c in ("tickets", "met", "breached", "pending", "not_applicable")
                    ),
                    "" if pd.isna(value) else f"{value:.1%}",
                    f"{int(record['credit_days']):,}",
                ]
            )
            marks.append(["", "", "", "", "", "", "", "low" if low else "", ""])
        parts.append(
            '<div id="attainment">'
            + _table(
                [
                    "severity",
                    "period",
                    "tickets",
                    "met",
                    "breached",
                    "pending",
                    "not applicable",
                    "met ÷ judged",
                    "credit days",
                ],
                rows,
                text_columns=2,
                classes=marks,
            )
            + "</div>"
        )
        parts.append(
            '<p class="note">Met ÷ judged counts the tickets whose objective was met among those '
            "met or breached; pending and not-applicable tickets have no verdict yet."
            + (f" Shares under the {goal:.0%} goal are marked." if goal is not None else "")
            + "</p>"
        )
    else:
        parts.append('<p class="note">No ticket could be evaluated.</p>')

    # plots
    parts.append("<h2>Plots</h2>")
    credit_by = by if by in outcomes.columns else "class"
    figures = []
    if len(valid):
        figures = [
            (
                plot_attainment(valid, goal=goal, freq=freq),
                f"Share of {what} objectives met per severity and {_period_word(freq)}.",
            ),
            (
                plot_response_times(valid),
                f"Business time to {what} per severity, with the objective dashed.",
            ),
            (
                plot_credits(valid, by=credit_by),
                f"Credit days owed per {'severity' if credit_by == 'class' else credit_by}.",
            ),
        ]
    for figure, caption in figures:
        parts.append(
            f'<figure class="plot">{_figure_png(figure)}<figcaption>{_e(caption)}</figcaption></figure>'
        )

    # breached tickets
    breached_rows = valid[valid["status"] == "breached"]
    parts.append(f"<h2>Breached tickets ({len(breached_rows):,})</h2>")
    if len(breached_rows):
        ordered = breached_rows.sort_values(["credit_days", "late_by"], ascending=False)
        shown = ordered.head(BREACHED_SHOWN)
        id_col = "id" if "id" in shown.columns else None
        rows = [
            [
                _e(record[id_col] if id_col else label),
                _e(record.get(credit_by, "") if credit_by != "class" else ""),
                _e(record["class"]),
                _e(_when(record["due_at"])),
                _e(_when(record["stopped_at"]) or "no answer yet"),
                _e(_span(record["late_by"])),
                f"{int(record['credit_days']):,}",
            ]
            for label, record in zip(shown.index, shown.to_dict("records"), strict=True)
        ]
        header = [
            "ticket",
            credit_by if credit_by != "class" else "",
            "severity",
            "due",
            "answered",
            "late by",
            "credit days",
        ]
        parts.append('<div id="breached">' + _table(header, rows, text_columns=2) + "</div>")
        if len(ordered) > BREACHED_SHOWN:
            parts.append(
                f'<p class="note">The {BREACHED_SHOWN} with the most credit days are listed; {len(ordered) - BREACHED_SHOWN:,} more are not.</p>'
            )
    else:
        parts.append('<p class="note">None.</p>')

    # credits owed
    parts.append("<h2>Credits owed</h2>")
    owed = valid[valid["credit_days"] > 0]
    if len(owed):
        grouped = (
            owed.groupby(credit_by, dropna=False, sort=False)
            .agg(tickets=("credit_days", "size"), days=("credit_days", "sum"))
            .sort_values("days", ascending=False)
        )
        rows = [
            [_e(name), f"{int(r.tickets):,}", f"{int(r.days):,}"] for name, r in grouped.iterrows()
        ]
        rows.append(
            ["<b>total</b>", f"<b>{len(owed):,}</b>", f"<b>{int(owed['credit_days'].sum()):,}</b>"]
        )
        label = "severity" if credit_by == "class" else credit_by
        parts.append(
            '<div id="credits">'
            + _table([label, "tickets with credits", "credit days"], rows)
            + "</div>"
        )
        parts.append(
            '<p class="note">Credit days extend the customer\'s current term (per-term caps, if the policy has any, are not applied here).</p>'
        )
    else:
        parts.append('<p class="note">No credits owed.</p>')

    # bad rows
    if bad:
        parts.append(f"<h2>Rows that could not be evaluated ({len({b[0] for b in bad}):,})</h2>")
        rows = [[f"{line}", _e(column or ""), _e(message)] for line, column, message in bad]
        parts.append(
            '<div id="bad">'
            + _table(["line", "column", "problem"], rows, text_columns=3)
            + "</div>"
        )

    from importlib.metadata import version

    parts.append(
        f'<p class="note">Generated by slacalc {_e(version("slacalc"))} at '
        f"{_e(datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC'))}. Durations are business time on "
        "the target's calendar unless the policy says otherwise.</p></body></html>"
    )
    return "\n".join(parts)


def _period_word(freq: str) -> str:
    return {"M": "month", "Q": "quarter", "W": "week", "D": "day", "Y": "year"}.get(
        freq[:1].upper(), "period"
    )
