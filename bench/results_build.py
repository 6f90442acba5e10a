"""Time results.build on a copy of an audit database: `python -m bench.results_build DB [--repeat N]`.
Prints the median and the minimum; compare two checkouts on the same database file."""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from govaudit.results import build
from govaudit.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.results_build")
    parser.add_argument("db", type=Path)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp, "audit.sqlite")
        shutil.copy(args.db, copy)
        with open_store(copy) as store:
            run_id = store.latest_run_id()
            assert run_id is not None, "no run in the database"
            times = []
            for _ in range(args.repeat):
                began = time.perf_counter()
                doc = build(store, run_id)
                times.append(time.perf_counter() - began)
    print(f"results.build: median {statistics.median(times) * 1000:.1f} ms, min {min(times) * 1000:.1f} ms"
          f" over {args.repeat}; {len(doc['links'])} links")


if __name__ == "__main__":
    main()
