"""Fleet throughput: a loopback fleet of tiny agency sites audited by 1, 2, 4 … worker processes.

    .venv/bin/python bench/fleet.py --sites 200 --workers 1 2 4 [--db postgresql://…] [--json out.json]

For each worker count: a fresh redis-server (tests/redisserver.py) and store, N `govaudit worker
--concurrency 1` processes, `govaudit fleet run --wait` timed from enqueue to the last audit; then every
site must have exactly one completed run. Peak memory: each worker's process tree (worker, pool process,
audit process and its crawl) sampled from /proc every 0.2 s; the peak of the whole tree and of the
worker's own two Celery processes are reported. Only 127.0.0.0/8 is contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govaudit.store import open_store  # noqa: E402
from tests.fleetsites import loopback_fleet, write_site_list  # noqa: E402
from tests.redisserver import RedisServer  # noqa: E402
from tests.test_fleet import ENV, govaudit, start_workers  # noqa: E402


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                ppid = int(Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(name))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Sampler(threading.Thread):
    """Peak RSS per worker: of its whole process tree, and of its Celery processes (worker + pool)."""

    def __init__(self, roots: list[int]):
        super().__init__(daemon=True)
        self.roots, self.stop = roots, threading.Event()
        self.tree_peak = dict.fromkeys(roots, 0)
        self.celery_peak = dict.fromkeys(roots, 0)

    def run(self) -> None:
        while not self.stop.wait(0.2):
            tree = _children()
            for root in self.roots:
                pool = tree.get(root, [])
                self.celery_peak[root] = max(self.celery_peak[root], _rss_kb(root) + sum(map(_rss_kb, pool)))
                total, todo = 0, [root]
                while todo:
                    pid = todo.pop()
                    total += _rss_kb(pid)
                    todo += tree.get(pid, [])
                self.tree_peak[root] = max(self.tree_peak[root], total)


def one(n_sites: int, n_workers: int, db_url: str | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="govaudit-bench-fleet-") as tmp_name:
        tmp = Path(tmp_name)
        db = db_url or str(tmp / "fleet.sqlite")
        with RedisServer(tmp / "redis") as redis, loopback_fleet(n_sites) as agencies:
            site_list = write_site_list(agencies, tmp)
            workers = start_workers(n_workers, tmp, redis.url, Path(db))
            sampler = Sampler([p.pid for p in workers.procs])
            sampler.start()
            load_before = os.getloadavg()[0]
            began = time.monotonic()
            try:
                run = govaudit("fleet", "run", str(site_list), "--wait", "--broker", redis.url, "--db", db,
                               "--offline", timeout=6 * 3600)
            finally:
                seconds = time.monotonic() - began
                sampler.stop.set()
                workers.stop()
            with open_store(db, readonly=True) as store:
                runs = store.runs()
        per_site: dict[str, list[str]] = {}
        for r in runs:
            per_site.setdefault(r["site"], []).append(str(r["status"]))
        exactly_once = all(per_site.get(a.name) == ["completed"] for a in agencies)
        return {"sites": n_sites, "workers": n_workers, "seconds": round(seconds, 1),
                "sites_per_hour": round(n_sites / seconds * 3600), "exit_code": run.returncode,
                "exactly_once": exactly_once, "runs": len(runs),
                "peak_rss_mb_per_worker_tree": round(max(sampler.tree_peak.values()) / 1024, 1),
                "peak_rss_mb_per_worker_celery": round(max(sampler.celery_peak.values()) / 1024, 1),
                "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--db", default=None, help="a store URL (default: a new SQLite file per run)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    # the tests' retry and lock timings, with production-like visibility timeout and time limit
    os.environ.update({**ENV, "GOVAUDIT_FLEET_VISIBILITY_TIMEOUT": "7200", "GOVAUDIT_FLEET_TIME_LIMIT": "3600"})
    results = []
    for n in args.workers:
        result = one(args.sites, n, args.db)
        results.append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    base = results[0]["sites_per_hour"]
    for r in results[1:]:
        print(f"{r['workers']} workers: {r['sites_per_hour'] / base:.2f}× the sites/hour of {results[0]['workers']}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
