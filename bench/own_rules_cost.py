"""What govaudit's own ACT rules (crawler/js/govaudit_rules.js, with the 640 × 512 relayout of the zoomed
rule) cost per page, next to axe-core on the same pages: the real agency pages of /work/shared/realsite
(or DIR) served on 127.0.0.1, one browser session, each page loaded once and tested by axe-core, then by
the own rules, each timed on its own.

    python -m bench.own_rules_cost [--site DIR] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

from bench.loopback import serving
from govaudit.chromium import BrowserConfig, start_chrome, stop_chrome
from govaudit.crawler import engines
from govaudit.crawler.browser import axe_script_path


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.own_rules_cost", description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=Path("/work/shared/realsite"))
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    pages = sorted(str(p.relative_to(args.site)) for p in args.site.rglob("*.html"))
    own = engines.own_rules()
    script = axe_script_path().read_text(encoding="utf-8")
    axe_s: list[float] = []
    own_s: list[float] = []
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with serving(partial(_Quiet, directory=str(args.site))) as httpd, tempfile.TemporaryDirectory() as profile:
        driver = start_chrome(BrowserConfig(offline=True, allow_hosts=("127.0.0.1",)), profile)
        driver.set_script_timeout(120)
        try:
            for _ in range(args.runs):
                for page in pages:
                    driver.get(f"http://127.0.0.1:{httpd.server_port}/{page}")
                    began = time.monotonic()
                    driver.execute_script(script)
                    driver.execute_async_script(
                        "var done = arguments[arguments.length - 1]; axe.run(document, {runOnly: {type: 'tag', "
                        "values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}).then(function () { done(1); });")
                    axe_s.append(time.monotonic() - began)
                    began = time.monotonic()
                    own.run(driver, "", 20)
                    own_s.append(time.monotonic() - began)
        finally:
            stop_chrome(driver)
    print(f"{len(axe_s)} page tests; load average after: {os.getloadavg()[0]:.1f}")
    for name, times in (("axe-core", axe_s), ("own rules", own_s)):
        print(f"{name:>10}: total {sum(times):6.1f} s, median {statistics.median(times):.2f} s, max {max(times):.2f} s")
    print(f"own rules / axe-core: {sum(own_s) / sum(axe_s):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
