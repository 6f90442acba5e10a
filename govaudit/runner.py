"""One audit: profile → start-page check → crawl → health → checks → scoring → writers, recorded as a run.

Nothing is written before the configuration has been checked, so a usage error leaves the database
exactly as it was. A start page that does not answer after its retries (govaudit.startpage) is a run
recorded `unreachable` (exit 4); one that is not HTML a run `failed` (exit 2); both announced. The crawl runs in its own process (Twisted's reactor starts
once per process; a crash there must not take the run record with it). Checks, scoring and writers
can be re-run from the store alone (`rebuild_report`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from govaudit import (
    __version__,
    asof,
    diff,
    health,
    incremental,
    notify,
    parallel,
    procs,
    registry,
    retention,
    reuse,
    scoring,
    stage,
    startpage,
    urls,
)
from govaudit.chromium import BrowserConfig, loopback_hosts
from govaudit.context import CheckContext, NotApplicable
from govaudit.failon import FailOn
from govaudit.files import disk_full, write_atomic
from govaudit.jobs import EXIT_DISK_FULL, BrowserJob, CrawlJob
from govaudit.models import CheckResult, CheckStatus, RunStatus
from govaudit.plugins import BrowserTarget, Check, DependencyError, run_order
from govaudit.profile import ConfigError, Profile, Rubric, check_start_url, load_rubric
from govaudit.results import (
    LinkRows,
    LinkSources,
    build,
    decode_rows,
    encode_rows,
    link_rows,
    link_sources,
    rows_key,
)
from govaudit.scope import offline_allows
from govaudit.stage import Progress, StageProcess
from govaudit.store import RunReader, Store, open_store

EXIT_OK, EXIT_FAIL_ON, EXIT_INCOMPLETE, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3, 4


class RunFailed(Exception):
    """The run cannot go on (its store's disk is full): recorded `failed` where the store still takes
    it, reported in one line (exit 2), no traceback."""


@dataclass
class Outcome:
    run_id: int
    status: RunStatus
    exit_code: int
    files: list[Path]
    summary: dict[str, Any]
    tripped: list[str] = field(default_factory=list)
    error: str = ""  # why a run did not complete (unreachable, failed), for the summary line and notices


def build_checks(profile: Profile) -> list[Check]:
    """The enabled checks, built with their profile options, each after the checks it depends on."""
    available = registry.checks()
    unknown = set(profile.checks) - set(available)
    if unknown:
        raise ConfigError(f"{profile.source}: checks: unknown check(s) {', '.join(sorted(unknown))}; "
                          f"available: {', '.join(available)}")
    built = []
    for check_id, cls in available.items():
        if check_id in profile.checks and profile.checks[check_id] is None:
            continue  # disabled in the profile
        try:
            built.append(cls(profile.checks.get(check_id) or {}))
        except ValueError as exc:
            raise ConfigError(f"{profile.source}: checks.{check_id}: {exc}") from None
    try:
        order = run_order({c.id: c.depends_on for c in built})
    except DependencyError as exc:
        raise ConfigError(f"{profile.source}: checks: {exc}") from None
    by_id = {c.id: c for c in built}
    return [by_id[cid] for cid in order]


def code_catalogue() -> dict[str, dict]:
    return {code: {"check": cid, "severity": c.severity.value, "description": c.description,
                   "description_zh": c.description_zh}
            for cid, cls in registry.checks().items() for code, c in cls.codes.items()}


def _browser_config(options: dict[str, Any], offline: bool, user_agent: str,
                    targets: Sequence[BrowserTarget]) -> BrowserConfig:
    return BrowserConfig(
        chromium=options["chromium"], chromedriver=options["chromedriver"], offline=offline,
        # offline, Chromium resolves only the loopback hosts of the pages under test
        allow_hosts=loopback_hosts(t.url for t in targets) if offline else (),
        tags=tuple(options["tags"]), page_timeout=float(options["page_timeout"]), max_nodes=options["max_nodes"],
        page_budget=float(options["page_budget"]),
        user_agent=user_agent.format(version=__version__))


def _stage(module: str, job: CrawlJob | BrowserJob, progress: Progress | None, *, grace: float,
           ahead: StageProcess | None = None,
           started: Callable[[], None] | None = None) -> tuple[dict[str, Any] | None, int]:
    """Run one I/O stage in its own process (StageProcess; `ahead`: the one started before its job;
    `started()`: called once it has its job)."""
    death = signal.SIGTERM if isinstance(job, BrowserJob) else signal.SIGKILL
    with ahead or StageProcess(module, death) as process:
        return process.run(job, progress, grace=grace, started=started)


def _run_browser(job: BrowserJob, progress: Progress | None) -> dict[str, Any]:
    """The browser stage in its own process (python -m govaudit.crawler.browser), like the crawl."""
    stats, code = _stage("govaudit.crawler.browser", job, progress, grace=30)
    if stats is None:
        stats = {"available": False, "reason": f"the browser stage exited with code {code}"}
    return {**stats, "targets": len(job.targets)}


def _copy_browser(store: Store, job: BrowserJob, progress: Progress | None) -> dict[str, Any] | None:
    """An incremental night with every sampled page unchanged: the baseline's results copied here, with no
    stage process (it would start only to find nothing to test); None when a page must be tested."""
    from govaudit.crawler import browser  # noqa: PLC0415 (the stage's module: Selenium is imported lazily)

    def row(done: dict) -> None:
        if progress:
            progress({"event": "browser", "url": done["url"], "error": ""})

    stage = browser.copy_forward(store, job, row)
    return None if stage is None else {**stage.as_dict(), "targets": len(job.targets)}


def browser_cap() -> int:
    """GOVAUDIT_BROWSER_WORKERS: at most this many browsers per audit (a fleet worker sets 1, its
    concurrency being the parallelism); unset, the check's own `workers` decide."""
    raw = os.environ.get("GOVAUDIT_BROWSER_WORKERS", "").strip()
    try:
        return max(1, int(raw)) if raw else 64
    except ValueError:
        raise ConfigError(f"GOVAUDIT_BROWSER_WORKERS={raw!r} is not a whole number") from None


def browser_stage(store: Store, run_id: int, profile: Profile, checks: list[Check], *, offline: bool,
                  progress: Progress | None = None, reuse_from: int | None = None) -> dict[str, dict]:
    """After the crawl, before the checks: each enabled check that needs a browser names the pages it
    wants tested (check.sample) and the browser process runs axe-core on them into the store.
    Returns {check id: stage summary}; a summary with available=False carries the reason."""
    out = {}
    for check in checks:
        if "browser" not in check.requires or type(check).sample is Check.sample:
            continue  # a browser check that samples no pages is skipped for want of a browser
        ctx = CheckContext(store=store, run_id=run_id, profile=profile, options=check.options)
        targets = tuple(t for t in check.sample(ctx) if not offline or offline_allows(t.url))
        # Browsers load pages from the agency's server too: never more at once than the crawl may.
        if progress:
            progress({"event": "phase", "phase": "browser", "total": len(targets), "detail": f"0/{len(targets)} pages"})
        job = BrowserJob(store=store.url, run_id=run_id, check_id=check.id, targets=targets,
                         workers=min(check.options["workers"], profile.crawl.concurrency, browser_cap()),
                         config=_browser_config(check.options, offline, profile.crawl.user_agent, targets),
                         reuse_from=reuse_from)
        copied = _copy_browser(store, job, progress) if reuse_from is not None else None
        out[check.id] = copied if copied is not None else _run_browser(job, progress)
    return out


def run_checks(store: Store, run_id: int, profile: Profile, checks: list[Check],
               browsers: dict[str, dict] | None = None, *, workers: int | None = None,
               pages_only: bool = False, earlier: Sequence[CheckResult] = ()) -> list[CheckResult]:
    """Run `checks` (in dependency order, as build_checks gives them); `earlier`: results of checks run
    before, which a check here may depend on."""
    workers = parallel.workers_wanted() if workers is None else workers
    if workers > 1 and len(checks) > 1 and parallel.can_fork(store, run_id):
        return parallel.run_checks(store, run_id, profile, checks, browsers, workers, run_checks,
                                   pages_only=pages_only, earlier=earlier)
    out = []
    shared: dict[str, Any] = {}  # reads the checks share (CheckContext.shared)
    done = {r.check_id: r for r in earlier}  # what ctx.result_of gives a check that depends on one
    for check in checks:
        began = time.monotonic()
        stage = (browsers or {}).get(check.id) or {}
        ctx = CheckContext(store=store, run_id=run_id, profile=profile, options=check.options,
                           browser=stage if stage.get("available") else None, shared=shared,
                           pages_only=pages_only, results={d: done[d] for d in check.depends_on if d in done},
                           lookups_only=reuse.declares_lookups(check.inputs))
        missing = set(check.requires) - ({"browser"} if ctx.browser else set())
        try:
            if missing:
                why = f": {stage['reason']}" if stage.get("reason") else ""
                result = CheckResult(check.id, check.version, CheckStatus.SKIPPED,
                                     error=f"needs {', '.join(sorted(missing))}{why}")
            else:
                result = check.run(ctx)
        except NotApplicable as exc:
            result = CheckResult(check.id, check.version, CheckStatus.NOT_APPLICABLE, error=str(exc))
        except Exception as exc:  # one failing check never sinks the audit
            result = CheckResult(check.id, check.version, CheckStatus.ERROR, error=f"{type(exc).__name__}: {exc}")
        out.append(CheckResult(result.check_id, result.version, result.status, result.metrics, result.findings,
                               round(time.monotonic() - began, 3), result.error, result.data,
                               frozenset(ctx.looked_up)))
        done[check.id] = out[-1]
    return out


class EarlyChecks:
    """The checks that read no link results (Check.reads_link_results = False) start in forked processes
    when the crawl reports every page stored (its "pages_stored" event), while its last link checks are
    still out: on most sites the crawl ends waiting on a few retries, and both cores would idle. Without
    that event, or where forking is not safe (parallel.can_fork), they run after the crawl as before."""

    def __init__(self, store: Store, run_id: int, profile: Profile, checks: list[Check]):
        self.store, self.run_id, self.profile = store, run_id, profile
        self.candidates: list[Check] = []
        for c in checks:  # dependencies first: a check starts early only with all it depends on
            ready = {e.id for e in self.candidates}
            if not c.reads_link_results and "browser" not in c.requires and c.depends_on <= ready:
                self.candidates.append(c)
        self.children: list[parallel.Child] = []

    @property
    def started(self) -> list[Check]:
        return [c for child in self.children for c in child.group]

    def busy(self) -> bool:
        """Still running: the checks after the crawl then stay in this process (memory and cores are taken)."""
        return not all(child.done() for child in self.children)

    def start(self) -> None:
        workers = parallel.workers_wanted()
        if self.children or not self.candidates or workers <= 1 or not parallel.can_fork(self.store, self.run_id):
            return
        self.children = [parallel.fork(self.store, self.run_id, self.profile, group, None, run_checks, pages_only=True)
                         for group in parallel.split(self.candidates, workers)]

    def feeds(self, checks: list[Check]) -> bool:
        """Some of `checks` depend on a check started early: its result must be in before they run."""
        started = {c.id for c in self.started}
        return any(c.depends_on & started for c in checks)

    def collect(self) -> list[CheckResult]:
        children, self.children = self.children, []
        return parallel.collect(self.store, self.run_id, self.profile, children, None, run_checks)

    def abandon(self) -> None:
        children, self.children = self.children, []
        parallel.abandon(children)


def _phases(progress: Progress | None) -> Callable[..., None]:
    """phase("checks", total=12): the runner's own progress events, for the display (govaudit.display)."""

    def phase(name: str, **fields: Any) -> None:
        if progress:
            event = {"event": name} if name in ("checks_done", "done") else {"event": "phase", "phase": name}
            progress({**event, **fields})

    return phase


def crawl_stage(job: CrawlJob, progress: Progress | None, *, ahead: StageProcess | None = None,
                started: Callable[[], None] | None = None) -> tuple[dict[str, Any], int]:
    """The crawl process (python -m govaudit.crawler): (its stats, its exit code). `ahead`: the crawl
    process audit() started before the start page check (crawl_ahead()); `started()`: called once it
    has its job."""
    stats, code = _stage(stage.CRAWL, job, progress, grace=10, ahead=ahead, started=started)
    return (stats if stats is not None else {"finish_reason": "crashed"}), code


def audit(start_url: str | None, profile: Profile, *, db: Path | str, out: Path, offline: bool = False,
          fail_on: str = "", progress: Progress | None = None, lang: str = "zh-TW",
          formats: Collection[str] | None = None, full: bool = False) -> Outcome:
    with stage.crawl_ahead() as ahead:  # first: it imports while the rest of the run's set-up is done
        start = check_start_url(start_url or profile.site.start_url)
        rubric = load_rubric(profile.rubric)
        rules = FailOn.parse(fail_on, indicators=[i.id for i in rubric.indicators])
        checks = build_checks(profile)
        return _audit(start, profile, rubric, rules, checks, ahead, db=db, out=out, offline=offline,
                      progress=progress, lang=lang, formats=formats, full=full)


def _audit(start: str, profile: Profile, rubric: Rubric, rules: FailOn, checks: list[Check], ahead: StageProcess,
           *, db: Path | str, out: Path, offline: bool, progress: Progress | None, lang: str,
           formats: Collection[str] | None, full: bool) -> Outcome:
    try:
        page = startpage.check(start, profile, offline=offline)
    except startpage.StartPageError as exc:  # the site is down tonight: a run on record, a notice, exit 4
        return _record_unstarted(start, profile, rubric, RunStatus.UNREACHABLE, str(exc), EXIT_UNREACHABLE,
                                 db=db, offline=offline)
    if not page.html:  # nothing to crawl from a PDF or a binary: a clear failure, never "0 pages, 100 points"
        why = (f"the start page is not an HTML page (Content-Type: {page.content_type or 'none'}): {page.url}; "
               "nothing to crawl")
        return _record_unstarted(start, profile, rubric, RunStatus.FAILED, why, EXIT_INCOMPLETE, db=db,
                                 offline=offline)
    site = _site_of(start, profile)
    with procs.interruptible(), open_store(db) as store, store.run_lock(site):
        site, run_id = _open_run(store, start, profile, rubric, offline=offline)
        early = EarlyChecks(store, run_id, profile, checks)
        known: dict[str, str] = {}  # input digests taken during the crawl: pages are stored once, read once
        writers = _Prepared(formats)
        # begun once the crawl has stored every link: the links digest, and the report's read of the link table
        meanwhile: list[tuple[_Meanwhile[str], _Meanwhile[_Rows]]] = []

        def read_links() -> tuple[_Meanwhile[str], _Meanwhile[_Rows]]:
            digest = _Meanwhile(store.url, lambda reader: reader.links_digest(run_id), "links-digest")
            before = _baseline_inputs(store, night).get(reuse.PAGES)
            if before is not None and known.get(reuse.PAGES) == before:
                # The pages are the baseline's: so, most likely, is the link table. Its read kept by the night
                # before is looked up by the table's digest first, and read again only if it is not there.
                return digest, _Meanwhile(store.url, lambda reader: _kept_rows(reader, site, digest.take())
                                          or _Rows(link_rows(reader, run_id), kept=False), "link-rows")
            return digest, _Meanwhile(store.url, lambda reader: _Rows(link_rows(reader, run_id), kept=False),
                                      "link-rows")

        def relay(event: dict) -> None:
            # an unchanged night's checks are mostly copied forward (govaudit/reuse.py): none starts early
            if event.get("event") == "pages_stored" and not _pages_unchanged(store, run_id, night, known):
                writers.join()  # (no thread may run when the early checks fork)
                early.start()
            elif event.get("event") == "links_stored" and not meanwhile:  # (after any early fork: see above)
                if reuse.PAGES not in known:  # (final too: the crawl corrected the depths before its link stage)
                    known.update(reuse.digests(store, run_id, {reuse.PAGES}, asof.audit_date(store.run(run_id))))
                meanwhile.append(read_links())
            if progress:
                progress(event)

        phase = _phases(progress)
        try:
            job = CrawlJob.from_profile(profile, store=store.url, run_id=run_id, site=site, start_url=start,
                                        offline=offline, analyzers=tuple(sorted(c.id for c in checks)))
            night = _plan_night(store, site, run_id, profile, full=full)
            job = job.model_copy(update={"revalidate_from": night.baseline_run, "reuse_parsed": night.reuse_parsed,
                                         "recheck_cached": night.forced})
            phase("crawl")
            # (the templates are compiled once the crawl process has its job: begun before, their thread held
            # the GIL while this one was still on its way to hand the job over: 0.22-0.26 s on an unchanged night)
            stats, code = crawl_stage(job, relay, ahead=ahead, started=writers.start)
            writers.join()
            reused = stats.pop("reused", {})
            stats = {**stats, "night": night.stats(reused)}
            if code == EXIT_DISK_FULL:
                raise RunFailed(f"the disk holding {db} is full: the crawl stopped at its first failed write; "
                                "free space and run again")
            store.save_stats(run_id, stats)  # before the checks: crawl_coverage reads the crawl's cuts
            links_digest, rows = meanwhile[0] if meanwhile else read_links()
            linked = _Meanwhile(store.url, lambda reader: link_sources(reader, run_id, _rows_of(rows.take())),
                                "link-sources")
            previous = store.last_completed_run(site, before=run_id)
            monitors = health.evaluate(stats, store.run(previous).stats if previous else None, exit_code=code,
                                       start_status=store.link_status(run_id, start))
            status = RunStatus.COMPLETED if health.healthy(monitors) else RunStatus.INCOMPLETE
            browsers = browser_stage(store, run_id, profile, checks, offline=offline, progress=progress,
                                     reuse_from=night.baseline_run if night.reuse_parsed else None)
            if browsers:
                stats = {**stats, "browser": browsers}
            if (digest := links_digest.take()) is not None:
                known[reuse.LINKS] = digest
            inputs, copied = _reused_results(store, run_id, night, checks, ran=early.started, known=known)
            stats = {**stats, "night": {**stats["night"], "inputs": inputs, "checks_reused": sorted(copied)}}
            phase("checks", total=len(checks), detail=f"{len(checks)} checks")
            sources = linked.take()
            rest = [c for c in checks if c not in early.started and c.id not in copied]
            earlier = early.collect() if early.feeds(rest) else []
            results = run_checks(store, run_id, profile, rest, browsers, workers=1 if early.busy() else None,
                                 earlier=earlier + list(copied.values()))
            results = parallel.in_order(results + earlier + early.collect() + list(copied.values()), checks)
            stats["night"] |= _lookups(store, run_id, night, checks, results, copied, inputs)
            store.save_check_results(run_id, results)
            read = rows.take()
            _keep_rows(store, site, known.get(reuse.LINKS), read)
            stats["night"]["link_rows_kept"] = read is not None and read.kept  # (taken from the night before)
            phase("checks_done", checks=len(results))
            store.save_scores(run_id, scoring.score(rubric, store.check_results(run_id)))
            store.finish_run(run_id, status, stats=stats, health=health.as_dicts(monitors))
            phase("writing", total=None)
            # Within the try: a report that cannot be written (a full disk) or a stop while writing turns
            # the run `failed` / `interrupted`, never a `completed` run without its reports.
            files, results_doc = write_reports(store, run_id, out, lang=lang, formats=formats,
                                               linked=sources)
        except BaseException as exc:
            early.abandon()  # early check processes still running (a crash or Ctrl-C anywhere above)
            if isinstance(exc, procs.Interrupted | KeyboardInterrupt):
                why = str(exc) if isinstance(exc, procs.Interrupted) else "interrupted by SIGINT"
                code = 128 + exc.signum if isinstance(exc, procs.Interrupted) else 130
                store.finish_run(run_id, RunStatus.INTERRUPTED, error=why)
                _announce(store, run_id, profile, RunStatus.INTERRUPTED, code, why, offline=offline)
            else:
                why = (str(exc) if isinstance(exc, RunFailed) else f"{type(exc).__name__}: {exc}")[:1000]
                try:
                    store.finish_run(run_id, RunStatus.FAILED, error=why)
                except Exception as again:
                    if not disk_full(again):
                        raise
                    # a full disk takes no more writes: the next run marks this one interrupted
                    raise RunFailed(f"{why} (run {run_id} is left unfinished: the next run marks it "
                                    "interrupted)") from None
                _announce(store, run_id, profile, RunStatus.FAILED, EXIT_INCOMPLETE, why, offline=offline)
            raise
        phase("done")
        retention.after_audit(store, site, profile, status)  # prunes old runs; never fails this one
    summary = summarize(results_doc)
    tripped = rules.tripped(summary)
    exit_code = EXIT_INCOMPLETE if status != RunStatus.COMPLETED else EXIT_FAIL_ON if tripped else EXIT_OK
    outcome = Outcome(run_id, status, exit_code, files, summary, tripped)
    notify.after_run(profile.notify, outcome, results_doc, offline=offline)  # logs failures, never raises
    return outcome


def _plan_night(store: Store, site: str, run_id: int, profile: Profile, *, full: bool) -> incremental.Night:
    """Tonight incremental or full (govaudit/incremental.py), from the site's completed runs before run_id."""
    baseline = store.last_completed_run(site, before=run_id)
    kinds: list[str] = []
    earlier = baseline
    while earlier is not None and len(kinds) < profile.crawl.full_every:
        kinds.append((store.run(earlier).stats.get("night") or {}).get("kind", incremental.FULL))
        earlier = store.last_completed_run(site, before=earlier)
    # A stored parse is taken only from the same tool version and profile (page analyzers, link caps).
    base = store.run(baseline) if baseline is not None else None
    same = base is not None and base.tool_version == __version__ and base.profile_hash == profile.fingerprint()
    return incremental.plan(full=full, every=profile.crawl.full_every, baseline=baseline,
                            nights_since_full=incremental.nights_since_full(kinds), same_parser=same)


def _baseline_inputs(store: Store, night: incremental.Night) -> dict[str, str]:
    """The input digests the baseline run kept (govaudit/reuse.py); none when its results may not be
    taken (a full night, or another tool version or profile)."""
    if night.baseline_run is None or not night.reuse_parsed:
        return {}
    return (store.run(night.baseline_run).stats.get("night") or {}).get("inputs") or {}


def _pages_unchanged(store: Store, run_id: int, night: incremental.Night, known: dict[str, str]) -> bool:
    """Tonight's pages digest the same as the baseline's (read once every page is stored; the digest is
    kept in `known` for `_reused_results`: no page is added after that event)."""
    before = _baseline_inputs(store, night).get(reuse.PAGES)
    if before is None:
        return False
    day = asof.audit_date(store.run(run_id))
    known.update(reuse.digests(store, run_id, {reuse.PAGES}, day))
    return known[reuse.PAGES] == before


def _reused_results(store: Store, run_id: int, night: incremental.Night, checks: Sequence[Check],
                    ran: Collection[Check], known: Mapping[str, str]) -> tuple[dict[str, str], dict[str, CheckResult]]:
    """Tonight's input digests of every check (kept in the run's stats for the next night; those `known`
    already are not read again) and the baseline's results of the checks not `ran` already whose inputs
    did not change (govaudit/reuse.py), by check id."""
    wanted = {name for c in checks if c.inputs is not None for name in c.inputs} - {reuse.LINK_LOOKUPS}
    inputs = {name: known[name] for name in wanted & known.keys()}
    before = _baseline_inputs(store, night)
    # each check's lookups of last night digested again tonight (the checks that ran tonight are digested
    # after they run: _lookups)
    inputs |= reuse.digests(store, run_id, wanted - known.keys(), asof.audit_date(store.run(run_id)),
                            lookups=_baseline_lookups(store, night, checks) if before else None)
    if not before or night.baseline_run is None:
        return inputs, {}
    stored = reuse.stored_results(store, night.baseline_run)
    versions = {c.id: c.version for c in checks}
    usable = {cid for cid, r in stored.items() if r.status != CheckStatus.ERROR and r.version == versions.get(cid)}
    ids = reuse.reusable({c.id: None if "browser" in c.requires or c in ran else reuse.compared(c.id, c.inputs)
                          for c in checks},
                         {c.id: c.depends_on for c in checks}, inputs, before, usable)
    return inputs, {cid: stored[cid] for cid in ids}


def _baseline_lookups(store: Store, night: incremental.Night, checks: Sequence[Check]) -> dict[str, list[str]]:
    """The targets each check declaring reuse.LINK_LOOKUPS looked up in the baseline run."""
    if night.baseline_run is None:
        return {}
    kept = (store.run(night.baseline_run).stats.get("night") or {}).get("lookups") or {}
    return {c.id: kept[c.id] for c in checks if reuse.declares_lookups(c.inputs) and c.id in kept}


def _lookups(store: Store, run_id: int, night: incremental.Night, checks: Sequence[Check],
             results: Sequence[CheckResult], copied: Collection[str], inputs: Mapping[str, str]) -> dict[str, Any]:
    """What the run's stats.night gains once its checks are done: the targets each check declaring
    reuse.LINK_LOOKUPS looked up tonight ("lookups") and their digests among the "inputs". A check copied
    forward looked up the baseline's targets, digested already by _reused_results."""
    declaring = {c.id for c in checks if reuse.declares_lookups(c.inputs)}
    before = _baseline_lookups(store, night, checks)
    urls = reuse.looked_up(results, declaring, {cid: before[cid] for cid in copied if cid in before})
    ran = {cid: targets for cid, targets in urls.items() if cid not in copied}
    digests = {name: inputs[name] for cid in urls if cid in copied and (name := reuse.lookup_input(cid)) in inputs}
    if ran:
        digests |= reuse.digests(store, run_id, (), asof.audit_date(store.run(run_id)), lookups=ran)
    return {"inputs": {**inputs, **digests}, "lookups": urls}


class _Prepared:
    """The chosen writers' run-independent work (Writer.prepare: the HTML report's templates compiled), in a
    thread while the crawl process runs and this one waits for it. Joined before anything forks."""

    def __init__(self, formats: Collection[str] | None) -> None:
        self.thread = threading.Thread(target=self._prepare, args=(formats,), name="writers-prepare", daemon=True)

    @staticmethod
    def _prepare(formats: Collection[str] | None) -> None:
        for cls in registry.chosen_writers(formats):  # (their imports too are done here)
            if hasattr(cls, "prepare"):
                with contextlib.suppress(Exception):  # a template that does not compile fails its render, told there
                    cls.prepare()

    def start(self) -> None:
        self.thread.start()

    def join(self) -> None:
        if self.thread.is_alive():
            self.thread.join()


def _site_of(start: str, profile: Profile) -> str:
    """The site's name in the store: what its run lock, its history and its baseline are keyed by."""
    return profile.site.name or urls.host_of(start)


def _open_run(store: Store, start: str, profile: Profile, rubric: Rubric, *, offline: bool) -> tuple[str, int]:
    """Under the run lock: close what a dead process left (announcing this site's interrupted runs), then
    record the new run. Returns (site, run id)."""
    site = _site_of(start, profile)
    stale = store.fail_stale_runs(site)  # runs left `running` by a dead process (this site's, and idle sites'): interrupted
    procs.sweep_temp()  # and the temporary directories such a process left
    for stale_id in stale:
        if store.run(stale_id).site == site:  # each site's officer hears of their own runs
            _announce(store, stale_id, profile, RunStatus.INTERRUPTED, EXIT_INCOMPLETE,
                      "interrupted before it finished (its process died; found by the next run)", offline=offline)
    run_id = store.create_run(site=site, start_url=start,
                              tool_version=__version__, profile_hash=profile.fingerprint(),
                              profile=profile.public_dump(),  # secrets redacted: the store never holds them
                              rubric=rubric.ref)
    return site, run_id


def _record_unstarted(start: str, profile: Profile, rubric: Rubric, status: RunStatus, error: str, exit_code: int,
                      *, db: Path | str, offline: bool) -> Outcome:
    """A run that ended at its start page (unreachable, or not HTML): recorded with the reason and every
    indicator `not_assessed` (no score is not a low score, nor 100), announced, never a baseline. The
    report files of the last run that had some stay as they are in --out."""
    with procs.interruptible(), open_store(db) as store, store.run_lock(_site_of(start, profile)):
        _, run_id = _open_run(store, start, profile, rubric, offline=offline)
        store.save_scores(run_id, scoring.score(rubric, []))
        store.finish_run(run_id, status, error=error)
        outcome = _announce(store, run_id, profile, status, exit_code, error, offline=offline)
    return outcome


def _announce(store: Store, run_id: int, profile: Profile, status: RunStatus, exit_code: int, error: str,
              *, offline: bool) -> Outcome:
    """The outcome of a run that did not complete, sent to the profile's channels (every channel hears
    of such a run, whatever its `on`). Never raises: the run is recorded already."""
    try:
        doc = build(store, run_id, codes=code_catalogue())
        summary = summarize(doc)
    except Exception as exc:  # noqa: BLE001 - a half-written run still gets its notice
        doc, summary = {"run": {"id": run_id, "status": str(status), "error": error}}, {
            "run": run_id, "status": str(status), "why": f"{type(exc).__name__}"}
    outcome = Outcome(run_id, status, exit_code, [], summary, error=error)
    notify.after_run(profile.notify, outcome, doc, offline=offline)
    return outcome


class _Rows(NamedTuple):
    """The report's read of the run's link table, and whether it is the one kept by an earlier night."""

    rows: LinkRows
    kept: bool


def _rows_of(read: _Rows | None) -> LinkRows | None:
    return read.rows if read is not None else None


def _kept_rows(reader: RunReader, site: str, links_digest: str | None) -> _Rows | None:
    """The read kept for a link table with that digest (an unchanged night's is the night before's)."""
    data = reader.link_read(site, rows_key(links_digest)) if links_digest else None
    if data is None:
        return None
    try:
        return _Rows(decode_rows(data), kept=True)
    except (ValueError, KeyError, TypeError):  # a damaged copy: the table is read again
        return None


def _keep_rows(store: Store, site: str, links_digest: str | None, read: _Rows | None) -> None:
    """Tonight's read kept for the next night (a few hundred kB: the first sources of each target)."""
    if links_digest and read is not None and not read.kept:
        store.keep_link_read(site, rows_key(links_digest), encode_rows(read.rows))


class _Meanwhile[T]:
    """read(store) on a connection of its own, in a thread, while the browser stage and the input digests
    run: the whole-table passes over the links (its digest, the report's sources of each target) are most
    of an unchanged night after the crawl, and most of their time is spent inside the database. The links
    digest and the report's read of the link table (results.link_rows) start once the crawl process says
    every link is stored (its "links_stored" event, while it finishes its link stage on the other core),
    the sources by result once it has ended (the results are final then); each is taken (the thread
    joined) before the checks, which may fork."""

    def __init__(self, store_url: str, read: Callable[[RunReader], T], name: str) -> None:
        self.result: T | None = None
        self.thread = threading.Thread(target=self._read, args=(store_url, read), name=name, daemon=True)
        self.thread.start()

    def _read(self, store_url: str, read: Callable[[RunReader], T]) -> None:
        # a failure leaves `result` None: the reader in the runner's own thread then does it again, and
        # meets whatever stopped this one (a locked or vanished store)
        with contextlib.suppress(Exception), open_store(store_url, readonly=True) as reader:
            self.result = read(reader)

    def take(self) -> T | None:
        self.thread.join()
        return self.result


def write_reports(store: Store, run_id: int, out: Path, *, lang: str = "zh-TW",
                  formats: Collection[str] | None = None,
                  linked: LinkSources | None = None) -> tuple[list[Path], dict]:
    """The results document and the files of the writers chosen by id (`--format`; None: every one).

    Written as a set: every file into a staging directory inside `out` first, then each renamed over
    its old self, so that a failure or a stop while writing leaves the previous set whole (never
    links.csv from one run beside report.html from another). A staging directory left by a killed
    process is removed here the next time."""
    doc = build(store, run_id, codes=code_catalogue(), linked=linked)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    procs.sweep_temp(prefix=STAGING, base=out)
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING}{os.getpid()}-", dir=out))
    try:
        written = [Path(cls().write(doc, staging, lang=lang)) for cls in registry.chosen_writers(formats)]
        files = []
        for path in written:  # only renames from here: nothing left that can run out of space
            os.replace(path, out / path.name)
            files.append(out / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return files, doc


STAGING = ".govaudit-staging-"  # write_reports' staging directories in the output directory


def rebuild_report(db: Path | str, run_id: int | None, out: Path, *, lang: str = "zh-TW",
                   formats: Collection[str] | None = None) -> tuple[list[Path], dict]:
    with open_store(db, readonly=True) as store:
        run_id = run_id or store.latest_run_id()
        if run_id is None:
            raise ConfigError(f"no runs in {db}")
        try:
            store.run(run_id)
        except Exception as exc:
            raise ConfigError(str(exc)) from None
        return write_reports(store, run_id, out, lang=lang, formats=formats)


def summarize(doc: dict) -> dict[str, Any]:
    """The run in numbers: the names `--fail-on` rules test and the one summary line shows."""
    counts: dict[str, Any] = {s: 0 for s in ("ok", "redirected", "broken", "unverified", "excluded", "unsupported")}
    accepted = 0
    accepted_links = set()
    for link in doc["links"]:
        if link.get("accepted"):  # accepted by an ack or a profile rule: shown apart, never counted
            accepted += 1
            accepted_links.add(link["url"])
            continue
        counts[link["status"]] = counts.get(link["status"], 0) + 1
    findings = [f for c in doc["checks"] for f in c["findings"] if not f.get("accepted")]
    changes = doc.get("changes") or {}
    links = changes.get("links") or {}
    scores = changes.get("scores") or []
    summary = {
        "run": doc["run"]["id"], "status": doc["run"]["status"], "pages": doc["run"]["pages_crawled"],
        "links": len(doc["links"]), **counts, "accepted": accepted,
        "new": sum(1 for lk in doc["links"] if lk.get("new") and not lk.get("accepted")),
        "resolved": len(links.get("resolved") or []), "findings": len(findings),
        "critical": sum(f["severity"] == "critical" for f in findings),
        "high": sum(f["severity"] in ("critical", "high") for f in findings),
        "check_errors": sum(c["status"] == "error" for c in doc["checks"]),
        "baseline_run": changes.get("baseline_run"), "baseline_reason": changes.get("baseline_reason"),
        "new_broken": len([u for u in diff.new_broken(links.get("transitions") or []) if u not in accepted_links]),
        "confirmed_broken": len([u for u in diff.confirmed_broken(links.get("transitions") or [])
                                 if u not in accepted_links]),
        "still_failing": len([u for u in links.get("still_failing") or [] if u not in accepted_links]),
        "flapping": len([f for f in links.get("flapping") or [] if f["url"] not in accepted_links]),
        "new_findings": sum(1 for f in changes.get("new") or [] if not f.get("accepted")),
        "resolved_findings": sum(1 for f in changes.get("resolved") or [] if not f.get("accepted")),
        "score_drop": diff.score_drop(scores),
    }
    deltas = {s["indicator"]: s["delta"] for s in scores}
    for indicator in doc["indicators"]:
        summary[indicator["id"]] = indicator["score"]
        summary[f"{indicator['id']}_delta"] = deltas.get(indicator["id"])
    return summary


A11Y_SCHEMA = "govaudit/a11y@1"


def a11y(page_urls: list[str], out: Path, *, offline: bool = False, options: dict | None = None,
         progress: Progress | None = None) -> tuple[Path, dict, int]:
    """`govaudit a11y`: only the accessibility check (the check that requires the browser and declares
    the results.json sections it fills), on the given pages (no crawl), into out/results.json with the
    same sections an audit writes. Returns (path, document, exit code)."""
    given = list(dict.fromkeys(check_start_url(u) for u in page_urls))
    if not given:
        raise ConfigError("no page URL given")
    if offline:
        for url in given:
            if not offline_allows(url):
                raise ConfigError(f"--offline: {url} is not a loopback address, so it is not contacted")
    found = [cls for cls in registry.checks().values() if "browser" in cls.requires and cls.sections]
    if len(found) != 1:
        raise ConfigError("no accessibility check is installed" if not found else
                          f"more than one check tests pages in the browser: {', '.join(c.id for c in found)}")
    (cls,) = found
    try:
        check = cls(options or {})
    except ValueError as exc:
        raise ConfigError(f"a11y: {exc}") from None
    with tempfile.TemporaryDirectory(prefix="govaudit-a11y-") as tmp, open_store(Path(tmp, "a11y.sqlite")) as store:
        run_id = store.create_run(site="a11y", start_url=given[0], tool_version=__version__, profile_hash="",
                                  profile={"checks": {check.id: check.options}}, rubric="")
        targets = tuple(BrowserTarget(u, "given") for u in given)
        job = BrowserJob(store=store.url, run_id=run_id, check_id=check.id, record_pages=True, targets=targets,
                         workers=check.options["workers"],
                         config=_browser_config(check.options, offline, Profile().crawl.user_agent, targets))
        summary = _run_browser(job, progress)
        (result,) = run_checks(store, run_id, Profile(), [check], {check.id: summary})
    sections = {}
    for name in check.sections:
        sections[name] = dict(result.data.get(name) or {})
        sections[name].setdefault("pages", [])
        sections[name].setdefault("templates", [])
    doc = {
        "schema": A11Y_SCHEMA, "tool_version": __version__, "pages_given": given, "offline": offline,
        "browser": summary,
        "check": {"id": result.check_id, "version": result.version, "status": result.status,
                  "metrics": result.metrics, "error": result.error, "duration": result.duration,
                  "findings": len(result.findings)},
        **sections,
    }
    path = write_atomic(Path(out) / "results.json",
                         json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8") + b"\n")
    ran = result.status in (CheckStatus.PASSED, CheckStatus.FAILED, CheckStatus.NEEDS_REVIEW)
    return path, doc, EXIT_OK if ran else EXIT_INCOMPLETE

