"""Fleet throughput: a loopback fleet of tiny agency sites audited by 1, 2, 4 … worker processes.

    .venv/bin/python bench/fleet.py --sites 200 --workers 1 2 4 [--down 10] [--browser] [--db postgresql://…]
    .venv/bin/python bench/fleet.py --profile 10 [--browser] [--parallel-audits]

`--profile N`: no Celery; N audits one after the other, each the process a worker starts (python -m
govaudit.fleet.audit, with the worker's environment), its process tree sampled from /proc every 0.05 s:
CPU seconds per kind of process (the audit, the crawl, parse workers, the browser stage, Chromium,
chromedriver, Node), the share of time it kept more than one core busy, and its wall time per phase
(start-up, start page, crawl, browser, checks, write, end). `--parallel-audits` gives the audits the
parallelism of `govaudit run` (parse workers, forked checks, two browsers) instead of the fleet's one core.

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
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govaudit.fleet.collect import collect  # noqa: E402
from govaudit.fleet.jobs import AuditJob  # noqa: E402
from govaudit.fleet.sites import load_site_list  # noqa: E402
from govaudit.fleet.summary import summarise  # noqa: E402
from govaudit.store import open_store  # noqa: E402
from tests.fleetsites import loopback_fleet, write_site_list  # noqa: E402

# (Celery and the test modules are imported where used: the forkserver's audits import this script again
# as their main module, which should cost them no more than it costs a worker's.)


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


TICK = os.sysconf("SC_CLK_TCK")
# What `govaudit run` gives one audit on this machine; the fleet's worker sets one core (worker.SINGLE_CORE).
PARALLEL_AUDIT = {"GOVAUDIT_PARSE_WORKERS": "2", "GOVAUDIT_CHECK_WORKERS": "2", "GOVAUDIT_BROWSER_WORKERS": "2"}
# The audit's phases as the runner announces them (the timeline of govaudit.fleet.audit), and the name of
# the time from each mark to the next; "spawn" and "exit" are this process's own.
PHASES = {"spawn": "start-up", "main": "start page", "crawl": "crawl", "finished": "after crawl",
          "browser": "browser", "checks": "checks", "checks_done": "scores", "writing": "write",
          "done": "end", "outcome": "exit"}


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds so far) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _kind(cmdline: str, parent_kind: str) -> str:
    if "govaudit.crawler.browser" in cmdline:
        return "browser stage"
    if "govaudit.crawler" in cmdline:
        return "parse worker" if parent_kind == "crawl" else "crawl"
    if "forkserver import main" in cmdline:  # the warm forkserver, and the audits it forks
        return "forked checks" if parent_kind == "audit" else "audit" if parent_kind == "forkserver" else "forkserver"
    if "_tracker import main" in cmdline:
        return "resource tracker"
    if "govaudit.fleet.audit" in cmdline:
        return "forked checks" if parent_kind == "audit" else "audit"
    if "chromedriver" in cmdline:
        return "chromedriver"
    if "chrom" in cmdline:
        return "chromium"
    if cmdline.split(" ", 1)[0].endswith("node"):
        return "node"
    return parent_kind or "other"


class TreeCPU(threading.Thread):
    """CPU seconds per kind of process below this one (the loopback sites are threads of this process, so
    not counted), and how often they kept more than one core busy; sampled every `every` seconds (the
    last moments of a process after its last sample are missed)."""

    def __init__(self, every: float = 0.05):
        super().__init__(daemon=True)
        self.root, self.every, self.stop = os.getpid(), every, threading.Event()
        self.last: dict[int, tuple[str, float]] = {}
        self.intervals = self.busy = 0

    def run(self) -> None:
        kinds: dict[int, str] = {}
        before = 0.0
        while not self.stop.wait(self.every):
            tree = _children()
            todo = list(tree.get(self.root, []))
            while todo:
                pid = todo.pop()
                stat = _stat(pid)
                if stat is None:
                    continue
                try:  # read each time: a process is its parent's copy until it calls exec
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                kinds[pid] = _kind(cmd, kinds.get(stat[0], ""))
                self.last[pid] = (kinds[pid], stat[1])
                todo += tree.get(pid, [])
            total = sum(cpu for _, cpu in self.last.values())
            self.intervals += 1
            self.busy += (total - before) > 1.05 * self.every  # more than one core over this interval
            before = total

    def by_kind(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for kind, cpu in self.last.values():
            out[kind] += cpu
        return dict(out)


def _cold_audit(job: AuditJob, *, db: str, out: Path, final: bool, tmp: Path, timeline: Path) -> None:
    """The audit as the worker started it before the forkserver: a fresh `python -m govaudit.fleet.audit`."""
    from govaudit.fleet.worker import audit_env  # noqa: PLC0415

    job_file = tmp / "job.json"
    job_file.write_text(job.model_dump_json(), encoding="utf-8")
    subprocess.run([sys.executable, "-P", "-m", "govaudit.fleet.audit", "--job", str(job_file), "--outcome",
                    str(tmp / "outcome.json"), "--db", db, "--out", str(out), "--timeline", str(timeline)]
                   + (["--final"] if final else []), env=audit_env(), stdout=subprocess.DEVNULL, check=True)


def profile(n_sites: int, *, browser: bool, cold: bool) -> dict:
    """N audits of tiny loopback sites, one after the other, each as a worker runs it."""
    from govaudit.fleet.worker import SINGLE_CORE, audit_env, run_audit_process  # noqa: PLC0415

    phases: dict[str, float] = defaultdict(float)
    walls, accounted = [], 0.0
    sampler = TreeCPU()
    sampler.start()
    with tempfile.TemporaryDirectory(prefix="govaudit-bench-fleet-") as tmp_name, loopback_fleet(n_sites) as agencies:
        tmp = Path(tmp_name)
        os.environ["GOVAUDIT_FLEET_TIMELINE"] = str(tmp)  # run_audit_process: --timeline TMP/KEY.jsonl
        sites = load_site_list(write_site_list(agencies, tmp, browser=browser))
        for site in sites.sites:
            job = AuditJob(site=site, profile=sites.profile_of(site).model_dump(mode="json", by_alias=True),
                           night="bench", offline=True)
            timeline, db, out = tmp / f"{site.key}.jsonl", str(tmp / "fleet.sqlite"), tmp / site.key
            spawned = time.monotonic()
            if cold:
                _cold_audit(job, db=db, out=out, final=True, tmp=tmp, timeline=timeline)
            else:
                outcome = run_audit_process(job, db=db, out=out, final=True)
                if outcome.status != "completed":
                    raise SystemExit(f"{site.name}: {outcome}")
            ended = time.monotonic()
            events = [json.loads(line) for line in timeline.read_text(encoding="utf-8").splitlines()]
            accounted += sum(e.get("cpu_s", 0.0) for e in events)
            marks = [("spawn", spawned)] + [(e["phase"] if e["event"] == "phase" else e["event"], e["t"])
                                            for e in events if e["event"] != "pages_stored"]
            marks.append(("exit", ended))
            for (name, t), (_, t_next) in zip(marks, marks[1:], strict=False):
                phases[PHASES.get(name, name)] += t_next - t
            walls.append(ended - spawned)
        time.sleep(0.2)  # a last sample
        sampler.stop.set()
        sampler.join()
    n = len(walls)
    by_kind = sampler.by_kind()
    cpu = sum(by_kind.values())
    return {"audits": n, "browser": browser, "launch": "python -m (cold)" if cold else "forkserver (warm)",
            "environment": {k: v for k, v in audit_env().items() if k in SINGLE_CORE},
            "wall_s_per_site": round(sum(walls) / n, 2), "cpu_s_per_site": round(cpu / n, 2),
            "cpu_s_per_site_as_audits_count_it": round(accounted / n, 2),  # getrusage: its own and its stages'

            "cores_busy_mean": round(cpu / sum(walls), 2),
            "share_of_time_over_one_core": round(sampler.busy / max(1, sampler.intervals), 3),
            "cpu_s_per_site_by_process": {k: round(v / n, 3) for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])},
            "wall_s_per_site_by_phase": {k: round(v / n, 2) for k, v in phases.items()},
            "load_after": round(os.getloadavg()[0], 2)}


def tree_cpu(root: int) -> float:
    """CPU seconds of a worker's live processes, with those of the children each has reaped."""
    tree, total, todo = _children(), 0.0, [root]
    while todo:
        pid = todo.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += sum(int(f) for f in fields[11:15]) / TICK  # utime, stime, cutime, cstime
        todo += tree.get(pid, [])
    return total


def ground_truth(db: str, site_list: Path, agencies: list) -> dict[str, bool]:
    """Every site has exactly one run, of the status its server calls for, and the summary agrees with
    the fleet: its counts, and the dead link the even-numbered agencies share."""
    with open_store(db, readonly=True) as store:
        runs = store.runs()
        agencies_found, indicators = collect(store, load_site_list(site_list).sites)
    per_site: dict[str, list[str]] = {}
    for r in runs:
        per_site.setdefault(r["site"], []).append(str(r["status"]))
    summary = summarise(agencies_found, indicators)
    up = [a for a in agencies if a.up]
    (dead,) = {u for a in up for u in a.broken_external}
    shared = {d.key: set(d.agencies) for d in summary.shared if d.kind == "dead_link"}
    wrong = {a.name: per_site.get(a.name, []) for a in agencies
             if per_site.get(a.name) != ["completed" if a.up else "unreachable"]}
    return {
        "exactly_once": not wrong and len(runs) == len(agencies),
        **({"wrong": dict(list(wrong.items())[:10]), "summary_counts": summary.counts} if wrong else {}),
        "summary_right": summary.counts["completed"] == len(up)
        and summary.counts["not_audited"] == len(agencies) - len(up)
        and shared.get(dead) == {a.name for a in up if dead in a.broken_external},
    }


def one(n_sites: int, n_down: int, n_workers: int, db_url: str | None, *, browser: bool) -> dict:
    from tests.redisserver import RedisServer  # noqa: PLC0415
    from tests.test_fleet import govaudit, start_workers  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="govaudit-bench-fleet-") as tmp_name:
        tmp = Path(tmp_name)
        db = db_url or str(tmp / "fleet.sqlite")
        # each audit appends its phases and, last, its CPU seconds (its own and its stages') here
        timelines = tmp / "timelines"
        timelines.mkdir()
        os.environ["GOVAUDIT_FLEET_TIMELINE"] = str(timelines)
        with RedisServer(tmp / "redis") as redis, loopback_fleet(n_sites, down=n_down) as agencies:
            site_list = write_site_list(agencies, tmp, browser=browser)
            workers = start_workers(n_workers, tmp, redis.url, Path(db))
            roots = [p.pid for p in workers.procs]
            sampler = Sampler(roots)
            sampler.start()
            load_before = os.getloadavg()[0]
            cpu_before = sum(map(tree_cpu, roots))
            began = time.monotonic()
            try:
                run = govaudit("fleet", "run", str(site_list), "--wait", "--broker", redis.url, "--db", db,
                               "--offline", timeout=6 * 3600)
                seconds = time.monotonic() - began
                # the Celery processes and forkservers themselves (the forkserver ignores SIGCHLD, so the
                # audits' CPU is not in its children's times) plus every audit's own account
                cpu = sum(map(tree_cpu, roots)) - cpu_before + sum(
                    json.loads(line).get("cpu_s", 0.0) for f in timelines.glob("*.jsonl")
                    for line in f.read_text(encoding="utf-8").splitlines())
            finally:
                sampler.stop.set()
                workers.stop()
            truth = ground_truth(db, site_list, agencies)
        total = n_sites + n_down
        return {"sites": n_sites, "down": n_down, "browser": browser, "workers": n_workers,
                "seconds": round(seconds, 1), "sites_per_hour": round(total / seconds * 3600),
                "cpu_s_per_site": round(cpu / total, 2), "exit_code": run.returncode, **truth,
                "peak_rss_mb_per_worker_tree": round(max(sampler.tree_peak.values()) / 1024, 1),
                "peak_rss_mb_per_worker_celery": round(max(sampler.celery_peak.values()) / 1024, 1),
                "load_before": round(load_before, 2), "load_after": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=200, help="agency sites that answer")
    parser.add_argument("--down", type=int, default=0, help="agency sites more whose address refuses connections")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--browser", action="store_true", help="the accessibility check in Chromium too")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="profile N audits one after the other (no Celery) instead")
    parser.add_argument("--parallel-audits", action="store_true",
                        help="each audit with the parallelism of `govaudit run` instead of one core")
    parser.add_argument("--cold", action="store_true",
                        help="with --profile: each audit a fresh `python -m govaudit.fleet.audit`, as before the forkserver")
    parser.add_argument("--db", default=None, help="a store URL (default: a new SQLite file per run)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if args.parallel_audits:
        os.environ.update(PARALLEL_AUDIT)  # the workers and their audits inherit it (an operator's value wins)
    if args.profile:
        results = [profile(args.profile, browser=args.browser, cold=args.cold)]
        print(json.dumps(results[0], ensure_ascii=False, indent=1), flush=True)
    else:
        from tests.test_fleet import ENV  # noqa: PLC0415

        # the tests' retry and lock timings, with production-like visibility timeout and time limit
        os.environ.update({**ENV, "GOVAUDIT_FLEET_VISIBILITY_TIMEOUT": "7200", "GOVAUDIT_FLEET_TIME_LIMIT": "3600"})
        results = []
        for n in args.workers:
            result = one(args.sites, args.down, n, args.db, browser=args.browser)
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)
        base = results[0]
        for r in results[1:]:
            print(f"{r['workers']} workers: {r['sites_per_hour'] / base['sites_per_hour']:.2f}× the sites/hour of "
                  f"{base['workers']}; CPU s per site {r['cpu_s_per_site']} against {base['cpu_s_per_site']}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
