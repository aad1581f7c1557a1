"""The ``frappe`` source: Frappe Helpdesk HD Tickets with communications, comments and activity log.

One HD Ticket per record, as Helpdesk's ticket API returns it
(``helpdesk.helpdesk.doctype.hd_ticket.api.get_one``: the ticket's fields
with ``communications``, ``comments`` and ``history``), or the REST
resource (``GET /api/resource/HD Ticket/{name}``, pages ``{"data": [...]}``)
with those lists added.

- opened: ``opening_date`` + ``opening_time`` (else ``creation``); Frappe
  writes datetimes without an offset in the site's time zone, which the
  mapping must name (``options.timezone``);
- statuses and priorities: the activity log (``history``: HD Ticket Activity
  entries, ``action`` "set status to Replied", "set priority to High", at
  ``creation``); the activity log names the new value only, so the value at
  opening comes from the document's Version log when the record has it
  (``versions``: Version entries whose ``data`` lists ``changed`` as
  ``[field, old, new]``), else from the ticket's own field when the log shows
  no change. A status change without versions starts from ``Open`` (the
  status Helpdesk gives a new ticket, ``defaults.status``); a priority change
  without versions makes the record a bad one rather than a guess;
- communications: ``sent_or_received`` ``Received`` is the customer's,
  ``Sent`` the agent's (emails: public); ``comments`` (HD Ticket Comment) are
  internal notes;
- channel: ``portal`` when ``via_customer_portal``, else the first
  communication's ``communication_medium``; customer: ``customer``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import tzinfo
from typing import IO, Any

from slacalc._files.sources._core import (
    Draft,
    Mapping,
    RecordError,
    Tally,
    instant,
    zone_option,
)
from slacalc._files.sources.jsonstream import ticket_records
from slacalc.exceptions import SourceError

__all__ = ["read_frappe"]


def read_frappe(
    stream: IO[str],
    fmt: str,
    mapping: Mapping,
    tally: Tally,
    order: str | None = None,
    first_line: int = 1,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, ticket)`` or ``(line, BadRecord)`` for every HD Ticket of a Frappe export."""
    zone = zone_option(mapping)
    if zone is None:
        msg = (
            f"mapping {mapping.origin}: options.timezone is empty; Frappe writes datetimes "
            "without an offset in the site's time zone (System Settings > Time Zone): name it "
            'in a mapping of your own, e.g. [options] timezone = "Europe/Berlin"'
        )
        raise SourceError(msg)

    def build(record: dict[str, Any], m: Mapping, t: Tally) -> Draft:
        return _ticket(record, m, t, zone)

    return ticket_records(
        stream, fmt, ("data", "message"), build, mapping, tally, "name", first_line=first_line
    )


def _changed(versions: Any) -> list[tuple[Any, str, Any, Any]]:
    out = []
    for i, version in enumerate(versions or ()):
        if not isinstance(version, dict):
            raise RecordError(f"versions[{i}]", version, "a Version entry")
        data = version.get("data")
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError:
                raise RecordError(f"versions[{i}].data", data, "Version data as JSON") from None
        for change in (data or {}).get("changed", ()) if isinstance(data, dict) else ():
            if isinstance(change, list) and len(change) == 3:
                out.append((version.get("creation"), str(change[0]), change[1], change[2]))
    return out


def _ticket(record: dict[str, Any], mapping: Mapping, tally: Tally, zone: tzinfo) -> Draft:
    if record.get("opening_date") and record.get("opening_time"):
        opened = instant(
            "opening_date", f"{record['opening_date']} {str(record['opening_time'])[:15]}", zone
        )
    else:
        opened = instant("creation", record.get("creation"), zone)
    draft = Draft(mapping, tally, record.get("name"), opened)
    communications = record.get("communications") or []
    if not isinstance(communications, list):
        raise RecordError("communications", communications, "a list of communications")
    if record.get("via_customer_portal") in (1, True, "1"):
        draft.set_channel("portal")
    elif communications and isinstance(communications[0], dict):
        draft.set_channel(communications[0].get("communication_medium"))
    draft.set_customer(record.get("customer"))

    logged: list[tuple[Any, int, str, str]] = []
    for i, entry in enumerate(record.get("history") or ()):
        if not isinstance(entry, dict):
            raise RecordError(f"history[{i}]", entry, "an HD Ticket Activity entry")
        action = str(entry.get("action") or "")
        for name in ("status", "priority"):
            prefix = f"set {name} to "
            if action.lower().startswith(prefix):
                at = instant(f"history[{i}].creation", entry.get("creation"), zone)
                logged.append((at, i, name, action[len(prefix) :].strip()))
    logged.sort(key=lambda e: (e[0], e[1]))
    before: dict[str, Any] = {}
    for _, name, old, _new in sorted(_changed(record.get("versions")), key=lambda c: str(c[0])):
        before.setdefault(name, old)
    if "status" not in before and any(n == "status" for _, _, n, _ in logged):
        before["status"] = mapping.defaults.get("status", "Open")  # Helpdesk opens tickets Open
    for name in ("priority", "status"):
        if name in before:
            continue
        if any(n == name for _, _, n, _ in logged):
            raise RecordError(
                "versions",
                None,
                f"the ticket's Version log: its activity log shows a {name} change but not the {name} at opening",
            )
        before[name] = record.get(name)
    draft.set_priority(before["priority"])
    draft.status(opened, before["status"])

    timeline: list[tuple[Any, int, Any]] = [(at, 1, (name, value)) for at, _, name, value in logged]
    for i, c in enumerate(communications):
        where = f"communications[{i}]"
        if not isinstance(c, dict):
            raise RecordError(where, c, "a Communication")
        direction = str(c.get("sent_or_received") or "")
        if direction not in ("Sent", "Received"):
            raise RecordError(
                f"{where}.sent_or_received", c.get("sent_or_received"), "Sent or Received"
            )
        at = instant(
            f"{where}.communication_date", c.get("communication_date") or c.get("creation"), zone
        )
        timeline.append((at, 0, ("customer" if direction == "Received" else "agent", True)))
    for i, c in enumerate(record.get("comments") or ()):
        if not isinstance(c, dict):
            raise RecordError(f"comments[{i}]", c, "an HD Ticket Comment")
        at = instant(f"comments[{i}].creation", c.get("creation"), zone)
        timeline.append((at, 0, ("agent", False)))
    timeline.sort(key=lambda t: (t[0], t[1]))
    for at, kind, payload in timeline:
        if kind == 0:
            draft.message(at, *payload)
        elif payload[0] == "status":
            draft.status(at, payload[1])
        else:
            draft.priority(at, payload[1])
    return draft
