"""The cross-agency summary of a fleet: fleet.html (self-contained, escaped, printable; zh-TW with 民國
dates, or English; Asia/Taipei times) and fleet.csv (one row per agency), from a
govaudit.fleet.summary.FleetSummary. Its words are the `fleet` part of config/messages/*.yaml."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from govaudit import localtime
from govaudit.files import write_atomic
from govaudit.fleet.summary import BINS, FleetSummary
from govaudit.reports.i18n import DEFAULT_LANG, labels, normalize_lang
from govaudit.reports.messages import catalogue
from govaudit.reports.writers.csv import _cell, write_csv

TEMPLATE = "fleet.html.j2"


def texts(lang: str) -> dict[str, Any]:
    """The summary's words in `lang` (config/messages/*.yaml, `fleet`), each missing one in zh-TW."""
    base = catalogue(DEFAULT_LANG).get("fleet") or {}
    own = catalogue(normalize_lang(lang)).get("fleet") or {}
    return {**base, **own}


def _reason(error: str, reasons: dict[str, str], sep: str) -> str:
    """The run's reason (English, as the runner records it) led by its gist in the summary's language."""
    gist = next((text for start, text in reasons.items() if error.startswith(start)), "")
    return f"{gist}{sep}{error}" if gist else error


def _score(value: object) -> str:
    return "—" if not isinstance(value, int | float) else f"{value:.1f}"


def _delta(value: object) -> str:
    if not isinstance(value, int | float):
        return ""
    return "±0" if value == 0 else f"{'▲' if value > 0 else '▼'}{abs(value):.1f}"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("govaudit.reports", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(score=_score, delta=_delta, roc=localtime.roc_date, day=localtime.day, shown=localtime.shown)
    return env


def render(summary: FleetSummary, *, generated: str | None = None, lang: str = DEFAULT_LANG) -> str:
    env = _environment()
    assert env.loader is not None
    css, _, _ = env.loader.get_source(env, "fleet.css")
    generated = generated or datetime.now(UTC).isoformat(timespec="seconds")
    # only our own style (by hash) applies and nothing is fetched, as in the agency report
    csp = ("default-src 'none'; style-src 'sha256-"
           + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii") + "'; "
           "img-src 'none'; base-uri 'none'; form-action 'none'")
    most = max((n for counts in summary.distribution.values() for n in counts), default=0) or 1
    lang = normalize_lang(lang)
    t = texts(lang)
    zh = lang == DEFAULT_LANG
    env_filters = {
        # zh-TW: 民國 dates as the assessment uses them; English: ISO dates. Both in Asia/Taipei.
        "date": localtime.roc_date if zh else localtime.day,
        "status": lambda status: (t.get("statuses") or {}).get(status, status),
        "reason": lambda error: _reason(error, t.get("reasons") or {}, "：" if zh else ": "),
        "label": lambda indicator: indicator.label if zh or not indicator.label_en else indicator.label_en,
    }
    return env.get_template(TEMPLATE).render(s=summary, css=Markup(css),  # our packaged asset
                                             csp=csp, generated=generated, bins=BINS, most=most, t=t,
                                             html_lang=labels(lang)["html_lang"], **env_filters)


CSV_FIXED = ("group", "agency", "start_url", "status", "run_id", "audited_at", "audited_at_roc")


def csv_rows(summary: FleetSummary) -> tuple[tuple[str, ...], list[list[str]]]:
    columns = list(CSV_FIXED)
    for i in summary.indicators:
        columns += [i.id, f"{i.id}_delta", f"{i.id}_rank_in_group"]
    columns += ["error", "report"]
    rows = []
    for group, members in summary.groups:
        for row in members:
            a = row.agency
            cells: list[object] = [group, a.name, a.start_url, a.status or "not_audited", a.run_id,
                                   localtime.shown(a.started_at) if a.started_at else "", localtime.roc_date(a.started_at)]
            for i in summary.indicators:
                cells += [a.scores.get(i.id) if a.audited else None, row.deltas.get(i.id), row.ranks.get(i.id)]
            cells += [a.error, a.report]
            rows.append([_cell(c) for c in cells])
    return tuple(columns), rows


def write(summary: FleetSummary, out: Path, *, generated: str | None = None, lang: str = DEFAULT_LANG) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    html = write_atomic(out / "fleet.html", render(summary, generated=generated, lang=lang).encode("utf-8"))
    columns, rows = csv_rows(summary)
    return [html, write_csv(out / "fleet.csv", columns, rows)]
