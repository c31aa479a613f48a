"""The sandbox's read-only web page: data sources → schemas → tables → columns with their tags,
custom field values, Data Health rows and trust flags (with their owners), plus recent flags.
Everything shown is HTML-escaped; one data source and one page of tables at a time keeps it
fast on big scenarios.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from typing import Any
from urllib.parse import urlencode

from .store import Store

TABLES_PER_PAGE = 20
# The Data Health tab's labels; WARNING's is unverified.
STATUS_LABELS = {"ALERT": "Alert", "GOOD": "No Issues", "WARNING": "Warning"}
Ref = tuple[str, int]

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1f2933;background:#f5f7fa}
header{background:#0b3b60;color:#fff;padding:12px 24px}header h1{margin:0;font-size:18px}
header p{margin:2px 0 0;opacity:.85;font-size:13px}
.wrap{display:flex;gap:20px;padding:20px 24px;align-items:flex-start}
aside{width:320px;flex:none}main{flex:1;min-width:0}
.card{background:#fff;border:1px solid #dde3ea;border-radius:8px;padding:12px 14px;margin-bottom:14px}
.card h2{font-size:15px;margin:0 0 8px}.card h3{font-size:14px;margin:0 0 6px}
a{color:#0b5cad;text-decoration:none}a:hover{text-decoration:underline}
ul.plain{list-style:none;margin:0;padding:0}ul.plain li{padding:4px 0;border-bottom:1px solid #eef1f4}
.cur{font-weight:600}.muted{color:#6b7785;font-size:12px}
.chip{display:inline-block;border-radius:10px;padding:0 8px;margin:1px 2px;font-size:12px;background:#e6f0fa;color:#0b3b60}
.dom{background:#eef7ee;color:#245c24}.cf{font-size:12px;color:#334}.cf b{font-weight:600}
.flag{border-left:4px solid #888;padding:4px 8px;margin:6px 0;background:#fafafa;font-size:13px}
.flag.WARNING{border-color:#e6a700;background:#fff8e1}.flag.DEPRECATION{border-color:#d64545;background:#fdecec}
.flag.ENDORSEMENT{border-color:#2e9e5b;background:#eaf7ef}
.st-ALERT{color:#b42318;font-weight:600}.st-GOOD{color:#1e7b45}.st-WARNING{color:#a15c00}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:3px 6px;border-bottom:1px solid #eef1f4;vertical-align:top}
th{color:#52606d;font-weight:600}form{margin:0 0 12px}input[type=search]{padding:5px 8px;width:260px}
.pager a,.pager span{margin-right:8px}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _ts(seconds: Any) -> str:
    if not seconds:
        return ""
    return dt.datetime.fromtimestamp(float(seconds), tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _link(params: dict[str, str], text: str, *, current: bool = False) -> str:
    cls = ' class="cur"' if current else ""
    return f'<a{cls} href="/?{escape(urlencode(params))}">{_e(text)}</a>'


def _safe_href(url: Any) -> str:
    text = str(url or "")
    return escape(text) if text.startswith(("http://", "https://", "/")) else ""


def _tags(store: Store, ref: Ref) -> str:
    return "".join(f'<span class="chip">{_e(t["name"])}</span>' for t in store.tags.of(ref))


def _domains(store: Store, ref: Ref) -> str:
    titles = [store.domains.domains[d]["title"] for d in store.domains.domains_of(store.catalog, ref)]
    return "".join(f'<span class="chip dom">domain: {_e(t)}</span>' for t in titles)


def _fields(store: Store, ref: Ref) -> str:
    parts = [
        f'<div class="cf"><b>{_e(v["field_name"])}</b>: '
        f"{_e(v['value'] if isinstance(v['value'], str) else json.dumps(v['value']))}</div>"
        for v in store.fields.value_items(ref)
    ]
    return "".join(parts)


def _flags(store: Store, ref: Ref) -> str:
    out = []
    for flag in store.flags.of(ref):
        owner = store.user_ref(flag["user_id"])["display_name"]
        out.append(
            f'<div class="flag {_e(flag["flag_type"])}"><b>{_e(flag["flag_type"])}</b> '
            f'{_e(flag["flag_reason"])}<div class="muted">by {_e(owner)} (user {_e(flag["user_id"])}) '
            f"· {_e(_ts(flag['ts_updated']))}</div></div>"
        )
    return "".join(out)


def _health(store: Store, ref: Ref) -> str:
    rows = store.dq.rows_for(store.catalog, ref, propagate=True)
    if not rows:
        return ""
    body = []
    for r in rows:
        href = _safe_href(r["value_external_url"])
        rule = f'<a href="{href}">{_e(r["field_name"])}</a>' if href else _e(r["field_name"])
        status = r["value_quality"]
        body.append(
            f"<tr><td>{rule}</td><td>{_e(r['source_object_name'])}</td>"
            f'<td class="st-{_e(status)}">{_e(STATUS_LABELS.get(status, status))}</td>'
            f"<td>{_e(r['value_value'])}</td><td>{_e(r['field_description'])}</td>"
            f"<td>{_e(r['value_last_updated'])}</td></tr>"
        )
    return (
        '<table class="health"><tr><th>Rule</th><th>Object Name</th><th>Status</th><th>Value</th>'
        f"<th>Description</th><th>Last Updated</th></tr>{''.join(body)}</table>"
    )


def _recent_flags(store: Store) -> str:
    items = []
    for event in sorted(store.flags.log, key=lambda e: e["at"], reverse=True)[:15]:
        name = store.catalog.name_of(event["otype"], event["oid"]) or f"{event['otype']} {event['oid']}"
        by = store.user_ref(event["by"])["display_name"]
        items.append(
            f"<li><b>{_e(name)}</b> — {_e(event['flag_type'])} {_e(event['action'])}"
            f'<div class="muted">{_e(event["flag_reason"])}</div>'
            f'<div class="muted">by {_e(by)} · {_e(_ts(event["at"]))}</div></li>'
        )
    body = "".join(items) or '<li class="muted">None yet.</li>'
    return f'<div class="card"><h2>Recent flags</h2><ul class="plain">{body}</ul></div>'


def render_object(store: Store, otype: str, oid: int) -> str | None:
    """One object's page, at the address Alation gives it (/table/<id>/, /attribute/<id>/, ...)."""
    with store.lock:
        obj = store.catalog.objects.get(otype, {}).get(oid)
        if obj is None:
            return None
        ref = (otype, oid)
        extra = _columns(store, oid) if otype == "table" else ""
        heading = f'<span id="object-name">{_e(obj.get("name") or obj.get("title") or oid)}</span> '
        heading += f'<span class="muted">{_e(otype)} #{_e(oid)} · {_e(obj.get("key", ""))}</span>'
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>Alation sandbox — {_e(otype)} {_e(oid)}</title><style>{_CSS}</style></head><body>"
            f"<header><h1>Alation sandbox</h1><p>{_link({}, 'All data sources')}</p></header>"
            f'<div class="wrap"><main>{_object_card(store, ref, heading, extra)}</main></div></body></html>'
        )


def render(store: Store, params: dict[str, str]) -> str:
    with store.lock:
        return _render(store, params)


def _aside(store: Store, current: int | None) -> str:
    side = []
    for ds in store.catalog.datasources.values():
        count = sum(
            len(store.catalog.child_ids("schema", s)) for s in store.catalog.child_ids("data", ds["id"])
        )
        side.append(
            f"<li>{_link({'ds': str(ds['id'])}, ds['title'], current=ds['id'] == current)} "
            f"{_tags(store, ('data', ds['id']))}{_domains(store, ('data', ds['id']))}"
            f'<div class="muted">#{_e(ds["id"])} · {_e(ds["dbtype"])} · {_e(ds["host"])} · {_e(ds["dbname"])}'
            f" · {_e(ds['api'])} API · {count} tables</div></li>"
        )
    domains = "".join(
        f'<li>{_e(d["title"])} <span class="muted">#{_e(d["id"])}'
        f"{' in #' + _e(d['parent_id']) if d['parent_id'] else ''}</span></li>"
        for d in store.domains.domains.values()
    )
    users = "".join(
        f'<li>{_e(u.display_name)} <span class="muted">user {_e(u.id)} · {_e(u.username)}'
        f"{' · admin' if u.admin else ''}"
        f"{' · sees ' + _e(u.data_sources) if u.data_sources is not None else ''}</span></li>"
        for u in store.auth.users.values()
    )
    tags = "".join(f'<li><span class="chip">{_e(t["name"])}</span></li>' for t in store.tags.tags.values())
    return (
        f'<div class="card"><h2>Data sources</h2><ul class="plain">{"".join(side)}</ul></div>'
        f"{_recent_flags(store)}"
        f'<div class="card"><h2>Domains</h2><ul class="plain">{domains or "<li class=muted>None.</li>"}</ul></div>'
        f'<div class="card"><h2>Tags</h2><ul class="plain">{tags or "<li class=muted>None.</li>"}</ul></div>'
        f'<div class="card"><h2>Users</h2><ul class="plain">{users}</ul></div>'
    )


def _render(store: Store, params: dict[str, str]) -> str:
    sources = store.catalog.datasources
    try:
        current = int(params.get("ds") or next(iter(sources), 0))
        page_no = max(1, int(params.get("p") or 1))
    except ValueError:
        current, page_no = next(iter(sources), 0), 1
    q = (params.get("q") or "").strip()
    main = _datasource_view(store, current, q, page_no) if current in sources else "<p>No data source.</p>"
    title = _e(store.scenario_name or "sandbox")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Alation sandbox — {title}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>Alation sandbox</h1><p>Scenario “{title}” · {len(sources)} data sources · "
        f"{len(store.catalog.objects['table'])} tables · a local stand-in for Alation's REST API "
        "(read-only page)</p></header>"
        f'<div class="wrap"><aside>{_aside(store, current)}</aside><main>{main}</main></div></body></html>'
    )


def _object_card(store: Store, ref: Ref, heading: str, extra: str = "") -> str:
    return (
        f'<div class="card"><h3>{heading}</h3>{_tags(store, ref)}{_domains(store, ref)}'
        f"{_flags(store, ref)}{_fields(store, ref)}{_health(store, ref)}{extra}</div>"
    )


def _columns(store: Store, table_id: int) -> str:
    rows = []
    for cid in store.catalog.child_ids("table", table_id):
        col = store.catalog.objects["attribute"][cid]
        ref = ("attribute", cid)
        rows.append(
            f"<tr><td>{_e(col['name'])}</td><td>{_e(col['column_type'])}</td>"
            f"<td>{_tags(store, ref)}</td><td>{_fields(store, ref)}{_flags(store, ref)}</td></tr>"
        )
    if not rows:
        return '<p class="muted">No columns.</p>'
    return f"<table><tr><th>Column</th><th>Type</th><th>Tags</th><th>Fields, flags</th></tr>{''.join(rows)}</table>"


def _datasource_view(store: Store, ds_id: int, q: str, page_no: int) -> str:
    catalog = store.catalog
    ds = catalog.datasources[ds_id]
    out = [
        _object_card(
            store, ("data", ds_id), f"{_e(ds['title'])} <span class=muted>data source #{_e(ds_id)}</span>"
        ),
        f'<form method="get"><input type="hidden" name="ds" value="{_e(ds_id)}"><input type="search" '
        f'name="q" placeholder="Filter tables by name" value="{_e(q)}"> <button>Filter</button></form>',
    ]
    tables = []
    for sid in catalog.child_ids("data", ds_id):
        schema = catalog.objects["schema"][sid]
        out.append(
            _object_card(
                store,
                ("schema", sid),
                f"Schema {_e(schema['name'])} <span class=muted>{_e(schema['key'])}</span>",
            )
        )
        tables += [
            catalog.objects["table"][t]
            for t in catalog.child_ids("schema", sid)
            if not q or q.lower() in catalog.objects["table"][t]["name"].lower()
        ]
    pages = max(1, (len(tables) + TABLES_PER_PAGE - 1) // TABLES_PER_PAGE)
    page_no = min(page_no, pages)
    for table in tables[(page_no - 1) * TABLES_PER_PAGE : page_no * TABLES_PER_PAGE]:
        heading = (
            f"{_e(table['name'])} <span class=muted>{_e(table['table_type'])} · #{_e(table['id'])}"
            f" · {_e(table['key'])}</span>"
        )
        out.append(_object_card(store, ("table", table["id"]), heading, _columns(store, table["id"])))
    if not tables:
        out.append('<p class="muted">No tables match.</p>')
    if pages > 1:
        links = [
            f"<span>{n}</span>" if n == page_no else _link({"ds": str(ds_id), "q": q, "p": str(n)}, str(n))
            for n in range(1, pages + 1)
            if n in (1, pages) or abs(n - page_no) <= 3
        ]
        out.append(
            f'<div class="pager">Pages: {"".join(links)} <span class="muted">({len(tables)} tables)</span></div>'
        )
    return "".join(out)
