"""The sandbox's read-only web page: connections → tables → columns with tags, custom metadata
and announcements, plus recent announcements and the data domains. Everything shown is HTML-escaped; one connection
and one page of tables at a time keeps it fast on big scenarios.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any
from urllib.parse import urlencode

from .domains import domains_listing, domains_of
from .store import Store

TABLES_PER_PAGE = 20
_TABLE_TYPES = ("Table", "View", "MaterialisedView")

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
header{background:#2026d2;color:#fff;padding:12px 24px}header h1{margin:0;font-size:18px}
header p{margin:2px 0 0;opacity:.85;font-size:13px}
.wrap{display:flex;gap:20px;padding:20px 24px;align-items:flex-start}
aside{width:300px;flex:none}main{flex:1;min-width:0}
.card{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:12px 14px;margin-bottom:14px}
.card h2{font-size:15px;margin:0 0 8px}.card h3{font-size:14px;margin:0 0 6px}
a{color:#2026d2;text-decoration:none}a:hover{text-decoration:underline}
ul.plain{list-style:none;margin:0;padding:0}ul.plain li{padding:4px 0;border-bottom:1px solid #eef1f4}
.cur{font-weight:600}.muted{color:#6b7785;font-size:12px}
.chip{display:inline-block;border-radius:10px;padding:0 8px;margin:1px 2px;font-size:12px;background:#e8ebff;color:#1b1f8f}
.chip.prop{background:#f1f1f1;color:#555;border:1px dashed #aaa}
.cm{font-size:12px;color:#334}.cm b{font-weight:600}
.ann{border-left:4px solid #888;padding:4px 8px;margin:6px 0;background:#fafafa;font-size:13px}
.ann.warning{border-color:#e6a700;background:#fff8e1}.ann.issue{border-color:#d64545;background:#fdecec}
.ann.information{border-color:#2f80ed;background:#eaf2fe}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #eef1f4;vertical-align:top}
th{color:#52606d;font-weight:600}form{margin:0 0 12px}input[type=search]{padding:5px 8px;width:260px}
.pager a,.pager span{margin-right:8px}
"""


def _ts(ms: Any) -> str:
    if not ms:
        return ""
    return dt.datetime.fromtimestamp(int(ms) / 1000, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _link(params: dict[str, str], text: str, *, current: bool = False) -> str:
    cls = ' class="cur"' if current else ""
    return f'<a{cls} href="/?{escape(urlencode(params))}">{escape(text)}</a>'


def _tags(store: Store, entity: dict[str, Any]) -> str:
    chips = [
        f'<span class="chip">{escape(store.tag_display_name(t["typeName"]))}</span>' for t in entity["tags"]
    ]
    for t in store.propagated_classifications(entity):
        source = store.get(t["entityGuid"])
        origin = source["attributes"].get("name", "") if source else ""
        chips.append(
            f'<span class="chip prop" title="propagated from {escape(str(origin))}">'
            f"{escape(store.tag_display_name(t['typeName']))}</span>"
        )
    return "".join(chips)


def _cm(store: Store, entity: dict[str, Any]) -> str:
    parts = []
    for set_name, values in store.business_display(entity).items():
        inner = ", ".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in values.items())
        parts.append(f'<div class="cm"><b>{escape(set_name)}</b> — {inner}</div>')
    return "".join(parts)


def _domains(store: Store, qualified_name: str) -> str:
    names = domains_of(store, qualified_name)
    return f'<p class="muted">Domains: {escape(", ".join(names))}</p>' if names else ""


def _announcement(entity: dict[str, Any]) -> str:
    a = entity["attributes"]
    kind = a.get("announcementType")
    if not kind and not a.get("announcementTitle"):
        return ""
    message = (
        f"<div>{escape(str(a.get('announcementMessage')))}</div>" if a.get("announcementMessage") else ""
    )
    kind_class = kind if kind in ("information", "warning", "issue") else ""
    return (
        f'<div class="ann {kind_class}"><b>{escape(str(kind or ""))}: {escape(str(a.get("announcementTitle") or ""))}</b>'
        f'{message}<div class="muted">by {escape(str(a.get("announcementUpdatedBy") or ""))}'
        f" at {escape(_ts(a.get('announcementUpdatedAt')))}</div></div>"
    )


def _recent(store: Store) -> str:
    items = []
    for event in sorted(store.announcement_log, key=lambda e: e.get("at") or 0, reverse=True)[:15]:
        what = (
            f"{escape(str(event.get('announcementType') or ''))}: {escape(str(event.get('announcementTitle') or ''))}"
            if event["action"] == "set"
            else "announcement removed"
        )
        items.append(
            f"<li><b>{escape(str(event.get('name') or ''))}</b> — {what}"
            f'<div class="muted">{escape(event["action"])} by {escape(str(event.get("by") or ""))}'
            f" · {escape(_ts(event.get('at')))}</div></li>"
        )
    body = "".join(items) or '<li class="muted">None yet.</li>'
    return f'<div class="card"><h2>Recent announcements</h2><ul class="plain">{body}</ul></div>'


def _document(title: str, subtitle: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Atlan sandbox — {escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>Atlan sandbox</h1><p>{subtitle}</p></header>{body}</body></html>"
    )


def render_asset(store: Store, guid: str) -> str | None:
    """One asset's page (None: no such asset), as Atlan's /assets/<guid>/overview shows it."""
    with store.lock:
        entity = store.entities.get(guid)
        if entity is None:
            return None
        a = entity["attributes"]
        qn = a["qualifiedName"]
        rows = "".join(
            f"<tr><td>{escape(str(c['attributes'].get('name', '')))}</td><td>{_tags(store, c)}</td>"
            f"<td>{_cm(store, c)}</td></tr>"
            for c in store.children(entity)
            if c["typeName"] == "Column"
        )
        columns = (
            f"<table><tr><th>Column</th><th>Tags</th><th>Custom metadata</th></tr>{rows}</table>"
            if rows
            else ""
        )
        back = _link(
            {"connection": str(a.get("connectionQualifiedName", ""))}, "All assets of this connection"
        )
        body = (
            '<div class="wrap"><main><div class="card">'
            f'<h2 id="asset-name">{escape(str(a.get("name", "")))} <span class="muted">{escape(entity["typeName"])}</span></h2>'
            f'<p class="muted">{escape(qn)} · {back}</p>'
            f"{_tags(store, entity)}{_domains(store, qn)}{_announcement(entity)}{_cm(store, entity)}{columns}"
            "</div></main></div>"
        )
        return _document(str(a.get("name", qn)), f"Asset {escape(qn)}", body)


def render(store: Store, params: dict[str, str]) -> str:
    with store.lock:
        return _render(store, params)


def _render(store: Store, params: dict[str, str]) -> str:
    connections = list(store.of_type("Connection"))
    current_qn = params.get("connection") or (
        connections[0]["attributes"]["qualifiedName"] if connections else ""
    )
    q = (params.get("q") or "").strip()
    try:
        page_no = max(1, int(params.get("p") or 1))
    except ValueError:
        page_no = 1
    side = []
    for conn in connections:
        qn = conn["attributes"]["qualifiedName"]
        count = sum(1 for g in store.in_connection(qn) if store.entities[g]["typeName"] in _TABLE_TYPES)
        side.append(
            f"<li>{_link({'connection': qn}, conn['attributes'].get('name', qn), current=qn == current_qn)}"
            f' {_tags(store, conn)}<div class="muted">{escape(conn["attributes"].get("connectorName", ""))}'
            f" · {escape(qn)} · {count} tables/views</div></li>"
        )
    tag_items = "".join(
        f'<li><span class="chip">{escape(d["displayName"])}</span>'
        f' <span class="muted">{escape(str(d.get("options", {}).get("color", "")))} · {escape(d["name"])}</span></li>'
        for d in store.tag_defs()
    )
    domain_items = "".join(
        f"<li>{escape(f'{parent} › ' if parent else '')}<b>{escape(name)}</b>"
        f' <span class="muted">{count} asset(s)</span></li>'
        for name, parent, count in domains_listing(store)
    )
    main = _connection_view(store, current_qn, q, page_no) if current_qn else "<p>No connections.</p>"
    title = escape(store.scenario_name or "sandbox")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Atlan sandbox — {title}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>Atlan sandbox</h1><p>Scenario “{title}” · {len(store.entities)} assets · "
        "a local stand-in for Atlan's REST API (read-only page)</p></header>"
        '<div class="wrap"><aside>'
        f'<div class="card"><h2>Connections</h2><ul class="plain">{"".join(side)}</ul></div>'
        f"{_recent(store)}"
        f'<div class="card"><h2>Tags</h2><ul class="plain">{tag_items or "<li class=muted>None.</li>"}</ul></div>'
        f'<div class="card"><h2>Domains</h2><ul class="plain">{domain_items or "<li class=muted>None.</li>"}</ul></div>'
        f"</aside><main>{main}</main></div></body></html>"
    )


def _connection_view(store: Store, conn_qn: str, q: str, page_no: int) -> str:
    conn = store.find("Connection", conn_qn)
    if conn is None:
        return f"<p>No connection {escape(conn_qn)}.</p>"
    out = [
        '<form method="get"><input type="hidden" name="connection" value="'
        f'{escape(conn_qn)}"><input type="search" name="q" placeholder="Filter tables by name" '
        f'value="{escape(q)}"> <button>Filter</button></form>'
    ]
    tables = [
        store.entities[g]
        for g in store.in_connection(conn_qn)
        if store.entities[g]["typeName"] in _TABLE_TYPES
        and (not q or q.lower() in str(store.entities[g]["attributes"].get("name", "")).lower())
    ]
    for schema in (store.entities[g] for g in store.in_connection(conn_qn)):
        if schema["typeName"] != "Schema":
            continue
        a = schema["attributes"]
        out.append(
            f'<div class="card"><h2>Schema {escape(str(a.get("databaseName", "")))}.{escape(str(a.get("name", "")))}'
            f"</h2>{_tags(store, schema)}{_cm(store, schema)}{_announcement(schema)}</div>"
        )
    pages = max(1, (len(tables) + TABLES_PER_PAGE - 1) // TABLES_PER_PAGE)
    page_no = min(page_no, pages)
    shown = tables[(page_no - 1) * TABLES_PER_PAGE : page_no * TABLES_PER_PAGE]
    for table in shown:
        a = table["attributes"]
        rows = []
        for column in store.children(table):
            ca = column["attributes"]
            rows.append(
                f"<tr><td>{escape(str(ca.get('name', '')))}</td><td>{escape(str(ca.get('dataType', '')))}</td>"
                f"<td>{_tags(store, column)}</td><td>{_cm(store, column)}</td></tr>"
            )
        columns = (
            "<table><tr><th>Column</th><th>Type</th><th>Tags</th><th>Custom metadata</th></tr>"
            f"{''.join(rows)}</table>"
            if rows
            else '<p class="muted">No columns.</p>'
        )
        out.append(
            f'<div class="card"><h3>{escape(str(a.get("name", "")))} <span class="muted">{escape(table["typeName"])}'
            f" · {escape(str(a.get('schemaName', '')))} · {escape(a['qualifiedName'])}</span></h3>"
            f"{_tags(store, table)}{_announcement(table)}{_cm(store, table)}{columns}</div>"
        )
    if not shown:
        out.append('<p class="muted">No tables match.</p>')
    if pages > 1:
        links = []
        for n in range(1, pages + 1):
            if n == page_no:
                links.append(f"<span>{n}</span>")
            elif n in (1, pages) or abs(n - page_no) <= 3:
                links.append(_link({"connection": conn_qn, "q": q, "p": str(n)}, str(n)))
        out.append(
            f'<div class="pager">Pages: {"".join(links)} <span class="muted">({len(tables)} tables)</span></div>'
        )
    return "".join(out)
