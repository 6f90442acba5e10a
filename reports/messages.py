"""The report's message catalogue: what a person reads about a finding, a crawl-health monitor or a rubric,
rendered from codes and parameters in the report's language.

Checks write one English message per finding (results.json keeps it); the zh-TW report does not show it
but renders the code's template from config/messages/zh-TW.yaml with the finding's evidence, so a new
code needs a catalogue entry, not an edit of every check. axe-core's rule help comes from axe-core's own
zh_TW locale (config/axe/zh_TW.json, the version of the axe.min.js the browser stage runs).
"""

from __future__ import annotations

import json
import re
import string
from functools import cache
from importlib import resources
from typing import Any

import yaml

from govaudit.reports.i18n import error_kind_label, normalize_lang

_FIELD = string.Formatter()


@cache
def catalogue(lang: str) -> dict[str, Any]:
    name = f"{normalize_lang(lang)}.yaml"
    text = (resources.files("govaudit.config") / "messages" / name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return data if isinstance(data, dict) else {}


@cache
def _axe_zh() -> dict[str, Any]:
    text = (resources.files("govaudit.config") / "axe" / "zh_TW.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return data.get("rules", {}) if isinstance(data, dict) else {}


def axe_help(rule: str, lang: str, fallback: str = "") -> str:
    """axe-core's one-line help of a rule: its zh_TW locale's in zh-TW, else the English one given."""
    if normalize_lang(lang) != "en":
        entry = _axe_zh().get(rule)
        if isinstance(entry, dict) and entry.get("help"):
            return str(entry["help"])
    return fallback


def _entry(code: str, lang: str) -> dict[str, Any]:
    entry = (catalogue(lang).get("findings") or {}).get(code)
    return entry if isinstance(entry, dict) else {}


def _fill(template: str, params: dict[str, Any]) -> str | None:
    """template with its {names} from params; None when one is missing or empty (say less, never a hole)."""
    try:
        names = [name for _, name, _, _ in _FIELD.parse(template) if name]
    except ValueError:
        return None
    if any(params.get(n) in (None, "", [], {}) for n in names):
        return None
    return _FIELD.vformat(template, (), {n: params[n] for n in names})


def _params(finding: dict[str, Any], lang: str) -> dict[str, Any]:
    evidence = finding.get("evidence")
    params: dict[str, Any] = {k: v for k, v in evidence.items() if isinstance(v, str | int | float)} \
        if isinstance(evidence, dict) else {}
    params.update(target=finding.get("target") or "", page=finding.get("page") or "")
    kind = params.get("error_kind")
    if isinstance(kind, str) and kind:
        params["kind"] = error_kind_label(kind, lang)
    if "rule" in params:
        params["help"] = axe_help(str(params["rule"]), lang)
    return params


def finding_message(finding: dict[str, Any], lang: str, description: str = "") -> str:
    """What one finding says in lang: in English the check's own message; in zh-TW the code's template
    filled from the finding, else the code's zh-TW description."""
    if normalize_lang(lang) == "en":
        return str(finding.get("message") or description)
    template = _entry(str(finding.get("code") or ""), lang).get("message")
    text = _fill(template, _params(finding, lang)) if isinstance(template, str) else None
    # a code no catalogue knows (an outside plug-in's) keeps its check's own words rather than none
    return text or description or str(finding.get("message") or "")


def action(code: str, n: int, lang: str, description: str = "") -> str:
    """The priority action for n findings of code, e.g. 修正或移除失效連結（14 筆）."""
    template = _entry(code, lang).get("action")
    text = _fill(template, {"n": n}) if isinstance(template, str) else None
    return text or description


def fix(code: str, lang: str) -> str:
    value = _entry(code, lang).get("fix")
    return value if isinstance(value, str) else ""


def health(monitor: str, status: str, message: str, lang: str) -> tuple[str, str]:
    """(label, text) of a crawl-health monitor in lang; English keeps the monitor's own message."""
    if normalize_lang(lang) == "en":
        return monitor, message
    monitors = catalogue(lang).get("health") or {}
    # a family of monitors (crawl_cut.<kind>) shares one entry
    entry = monitors.get(monitor) or monitors.get(monitor.split(".", 1)[0])
    if not isinstance(entry, dict):
        return monitor, ""
    text = entry.get(status) if isinstance(entry.get(status), str) else None
    if text is None and isinstance(entry.get("pattern"), str):
        found = re.search(entry["pattern"], message)
        text = _fill(str(entry.get("text") or ""), found.groupdict()) if found else None
    if text is None and "pattern" not in entry:
        text = entry.get("text") if isinstance(entry.get("text"), str) else None
    return str(entry.get("label") or monitor), text or ""


def rubric_description(rubric_id: str, lang: str) -> str:
    value = (catalogue(lang).get("rubrics") or {}).get(rubric_id)
    return value if isinstance(value, str) else ""


def rubric_notes(rubric_id: str, lang: str) -> dict[str, str]:
    """"indicator/component" → the note on how a component is scored, in lang (rubric files are English)."""
    value = (catalogue(lang).get("rubric_notes") or {}).get(rubric_id)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
