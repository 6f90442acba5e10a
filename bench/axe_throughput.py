"""Pages per minute through axe-core in real headless Chromium, with 1 and 2 (or more) browser workers.

Serves the bundled demo site on 127.0.0.1, takes the first N of its HTML pages (ground truth order),
and runs the browser stage's own `run_axe` on them offline, once per worker count. Each run includes
starting its browsers. Prints the load average before and after each run: on a shared machine the
figures mean little without it.

    .venv/bin/python bench/axe_throughput.py --pages 24 --workers 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from govaudit.chromium import BrowserConfig, loopback_hosts  # noqa: E402
from govaudit.crawler.browser import run_axe  # noqa: E402
from govaudit.demo.server import DemoServer  # noqa: E402
from govaudit.plugins import BrowserTarget  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with DemoServer() as site:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "truth.json")
            site.write_ground_truth(path)
            pages = json.loads(path.read_text(encoding="utf-8"))["html_pages"][: args.pages]
        config = BrowserConfig(offline=True, allow_hosts=loopback_hosts(pages))
        print(f"cpus {os.cpu_count()} · {len(pages)} demo pages · axe tags {','.join(config.tags)}")
        for workers in args.workers:
            before = os.getloadavg()[0]
            began = time.monotonic()
            stage = run_axe([BrowserTarget(u) for u in pages], config, workers=workers)
            seconds = time.monotonic() - began
            after = os.getloadavg()[0]
            if not stage.available:
                raise SystemExit(f"no browser: {stage.reason}")
            print(f"workers {workers}: {stage.pages} pages ({stage.errors} errors) in {seconds:.1f} s = "
                  f"{60 * stage.pages / seconds:.1f} pages/min · axe {stage.axe_version} · "
                  f"load avg {before:.2f} → {after:.2f}")


if __name__ == "__main__":
    main()
