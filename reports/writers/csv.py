"""links.csv: one row per link failure and source page, for Excel and LibreOffice (UTF-8 with BOM)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from govaudit.files import write_atomic
from govaudit.review import link_fingerprints

COLUMNS = ("status", "http_status", "target", "source_page", "anchor_text", "element", "line", "error_kind",
           "error", "final_url", "redirect_chain", "internal", "checked_at", "cached", "first_seen", "nights_failing",
           "new", "accepted", "suggested_fix", "fingerprint")
ORDER = {"broken": 0, "unverified": 1, "redirected": 2}
# Cells starting with these are formulas to a spreadsheet: crawled text must never run as one. The
# fullwidth forms too: an IME types them, and a spreadsheet may fold them to their ASCII forms.
_FORMULA = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def write_csv(path: Path, columns: tuple[str, ...], rows) -> Path:
    """A CSV Excel and LibreOffice open as is: UTF-8 with BOM, CRLF; rows are already `_cell`-guarded."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return write_atomic(path, buf.getvalue().encode("utf-8-sig"))


class LinksCsvWriter:
    id = "csv"
    filename = "links.csv"

    def write(self, results: dict, out_dir: Path, *, lang: str = "zh-TW") -> Path:
        rows = []
        prints = link_fingerprints(results)  # what `govaudit ack` takes, per target and source page
        failing = sorted((lk for lk in results.get("links", []) if lk["status"] in ORDER),
                         key=lambda lk: (ORDER[lk["status"]], lk["url"]))
        for link in failing:
            for src in link["sources"] or [{"page": "", "text": "", "tag": "", "attr": "", "line": ""}]:
                rows.append([_cell(v) for v in (
                    link["status"], link["http_status"], link["url"], src["page"], src["text"],
                    f"{src['tag']}@{src['attr']}" if src["tag"] else "", src["line"], link["error_kind"],
                    link["error"], link["final_url"], json.dumps(link["redirect_chain"]) if link["redirect_chain"] else "",
                    link["internal"], link["checked_at"], "yes" if link.get("cached") else "",
                    link.get("first_seen") or "", link.get("nights") or "",
                    "yes" if link.get("new") else "", "yes" if link.get("accepted") else "",
                    (link.get("fix") or {}).get(lang) or (link.get("fix") or {}).get("en", ""),
                    prints.get((link["url"], src["page"]), ""))])
        return write_csv(Path(out_dir) / self.filename, COLUMNS, rows)
