"""The link-checker benchmark: `python -m bench.run [--quick] [--variants 2k,10k,heavy] [--tools ...]`.

For each variant it starts the generated site (bench.server, its own process), runs each tool against it
at the same concurrency, and prints wall time, CPU time (user+sys of the tool's whole process tree),
peak RSS (sampled sum over the tree), pages/s, CPU ms per page, and recall and false alarms against the
generator's ground truth, side by side: medians of --runs runs (3; --quick: 1). Only loopback addresses
are contacted: govaudit runs --offline, and every URL of the site is on 127.0.0.x.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

from bench import site as bench_site
from govaudit import urls

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PAGE = os.sysconf("SC_PAGE_SIZE")
TOOLS = ("govaudit", "linkchecker", "lychee")


def _tool_bin(name: str) -> Path:
    venv = {"govaudit": ROOT / ".venv", "linkchecker": BENCH / ".venv-linkchecker", "lychee": BENCH / ".venv-lychee"}
    return venv[name] / "bin" / name


# -- measuring a process tree ------------------------------------------------------------------------
def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return out


def _rss(pids: list[int]) -> int:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except OSError:
            continue
    return total


def measure(cmd: list[str], *, cwd: Path, log: Path, timeout: float) -> dict:
    """Run cmd; wall time, user+sys CPU of it and every descendant it waited for, peak tree RSS."""
    peak = [0]
    with open(log, "wb") as out:
        began = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                peak[0] = max(peak[0], _rss(_tree(proc.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - began
        timer.cancel()
        done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": peak[0] / 2**20,
            "exit": proc.returncode, "timed_out": wall >= timeout}


# -- the tools ---------------------------------------------------------------------------------------
def _key(url: str) -> str:
    try:
        target, fragment = urls.normalize(url)
    except urls.InvalidURL:
        return url
    return f"{target}#{fragment}" if fragment else target


def run_govaudit(start: str, pages_file: Path, work: Path, concurrency: int, timeout: float) -> tuple[dict, dict]:
    db, out = work / "govaudit.sqlite", work / "govaudit-report"
    cmd = [str(_tool_bin("govaudit")), "run", start, "--profile", str(BENCH / "profile.yaml"), "--db", str(db),
           "--out", str(out), "--offline", "--concurrency", str(concurrency)]
    m = measure(cmd, cwd=ROOT, log=work / "govaudit.log", timeout=timeout)
    from govaudit.store import open_store  # the store is the one reader of its own schema

    broken, flagged, pages = set(), set(), 0
    if db.exists():
        with open_store(db, readonly=True) as store:
            run_id = store.latest_run_id()
            if run_id is not None:
                pages = store.count("pages", run_id)
                for r in store.link_results(run_id):
                    if r.status == "broken":
                        broken.add(_key(r.url))
                    if r.status in ("broken", "unverified"):
                        flagged.add(_key(r.url))
    return m, {"broken": broken, "flagged": flagged, "pages": pages}


def run_linkchecker(start: str, pages_file: Path, work: Path, concurrency: int, timeout: float) -> tuple[dict, dict]:
    out = work / "linkchecker.csv"
    cmd = [str(_tool_bin("linkchecker")), "--config", str(BENCH / "linkcheckerrc"), "--threads", str(concurrency),
           "--check-extern", "--no-status", "--output", "none", "--file-output", f"csv/utf-8/{out}", start]
    env_home = work / "lc-home"  # LinkChecker reads and writes ~/.linkchecker: keep the user's out of it
    env_home.mkdir(exist_ok=True)
    if os.geteuid() == 0:  # LinkChecker run as root drops to `nobody`, who must be able to write its output
        for d in (work, *work.parents):
            if d == Path("/"):
                break
            d.chmod(d.stat().st_mode | 0o755)
        work.chmod(0o777)
        env_home.chmod(0o777)
    m = measure(["env", f"HOME={env_home}", *cmd], cwd=work, log=work / "linkchecker.log", timeout=timeout)
    broken, flagged = set(), set()
    if out.exists():
        text = "".join(ln for ln in out.read_text(encoding="utf-8").splitlines(keepends=True) if not ln.startswith("#"))
        for row in csv.DictReader(io.StringIO(text), delimiter=";"):
            url = row.get("url") or row.get("urlname") or ""
            if row.get("valid") == "False":
                broken.add(_key(url))
                flagged.add(_key(url))
            elif "Anchor" in (row.get("warningstring") or "") and "not found" in row["warningstring"]:
                broken.add(_key(url))  # AnchorCheck reports a missing fragment as a warning: counted for it
                flagged.add(_key(url))
    return m, {"broken": broken, "flagged": flagged, "pages": None}


def run_lychee(start: str, pages_file: Path, work: Path, concurrency: int, timeout: float) -> tuple[dict, dict]:
    out = work / "lychee.json"
    cmd = [str(_tool_bin("lychee")), "--files-from", str(pages_file), "--max-concurrency", str(concurrency),
           "--host-concurrency", str(concurrency),
           "--include-fragments", "--max-retries", "1",
           "--retry-wait-time", "1", "--timeout", "10", "--format", "json", "--output", str(out),
           "--no-progress", "--cache-exclude-status", "100..=599"]
    m = measure(cmd, cwd=work, log=work / "lychee.log", timeout=timeout)
    broken, flagged = set(), set()
    if out.exists() and out.stat().st_size:
        doc = json.loads(out.read_text(encoding="utf-8"))
        for entries in (doc.get("error_map") or doc.get("fail_map") or {}).values():
            for entry in entries:
                url = entry.get("url", "")
                broken.add(_key(url))
                flagged.add(_key(url))
    return m, {"broken": broken, "flagged": flagged, "pages": sum(1 for _ in pages_file.open())}


RUNNERS = {"govaudit": run_govaudit, "linkchecker": run_linkchecker, "lychee": run_lychee}


# -- scoring -----------------------------------------------------------------------------------------
def score(truth: dict[str, str], reported: dict) -> dict:
    truth = {_key(u): c for u, c in truth.items()}
    defects = {u for u, c in truth.items() if c == "broken"}
    dead = {u for u, c in truth.items() if c == "dead"}
    found = reported["broken"] & defects
    false = reported["broken"] - defects - dead
    return {"recall": len(found) / len(defects) if defects else 1.0, "found": len(found), "defects": len(defects),
            "false_alarms": len(false), "false_examples": sorted(false)[:8],
            "missed_examples": sorted(defects - reported["broken"])[:8],
            "false_by_class": _by_class(false, truth),
            "dead_flagged": len(reported["flagged"] & dead), "dead": len(dead), "pages_seen": reported["pages"]}


def _by_class(found: set[str], truth: dict[str, str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for u in found:
        cls = truth.get(u, "unknown")
        out[cls] = out.get(cls, 0) + 1
    return out


# -- the benchmark -----------------------------------------------------------------------------------
def bench_variant(variant: str, tools: list[str], runs: int, other_runs: int, concurrency: int, work: Path,
                  timeout: float) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    truth_file = work / "truth.json"
    server = subprocess.Popen([sys.executable, "-m", "bench.server", "--variant", variant, "--truth", str(truth_file)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        ready = json.loads(server.stdout.readline())
        doc = json.loads(truth_file.read_text(encoding="utf-8"))
        start = f"http://{bench_site.SITE}:{ready['port']}/"
        pages_file = work / "pages.txt"
        pages_file.write_text("\n".join(doc["pages"]) + "\n", encoding="utf-8")
        n_pages = len(doc["pages"])
        out = {"variant": variant, "pages": n_pages, "links": doc["links"], "targets": len(doc["truth"]),
               "tools": {}}
        for tool in tools:
            samples = []
            n = runs if tool == "govaudit" else other_runs
            for i in range(n):
                run_dir = work / f"{tool}-{i}"
                shutil.rmtree(run_dir, ignore_errors=True)
                run_dir.mkdir()
                m, reported = RUNNERS[tool](start, pages_file, run_dir, concurrency, timeout)
                s = score(doc["truth"], reported)
                sample = {**m, **s, "pages_per_s": n_pages / m["wall_s"], "cpu_ms_per_page": m["cpu_s"] / n_pages * 1e3}
                samples.append(sample)
                print(f"  {variant} {tool} run {i + 1}/{n}: {m['wall_s']:.1f} s wall, {m['cpu_s']:.1f} s CPU, "
                      f"{m['peak_rss_mb']:.0f} MB, recall {s['found']}/{s['defects']}, "
                      f"false alarms {s['false_alarms']} {s['false_by_class'] or ''}, exit {m['exit']}", flush=True)
            out["tools"][tool] = {"median": _median(samples), "samples": samples}
        from bench.loadtest import cpu_seconds

        out["server_cpu_s"] = cpu_seconds(ready["pid"])
    finally:
        server.terminate()
        server.wait(10)
    return out


def _median(samples: list[dict]) -> dict:
    med = {}
    for key, value in samples[0].items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            med[key] = value if len(samples) == 1 else [s[key] for s in samples][len(samples) // 2]
        else:
            med[key] = statistics.median(s[key] for s in samples)
    return med


COLUMNS = [("wall s", "wall_s", "{:.1f}"), ("CPU s", "cpu_s", "{:.1f}"), ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
           ("pages/s", "pages_per_s", "{:.0f}"), ("CPU ms/page", "cpu_ms_per_page", "{:.1f}"),
           ("recall", "recall", "{:.1%}"), ("false alarms", "false_alarms", "{:.0f}"),
           ("dead hosts flagged", "dead_flagged", "{:.0f}")]


def table(result: dict) -> str:
    tools = list(result["tools"])
    lines = [f"### {result['variant']}: {result['pages']} pages, {result['links']} links, "
             f"{result['targets']} known targets (medians of "
             + ", ".join(f"{len(t['samples'])} {name}" for name, t in result["tools"].items()) + " runs)",
             "", "| | " + " | ".join(tools) + " |", "|---|" + "---|" * len(tools)]
    for label, key, fmt in COLUMNS:
        cells = []
        for t in tools:
            med = result["tools"][t]["median"]
            cell = fmt.format(med[key])
            if key == "dead_flagged":
                cell += f" / {med['dead']}"
            if key == "recall":
                cell += f" ({med['found']:.0f}/{med['defects']})"
            if key == "wall_s" and med.get("timed_out"):
                cell = "> " + cell + " (timeout)"
            cells.append(cell)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if "govaudit" in result["tools"]:
        g = result["tools"]["govaudit"]["median"]["wall_s"]
        ratios = [f"{t} {result['tools'][t]['median']['wall_s'] / g:.1f}×" for t in tools if t != "govaudit"]
        if ratios:
            lines.append(f"\ngovaudit speed-up (wall): {', '.join(ratios)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run")
    parser.add_argument("--variants", default="2k,10k,heavy")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--other-runs", type=int, help="runs of the other tools (default: --runs)")
    parser.add_argument("--quick", action="store_true", help="one run each")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight, the same for every tool")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a tool run is killed")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    tools = [t for t in args.tools.split(",") if t]
    for t in tools:
        if not _tool_bin(t).exists():
            print(f"bench: {t} is not installed at {_tool_bin(t)} (make bench installs it); skipped", file=sys.stderr)
    tools = [t for t in tools if _tool_bin(t).exists()]
    load = os.getloadavg()
    print(f"bench: {platform.node()} {os.cpu_count()} cores, load average {load[0]:.2f} at start, "
          f"concurrency {args.concurrency}, {runs} run(s) each", flush=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for variant in args.variants.split(","):
            other = 1 if args.quick else (args.other_runs or runs)
            results.append(bench_variant(variant, tools, runs, other, args.concurrency, Path(tmp, variant),
                                         args.timeout))
            print(table(results[-1]) + "\n", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    doc = {"when": stamp, "load_average_start": load, "load_average_end": os.getloadavg(), "cores": os.cpu_count(),
           "concurrency": args.concurrency, "runs": runs, "results": results}
    (args.out / f"bench-{stamp}.json").write_text(json.dumps(doc, indent=1, default=list), encoding="utf-8")
    md = "\n\n".join(table(r) for r in results)
    (args.out / f"bench-{stamp}.md").write_text(md + "\n", encoding="utf-8")
    print(f"bench: load average {os.getloadavg()[0]:.2f} at end; written {args.out}/bench-{stamp}.{{json,md}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
