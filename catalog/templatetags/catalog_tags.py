"""Pictures and chips for the catalog pages: score badges, sparklines, factor bars, tag chips."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from catalog.models import DEFAULT_TAG_COLOR, SCORE_FACTORS, Anomaly, Check, QualityScore, Tag

register = template.Library()

_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_FALLBACK_COLOR = DEFAULT_TAG_COLOR
_ANOMALY_STATUS_CLASS: dict[str, str] = {
    Anomaly.Status.ACTIVE: "status-bad",
    Anomaly.Status.ACKNOWLEDGED: "status-warn",
    Anomaly.Status.RESOLVED: "status-ok",
}
_CHECK_STATUS_CLASS: dict[str, str] = {
    Check.Status.ACTIVE: "status-ok",
    Check.Status.DRAFT: "status-info",
    Check.Status.ARCHIVED: "status-neutral",
}


def _score_band(value: float | None) -> str:
    if value is None:
        return "score-none"
    if value >= 80:
        return "score-good"
    if value >= 60:
        return "score-fair"
    return "score-poor"


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@register.simple_tag
def score_badge(value: Any) -> SafeString:
    """A coloured badge: ≥80 good, ≥60 fair, below poor; no score shows a dash."""
    number = _number(value)
    if number is None:
        return mark_safe('<span class="badge score-none" title="No score yet">–</span>')
    return format_html(
        '<span class="badge {}" title="Quality score {}">{}</span>',
        _score_band(number),
        f"{number:.1f}",
        round(number),
    )


@register.simple_tag
def sparkline(values: Any, width: int = 120, height: int = 28) -> SafeString:
    """An inline SVG polyline of a score history (0–100 on the vertical axis); gaps are skipped."""
    points = [(i, v) for i, v in enumerate(_number(v) for v in values or []) if v is not None]
    if len(points) < 2:
        return mark_safe('<span class="muted sparkline" title="Not enough history">no trend yet</span>')
    last_index = len(values) - 1
    pad = 2
    coords = " ".join(
        f"{pad + (width - 2 * pad) * i / last_index:.1f},{pad + (height - 2 * pad) * (100 - v) / 100:.1f}"
        for i, v in points
    )
    first, last = points[0][1], points[-1][1]
    return format_html(
        '<svg class="sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="Score history: {first} to {last}"><title>Score history: {first} → {last}</title>'
        '<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{coords}"/></svg>',
        w=width,
        h=height,
        first=round(first),
        last=round(last),
        coords=coords,
    )


@register.simple_tag
def factor_bars(score: QualityScore | None) -> SafeString:
    """One labelled bar per quality factor of the current score."""
    if score is None:
        return mark_safe('<p class="muted">No factor scores yet.</p>')
    rows = []
    for name in SCORE_FACTORS:
        value = _number(getattr(score, name))
        width = max(0.0, min(100.0, value)) if value is not None else 0.0
        rows.append((name.capitalize(), f"{width:.0f}", "–" if value is None else round(value)))
    return format_html(
        '<div class="factor-bars">{}</div>',
        format_html_join(
            "",
            # An SVG bar: the Content Security Policy allows no inline style, and SVG attributes are none.
            '<span>{}</span><svg class="bar" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true">'
            '<rect width="{}" height="1"/></svg><span class="num">{}</span>',
            rows,
        ),
    )


def tag_display_color(tag: Tag) -> str:
    """The tag's colour when it is a valid #RRGGBB, else a neutral grey: never raw data in a style."""
    color = tag.color or ""
    return color if _HEX_COLOR.fullmatch(color) else _FALLBACK_COLOR


# Longer names show shortened in chips; the full name is on hover.
CHIP_NAME_CHARS = 60


def _chip_name(name: str) -> str:
    return name if len(name) <= CHIP_NAME_CHARS else name[: CHIP_NAME_CHARS - 1] + "…"


def _global_hover(tag: Tag) -> str:
    hover = tag.description or f"Global tag {tag.name}"
    return f"{tag.name} · {hover}" if len(tag.name) > CHIP_NAME_CHARS and tag.description else hover


@register.simple_tag
def catalog_mark(integration_type: str, label: str) -> SafeString:
    """A catalog type's mark: its initial in the type's colour (a CSS class per type; nothing fetched)."""
    return format_html(
        '<span class="mark mark-{}" aria-hidden="true">{}</span>',
        integration_type,
        (label or "?")[:1].upper(),
    )


@register.simple_tag
def tag_chip(tag: Tag, remove_url: str = "", target: str = "", inherited_from: str = "") -> SafeString:
    """A tag chip linking to the tag's page; external chips are styled apart, show their catalog's mark
    and name their integration on hover, and say where an inherited tag comes from ("inherited from ORDERS").

    With `remove_url` (global tags only) the chip carries an htmx "×" that removes the tag.
    """
    dot = format_html(
        '<svg class="dot" viewBox="0 0 2 2" aria-hidden="true"><circle cx="1" cy="1" r="1" fill="{}"/></svg>',
        tag_display_color(tag),
    )
    url = reverse("catalog:tag_detail", args=[tag.pk])
    if tag.is_external:
        source = tag.integration.name if tag.integration else "unknown integration"
        mark = (
            catalog_mark(tag.integration.integration_type, tag.integration.get_integration_type_display())
            if tag.integration
            else catalog_mark("unknown", "?")
        )
        hover = f"External tag from integration {source}"
        if len(tag.name) > CHIP_NAME_CHARS:
            hover = f"{tag.name} · {hover}"
        inherited = ""
        if inherited_from:
            hover += f" · inherited from {inherited_from}"
            inherited = format_html('<span class="inh">inherited from {}</span>', _chip_name(inherited_from))
        # The integration's name is on hover (and for screen readers), not repeated in every chip.
        return format_html(
            '<a class="chip chip-external{}" href="{}" title="{}">'
            '{}<span class="name">{}</span>{}{}<span class="sr-only"> (external, from {})</span></a>',
            " chip-inherited" if inherited_from else "",
            url,
            hover,
            dot,
            _chip_name(tag.name),
            inherited,
            mark,
            source,
        )
    remove = ""
    if remove_url:
        remove = format_html(
            '<button type="button" class="chip-remove" hx-post="{}" hx-target="{}" hx-swap="outerHTML" '
            'title="Remove tag {}" aria-label="Remove tag {}">×</button>',
            remove_url,
            target,
            tag.name,
            tag.name,
        )
    return format_html(
        '<span class="chip" title="{}"><a href="{}">{}<span class="name">{}</span></a>{}</span>',
        _global_hover(tag),
        url,
        dot,
        _chip_name(tag.name),
        remove,
    )


@register.filter
def status_class(status: str) -> str:
    """CSS class for an anomaly status: active red, acknowledged amber, resolved green, others grey."""
    return _ANOMALY_STATUS_CLASS.get(status, "status-neutral")


@register.filter
def check_status_class(status: str) -> str:
    return _CHECK_STATUS_CLASS.get(status, "status-neutral")


@register.simple_tag
def count_pill(value: int | None, alert_when_positive: bool = False) -> SafeString:
    value = value or 0
    css = "count-pill alert" if alert_when_positive and value > 0 else "count-pill"
    return format_html('<span class="{}">{}</span>', css, value)


@register.simple_tag(takes_context=True)
def page_url(context: dict[str, Any], param: str, number: int, path: str = "") -> str:
    """The current URL with one page parameter replaced, other filters and pages kept.

    `path` overrides the request's path, for fragments rendered in answer to a POST elsewhere.
    """
    request: HttpRequest = context["request"]
    query = request.GET.copy()
    query[param] = str(number)
    return f"{path or request.path}?{query.urlencode()}"
