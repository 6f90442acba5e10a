"""A stage process for tests of govaudit.stage (`python -m tests.stagestub --job J --stats S [--wait]`): it waits
for its job as the crawl process does, and writes the job back as its stats."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--job", required=True, type=Path)
    parser.add_argument("--stats", required=True, type=Path)
    parser.add_argument("--wait", action="store_true")
    args = parser.parse_args()
    if args.wait and not sys.stdin.readline():
        return 0
    args.stats.write_text(json.dumps({"job": json.loads(args.job.read_text(encoding="utf-8"))}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
