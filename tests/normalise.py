"""A results.json with what differs between two runs of the same audit replaced by placeholders: ports,
timestamps, durations, fingerprints (they hash URLs with ports), the browser's version."""

from __future__ import annotations

import json
import re
from typing import Any

VOLATILE = {"elapsed", "elapsed_s", "link_stage_s", "cpu_s", "workers_cpu_s", "duration", "checked_at", "started_at", "finished_at", "first_seen",
            "pinned_at", "pruned_at", "generated_at", "browser_version", "fingerprint",
            "inputs"}  # run.stats.night.inputs: digests of pages and links, whose URLs have ports
PORT = re.compile(r"(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+")
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")


def normalise(value: Any, key: str = "") -> Any:
    if key in VOLATILE:
        return "<volatile>"
    if isinstance(value, dict):
        return {PORT.sub(r"\1:PORT", k): normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str):
        return ISO.sub("<time>", PORT.sub(r"\1:PORT", value))
    return value


def dumps(doc: Any) -> str:
    """The normalised document as the golden file stores it (the same bytes /tmp/tools/normalise.py gave)."""
    return json.dumps(normalise(doc), ensure_ascii=False, indent=1, sort_keys=True)
