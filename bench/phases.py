"""Where one audit's wall time goes: `python -m bench.phases --times T.json [--crawl-profile P.prof] -- ARGS`
runs `govaudit ARGS` (the CLI, in this process) and writes the seconds of each phase, taken from the
runner's own progress events (govaudit.runner phases, the crawl process's lines), to T.json.
`--crawl-profile`: the crawl process under cProfile, its stats dumped to P.prof (`python -m pstats`).
Used by bench/incremental.py `--phases`; nothing here changes what the audit does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govaudit import stage

if TYPE_CHECKING:
    from govaudit.jobs import CrawlJob

# (name, from event, to event): the phases in the order they happen
PHASES = (("start page, open run", "start", "crawl"), ("crawl (Scrapy)", "crawl", "last_progress"),
          ("link stage (crawl process)", "last_progress", "finished"), ("crawl process exit", "finished", "crawl_end"),
          ("health, browser stage", "crawl_end", "browser_end"), ("input digests", "browser_end", "checks"),
          ("checks", "checks", "checks_done"),
          ("scores, finish run", "checks_done", "writing"), ("reports (HTML, JSON, CSVs)", "writing", "done"),
          ("retention, notify", "done", "returned"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.phases")
    parser.add_argument("--times", required=True, type=Path)
    parser.add_argument("--crawl-profile", type=Path)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    opts = parser.parse_args(argv)
    if [a for a in opts.args if a != "--"][:1] == ["run"]:
        stage.start_early()  # as the govaudit command does (govaudit/launch.py), before the imports below
    from govaudit import cli, runner  # noqa: PLC0415
    marks: dict[str, float] = {"start": time.monotonic()}
    real_audit, real_crawl, real_browser = runner.audit, runner.crawl_stage, runner.browser_stage

    def crawl_stage(job: CrawlJob, progress: Any, **kwargs: Any) -> tuple[dict[str, Any], int]:
        if opts.crawl_profile is None:
            out = real_crawl(job, progress, **kwargs)
        else:
            os.environ["GOVAUDIT_BENCH_CRAWL_PROFILE"] = str(opts.crawl_profile)
            os.environ["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
            stats, code = runner._stage("bench.crawlprofile", job, progress, grace=10, started=kwargs.get("started"))
            out = (stats if stats is not None else {"finish_reason": "crashed"}), code
        marks["crawl_end"] = time.monotonic()
        return out

    def browser_stage(*args: Any, **kwargs: Any) -> dict[str, dict]:
        out = real_browser(*args, **kwargs)
        marks["browser_end"] = time.monotonic()
        return out

    def audit(*args: Any, progress: Any = None, **kwargs: Any) -> runner.Outcome:
        def hook(event: dict) -> None:
            name = event.get("event")
            now = time.monotonic()
            if name == "phase":
                marks.setdefault(event["phase"], now)
            elif name == "progress":
                marks["last_progress"] = now
            elif name in ("finished", "checks_done", "done"):
                marks.setdefault(name, now)
            if progress:
                progress(event)

        outcome = real_audit(*args, progress=hook, **kwargs)
        marks["returned"] = time.monotonic()
        return outcome

    runner.audit, runner.crawl_stage, runner.browser_stage = audit, crawl_stage, browser_stage
    try:
        cli.main([a for a in opts.args if a != "--"])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    marks.setdefault("finished", marks.get("last_progress", marks["start"]))
    times = {name: round(marks[b] - marks[a], 2) for name, a, b in PHASES if a in marks and b in marks}
    opts.times.write_text(json.dumps(times), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main())
