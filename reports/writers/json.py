"""results.json: the machine-readable contract (schema govaudit/results@2).

Laid out for people as well as programs: one top-level key per line, and every element of a top-level
list (a link, a check, an indicator) on a line of its own, so that a diff or grep shows one link per line.
Each piece goes through json's C encoder; `indent=` would switch the whole document to the pure-Python one,
several times slower on a site of ten thousand links.
"""

from __future__ import annotations

import json
from pathlib import Path

from govaudit.files import write_atomic

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps(doc: dict) -> str:
    parts = []
    for key, value in doc.items():
        if isinstance(value, list) and value:
            inner = ",\n  ".join(_compact(item) for item in value)
            parts.append(f"{_compact(key)}: [\n  {inner}\n ]")
        else:
            parts.append(f"{_compact(key)}: {_compact(value)}")
    return "{\n " + ",\n ".join(parts) + "\n}\n"


class JsonWriter:
    id = "json"
    filename = "results.json"

    def write(self, results: dict, out_dir: Path, *, lang: str = "zh-TW") -> Path:
        return write_atomic(Path(out_dir) / self.filename, dumps(results).encode("utf-8"))
