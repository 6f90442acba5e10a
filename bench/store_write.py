"""Store write throughput, SQLite against PostgreSQL: a demo audit's crawl writes (pages with their bodies,
links, link results) replayed into a fresh store of each backend the way the crawler's pipeline writes
them (transactions of 500 rows, a page's links counting one in fifty), several runs one after another.

    .venv/bin/python -m bench.store_write                 # runs `govaudit demo` once for the rows to replay
    .venv/bin/python -m bench.store_write --source var/demo.sqlite --runs 10

PostgreSQL is a real server started for the bench (tests/pgserver.py: Debian's postgres, on loopback, with
fsync off as in the tests: the figure is the store's own cost, not the disk's); SQLite is a file in the
same temporary directory (WAL, synchronous=NORMAL, as govaudit opens it).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from govaudit.models import Link, LinkResult, Page, RunStatus
from govaudit.store import Store, open_store
from tests.pgserver import PgServer

BATCH = 500  # crawler/pipelines.py: rows per transaction


def _demo(tmp: Path) -> Path:
    db = tmp / "demo.sqlite"
    subprocess.run([sys.executable, "-m", "govaudit", "demo", "--db", str(db), "--out", str(tmp / "demo-out")],
                   check=True, capture_output=True)
    return db


def _rows(source: Path) -> tuple[list[tuple[Page, bytes | None]], list[Link], list[LinkResult]]:
    with open_store(source, readonly=True) as store:
        run = store.latest_run_id()
        assert run is not None, f"no run in {source}"
        pages = [(p, store.body(p.body_hash) if p.body_hash else None) for p in store.pages(run)]
        return pages, list(store.links(run)), list(store.link_results(run))


def _replay(store: Store, run: int, pages: list, links: list, results: list) -> None:
    """As the pipeline flushes: each page with its links, results as they come, a transaction per batch."""
    per_page: dict[str, list[Link]] = {}
    for link in links:
        per_page.setdefault(link.source, []).append(link)
    batch_pages: list = []
    batch_links: list[Link] = []
    batch_results: list[LinkResult] = []

    def flush() -> None:
        with store.transaction():
            if batch_pages:
                store.add_pages(run, batch_pages)
            if batch_links:
                store.add_links(run, batch_links)
            if batch_results:
                store.add_link_results(run, batch_results)
        batch_pages.clear(), batch_links.clear(), batch_results.clear()

    pending = iter(results)
    for page, body in pages:
        batch_pages.append((page, body))
        batch_links.extend(per_page.get(page.url, []))
        batch_results.extend(r for r in [next(pending, None)] * 5 if r is not None)  # results keep pace
        if len(batch_pages) + len(batch_results) + len(batch_links) // 50 >= BATCH:
            flush()
    batch_results.extend(pending)
    flush()


def measure(url: str, rows: tuple, runs: int) -> dict[str, float]:
    pages, links, results = rows
    with open_store(url) as store:
        start = time.perf_counter()
        for _ in range(runs):
            run = store.create_run(site="bench", start_url="http://127.0.0.1/", tool_version="bench",
                                   profile_hash="h", profile={}, rubric="r")
            _replay(store, run, pages, links, results)
            store.finish_run(run, RunStatus.COMPLETED)
        elapsed = time.perf_counter() - start
    return {"s": elapsed, "pages/s": len(pages) * runs / elapsed, "links/s": len(links) * runs / elapsed,
            "results/s": len(results) * runs / elapsed}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, help="a store holding a demo audit (default: run one)")
    parser.add_argument("--runs", type=int, default=5, help="runs replayed into each store (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        rows = _rows(args.source or _demo(Path(tmp)))
        print(f"one run: {len(rows[0])} pages, {len(rows[1])} links, {len(rows[2])} link results; "
              f"{args.runs} runs per store")
        with PgServer() as server:
            for name, url in (("sqlite", f"sqlite:///{tmp}/bench.sqlite"), ("postgresql", server.create_database())):
                figures = measure(url, rows, args.runs)
                print(f"{name:10} {figures['s']:6.2f} s  {figures['pages/s']:7.0f} pages/s  "
                      f"{figures['links/s']:8.0f} links/s  {figures['results/s']:7.0f} results/s")


if __name__ == "__main__":
    main()
