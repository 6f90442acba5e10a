"""What the added ACT engines cost the browser stage: the demo audit with axe-core alone, with axe-core
+ QualWeb, then with axe-core + QualWeb + Alfa, browser-stage wall time (the stage's own `elapsed`) and peak memory (the summed RSS
of the stage process and its chromedriver / Chromium / Node processes, sampled every 0.2 s).

    python -m bench.act_stage_cost [--runs 1]

"axe-core alone" hides the engine bundles (GOVAUDIT_NODE_MODULES pointing nowhere), which is what an
install without `make npm` runs; "+ QualWeb" points it at a directory holding only QualWeb's packages
(Alfa is then reported unavailable). Offline, on loopback, like every demo audit.
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
from pathlib import Path

from govaudit.crawler.engines import node_modules


def _tree_rss(root: int, match: tuple[str, ...]) -> int:
    """Summed RSS (bytes) of root's descendants whose command line contains one of `match`."""
    children: dict[int, list[int]] = {}
    cmd: dict[int, str] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmd[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            rss[int(entry.name)] = int(stat[21]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(int(stat[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        if any(m in cmd.get(pid, "") for m in match):
            total += rss.get(pid, 0)
    return total


def run_demo(env: dict[str, str]) -> tuple[float, float]:
    """(browser-stage seconds, peak MB of the stage's process tree) for one demo audit."""
    with tempfile.TemporaryDirectory(prefix="govaudit-stagecost-") as tmp:
        proc = subprocess.Popen([sys.executable, "-m", "govaudit", "demo", "--db", f"{tmp}/d.sqlite", "--out",
                                 f"{tmp}/out"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = [0]

        def sample() -> None:
            while proc.poll() is None:
                peak[0] = max(peak[0], _tree_rss(proc.pid, ("govaudit.crawler.browser", "chromium", "chromedriver", "alfa.mjs")))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        proc.wait()
        sampler.join()
        doc = json.loads(Path(tmp, "out", "results.json").read_text(encoding="utf-8"))
    stage = doc["run"]["stats"]["browser"]["accessibility"]
    return float(stage["elapsed"]), peak[0] / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.act_stage_cost")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="govaudit-qualweb-only-") as only:
        (Path(only) / "@qualweb").symlink_to(node_modules() / "@qualweb")
        variants = {"axe-core alone": {**os.environ, "GOVAUDIT_NODE_MODULES": "/nonexistent"},
                    "axe-core + QualWeb": {**os.environ, "GOVAUDIT_NODE_MODULES": only},
                    "axe + QualWeb + Alfa": dict(os.environ)}
        for i in range(args.runs):  # the variants interleaved, so a change in load hits each alike
            for name, env in variants.items():
                load = os.getloadavg()[0]
                seconds, mb = run_demo(env)
                print(f"{name:20} run {i + 1}: browser stage {seconds:6.1f} s, peak {mb:6.0f} MB "
                      f"(load average before {load:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
