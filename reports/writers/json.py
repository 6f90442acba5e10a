"""results.json: the machine-readable contract (schema govaudit/results@2)."""

from __future__ import annotations

import json
from pathlib import Path

from govaudit.files import write_atomic


class JsonWriter:
    name = "json"
    filename = "results.json"

    def write(self, results: dict, out_dir: Path, *, lang: str = "zh-TW") -> Path:
        data = json.dumps(results, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")
        return write_atomic(Path(out_dir) / self.filename, data + b"\n")
