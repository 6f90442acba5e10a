"""One fleet audit in its own process: `python -m govaudit.fleet.audit --job JOB.json --outcome OUT.json
--db URL --out DIR [--final] [--timeline FILE]`, or `forked(argv, …)` in a process the worker's
forkserver forks (worker.py).

The worker's task starts it (worker.py) rather than calling the runner in the pool process: the audit's
memory goes back to the system when it ends (a pool process lives for many nights), and the runner's own
SIGTERM handling (procs.interruptible: the run is marked interrupted) works as in `govaudit run`, which it
could not inside Celery's pool. Its death signal is SIGTERM: if the pool process is killed, the audit
records its run as interrupted and takes its stages with it.

A fresh interpreter would spend about a second of CPU per site importing the runner and compiling the
report's templates before a tiny site's audit starts: as much as the audit itself. So the worker forks
each audit from a forkserver that loaded all that once (`warm`, run by govaudit.fleet.zygote).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from govaudit import __version__, procs, runner, scoring, startpage
from govaudit.files import write_atomic
from govaudit.fleet.jobs import AuditJob, AuditOutcome, OutcomeKind
from govaudit.models import CheckResult, CheckStatus, RunStatus
from govaudit.profile import ConfigError, Profile, load_rubric
from govaudit.store import open_store

# The runner's ConfigError that means "try again later" (the site's run lock is held), told apart by
# its text; an unreachable start page is a recorded run of status `unreachable` instead.
BUSY = "another govaudit run is using"


def classify(error: str) -> OutcomeKind:
    return "busy" if error.startswith(BUSY) else "config"


def record_failure(db: str, job: AuditJob, profile: Profile, error: str) -> int:
    """A run that could not start (start page down on the last try, a bad profile) is recorded as a
    failed run with the reason, so that the store alone says which agencies could not be audited."""
    try:
        rubric = load_rubric(profile.rubric).ref
    except ConfigError:
        rubric = profile.rubric
    with open_store(db) as store:
        run_id = store.create_run(site=job.site.name, start_url=job.site.start_url, tool_version=__version__,
                                  profile_hash=profile.fingerprint(), profile=profile.public_dump(), rubric=rubric)
        store.finish_run(run_id, RunStatus.FAILED, error=error[:1000])
    return run_id


# The runner's events that mark a phase (bench/fleet.py's profile reads them; progress counts are left out).
PHASE_EVENTS = frozenset({"phase", "pages_stored", "finished", "checks_done", "done"})


def timeline(path: Path) -> Callable[[dict[str, Any]], None]:
    """A progress hook appending each phase event to `path` as a JSON line with its CLOCK_MONOTONIC
    time, which the starting process can compare with its own."""

    def record(event: dict[str, Any]) -> None:
        if event.get("event") in PHASE_EVENTS:
            line = {"t": time.monotonic(), "event": event["event"], "phase": event.get("phase", ""),
                    **({"cpu_s": event["cpu_s"]} if "cpu_s" in event else {})}
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")

    return record


def audit(job: AuditJob, *, db: str, out: Path, final: bool,
          progress: Callable[[dict[str, Any]], None] | None = None) -> AuditOutcome:
    site, group = job.site.name, job.site.group
    try:
        profile = Profile.model_validate({**job.profile, "source": f"site list: {job.site.name}"})
    except ValidationError as exc:  # checked when enqueued: a worker of another version reads it otherwise
        return AuditOutcome(site=site, group=group, kind="config", exit_code=runner.EXIT_USAGE, error=f"profile: {exc}"[:1000])
    if not final:
        # An earlier try only looks at the start page, once: a site down now is retried by Celery later
        # (with backoff, holding no worker process meanwhile), and only the last try's audit, with the
        # profile's own start-page retries, records an `unreachable` run (one run per site and night).
        once = profile.model_copy(update={"site": profile.site.model_copy(update={"start_attempts": 1})})
        try:
            startpage.check(job.site.start_url, once, offline=job.offline)
        except startpage.StartPageError as exc:
            return AuditOutcome(site=site, group=group, kind="unreachable", exit_code=runner.EXIT_UNREACHABLE,
                                error=str(exc)[:1000])
        except ConfigError as exc:
            return AuditOutcome(site=site, group=group, kind="config", exit_code=runner.EXIT_USAGE, error=str(exc))
    try:
        outcome = runner.audit(job.site.start_url, profile, db=db, out=out, offline=job.offline, progress=progress)
    except ConfigError as exc:
        kind = classify(str(exc))
        run_id = None
        if kind == "config":
            run_id = record_failure(db, job, profile, str(exc))
        return AuditOutcome(site=site, group=group, kind=kind, run_id=run_id, status=RunStatus.FAILED if run_id else "",
                            exit_code=runner.EXIT_USAGE, error=str(exc))
    result_kind: OutcomeKind = "unreachable" if outcome.status == RunStatus.UNREACHABLE else "audited"
    return AuditOutcome(site=site, group=group, kind=result_kind, run_id=outcome.run_id, status=outcome.status,
                        exit_code=outcome.exit_code, error=outcome.error[:1000])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m govaudit.fleet.audit")
    parser.add_argument("--job", type=Path, required=True)
    parser.add_argument("--outcome", type=Path, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--final", action="store_true", help="the last try: an unreachable site is recorded")
    parser.add_argument("--timeline", type=Path, help="append the audit's phases here (JSON lines; for the bench)")
    args = parser.parse_args(argv)
    progress = timeline(args.timeline) if args.timeline else None
    if progress:
        progress({"event": "phase", "phase": "main"})  # the interpreter and the imports are done
    job = AuditJob.model_validate_json(args.job.read_text(encoding="utf-8"))
    try:
        outcome = audit(job, db=args.db, out=args.out, final=args.final, progress=progress)
    except procs.Interrupted as exc:  # the runner marked the run interrupted
        return 128 + exc.signum
    write_atomic(args.outcome, outcome.model_dump_json().encode("utf-8"))
    if progress:  # retention and notices are done too; the CPU of this process and of its stages
        used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
        progress({"event": "phase", "phase": "outcome", "cpu_s": round(sum(u.ru_utime + u.ru_stime for u in used), 3)})
    return 0


def warm() -> None:
    """Load once what every audit loads first: the runner and what it imports, the plug-ins, the HTTP
    client, the report's templates, catalogues and rubric (by writing the reports of an empty run into
    a throwaway store). Never raises: a process forked after a failed warm-up starts its audit cold."""
    with contextlib.suppress(Exception), tempfile.TemporaryDirectory(prefix=procs.temp_prefix()) as tmp:
        import requests  # noqa: F401, PLC0415  (the start-page check's client, imported when first used)

        profile = Profile()
        rubric = load_rubric(profile.rubric)
        checks = runner.build_checks(profile)
        with open_store(Path(tmp, "warm.sqlite")) as store:
            run_id = store.create_run(site="warm-up", start_url="http://127.0.0.1/", tool_version=__version__,
                                      profile_hash="", profile={}, rubric=rubric.ref)
            # every check's section of the report is rendered (its templates compiled) when it has a result
            store.save_check_results(run_id, [CheckResult(c.id, c.version, CheckStatus.PASSED) for c in checks])
            store.save_scores(run_id, scoring.score(rubric, store.check_results(run_id)))
            store.finish_run(run_id, RunStatus.COMPLETED, stats={}, health=[])
            runner.write_reports(store, run_id, Path(tmp, "out"))
    with contextlib.suppress(Exception):  # the report's sections an empty run leaves out
        from govaudit.reports.writers import html  # noqa: PLC0415

        env = html._environment()
        for name in env.list_templates(filter_func=lambda name: name.startswith("sections/")):
            with contextlib.suppress(Exception):
                env.get_template(name)


def forked(argv: list[str], env: dict[str, str]) -> None:
    """`main(argv)` in a process the worker's forkserver forked: made like the one `python -m` starts (a
    session of its own, the worker's environment, stdout to /dev/null) and ending with the forkserver,
    which ends with the worker's pool process."""
    os.setsid()
    procs.die_with_parent(os.getppid(), signal.SIGTERM)
    # The forkserver hands its children the write end of its "alive" pipe and stays up while one holds
    # it: this one would keep it (and so itself) alive after the pool process died.
    from billiard import forkserver  # type: ignore[import-untyped]  # noqa: PLC0415

    alive = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_alive_fd", None)
    if isinstance(alive, int):
        with contextlib.suppress(OSError):
            os.close(alive)
    os.environ.clear()
    os.environ.update(env)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.exit(main(argv))


if __name__ == "__main__":
    sys.exit(main())
