"""findings.csv: one row per finding of every check, for Excel and LibreOffice.

Same conventions as links.csv (reports/writers/csv.py, whose cell guard it reuses): UTF-8 with a BOM,
CRLF line ends, every cell that a spreadsheet would read as a formula prefixed with an apostrophe.
Findings carry masked personal data only (the pii check never stores a full ID number).
"""

from __future__ import annotations

import json
from pathlib import Path

from govaudit.models import SEVERITY_ORDER
from govaudit.reports.writers.csv import _cell, write_csv

COLUMNS = ("run", "check", "code", "severity", "change", "accepted", "accepted_note", "description_zh",
           "description_en", "message", "page", "target", "fingerprint", "first_seen", "nights", "evidence")
MAX_EVIDENCE = 500  # characters of the evidence summary (the full evidence is in results.json)


def _changes(doc: dict) -> dict[str, dict]:
    """fingerprint -> {"change": "new" | "persisting", first_seen, nights} from doc["changes"] (finding lists)."""
    out: dict[str, dict] = {}
    changes = doc.get("changes") or {}
    for kind in ("new", "persisting"):
        items = changes.get(kind)
        if not isinstance(items, list):
            continue
        for item in items:
            if isinstance(item, dict) and item.get("fingerprint"):
                out[item["fingerprint"]] = {"change": kind, "first_seen": item.get("first_seen"),
                                            "nights": item.get("nights")}
    return out


def evidence_summary(evidence: dict | None) -> str:
    if not evidence:
        return ""
    text = json.dumps({k: v for k, v in evidence.items() if v not in (None, "", [], {})}, ensure_ascii=False,
                      separators=(",", ":"), default=str)
    return text if len(text) <= MAX_EVIDENCE else text[:MAX_EVIDENCE - 1] + "…"


def rows(doc: dict) -> list[list[str]]:
    run_id = (doc.get("run") or {}).get("id", "")
    codes = doc.get("codes") or {}
    changes = _changes(doc)
    found = [(check["id"], f) for check in doc.get("checks", []) for f in check.get("findings", [])]
    found.sort(key=lambda cf: (SEVERITY_ORDER.get(cf[1]["severity"], 99), cf[0], cf[1]["code"], cf[1].get("page") or "",
                               cf[1].get("target") or ""))
    out = []
    for check_id, f in found:
        code = codes.get(f["code"]) or {}
        change = changes.get(f.get("fingerprint") or "", {})
        evidence = f.get("evidence") or {}
        accepted = f.get("accepted")
        note = ""
        if accepted:
            note = accepted.get("by", "") if isinstance(accepted, dict) else ""
            if isinstance(accepted, dict) and accepted.get("note"):
                note = f"{note}: {accepted['note']}"
        first_seen = change.get("first_seen") or evidence.get("first_seen") or ""
        nights = change.get("nights") if change.get("nights") is not None else evidence.get("nights")
        out.append([_cell(v) for v in (
            run_id, check_id, f["code"], f["severity"], change.get("change", ""), "yes" if accepted else "", note,
            code.get("description_zh", ""), code.get("description", ""), f.get("message", ""), f.get("page", ""),
            f.get("target", ""), f.get("fingerprint", ""), first_seen, "" if nights in (None, "") else nights,
            evidence_summary(evidence))])
    return out


class FindingsCsvWriter:
    id = "findings"
    filename = "findings.csv"

    def write(self, results: dict, out_dir: Path, *, lang: str = "zh-TW") -> Path:
        return write_csv(Path(out_dir) / self.filename, COLUMNS, rows(results))
