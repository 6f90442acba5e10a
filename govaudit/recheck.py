"""`govaudit recheck`: re-verify now the failing links of a recorded run, after the officer fixed them, so
the report shows them green the same day instead of after the next night.

The outcome amends that run in place rather than recording a new one: a run of a few links, with no
pages and no checks of its own, would be the site's newest run, and the next night would compare with
it (a site of 0 pages) and its trend would dip. Each re-checked result keeps a record of the re-check
(`details.recheck`: when, and the status, HTTP status and error it replaced), so the run's history is
never silently rewritten; its checks, scores and report are then rebuilt from the store.

The targets go through the same link checker and scope gate as a night's crawl: the crawl stage, with
a job naming only them (CrawlJob.recheck), into a scratch store, so that the link history and the
external-result cache of the real one are not touched by a partial check.
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from govaudit import __version__, asof, registry, reuse, runner, scoring, urls
from govaudit.jobs import CrawlJob
from govaudit.models import CheckResult, LinkResult
from govaudit.plugins import Check
from govaudit.profile import ConfigError, Profile, load_rubric
from govaudit.store import Store, now_iso, open_store

AUDIT_SECTIONS = ("site", "crawl", "links", "checks", "rubric")  # of the run's stored profile


@dataclass(frozen=True)
class Rechecked:
    url: str
    before: str  # link status in the run before the re-check
    after: str
    http_status: int | None
    error: str


@dataclass(frozen=True)
class RecheckOutcome:
    run_id: int
    links: list[Rechecked]
    skipped: list[str]  # failing targets not re-checkable here (a missing #fragment needs its page crawled)
    files: list[Path]


def run_profile(stored: dict) -> Profile:
    """The audit settings the run was made with (notify and retention are stored redacted: not needed)."""
    return Profile.model_validate({k: v for k, v in stored.items() if k in AUDIT_SECTIONS})


def select(results: dict[str, LinkResult], fingerprints: dict[str, str], wanted: Sequence[str]) -> list[str]:
    """The failing targets `wanted` names (fingerprints of link findings, or URLs); all failing ones when
    it names none. Unknown names are a ConfigError listing them."""
    failing = [url for url, r in results.items() if r.failing]
    if not wanted:
        return failing
    chosen, unknown = [], []
    for item in wanted:
        if item in fingerprints:
            chosen.append(fingerprints[item])
            continue
        try:
            url = urls.normalize_url(item, item)
        except ValueError:
            url = item
        match = next((u for u in (item, url) if u in results), None)
        if match is None:
            unknown.append(item)
        elif not results[match].failing:
            raise ConfigError(f"{item} is not failing in this run ({results[match].status}): nothing to re-check")
        else:
            chosen.append(match)
    if unknown:
        raise ConfigError(f"not a failing link or a link finding's fingerprint of this run: {', '.join(unknown)} "
                          "(see `govaudit links`)")
    return list(dict.fromkeys(chosen))


def recheck(store: Store, run_id: int, wanted: Sequence[str], out: Path, *, offline: bool,
            lang: str = "zh-TW", formats: Collection[str] | None = None,
            progress: runner.Progress | None = None) -> RecheckOutcome:
    run = store.run(run_id)
    if run.pruned:
        raise ConfigError(f"run {run_id} was pruned by retention: its pages and checks cannot be rebuilt")
    profile = run_profile(run.profile)
    results = {r.url: r for r in store.link_results(run_id)}
    prints = {f["fingerprint"]: f["target"] for c in store.check_results(run_id)
              if c["check_id"] in registry.link_finding_checks() for f in c["findings"] if f["target"] in results}
    chosen = select(results, prints, wanted)
    targets = [u for u in chosen if "#" not in u]
    skipped = [u for u in chosen if "#" in u]
    fresh = _check(run.site, run.start_url, profile, targets, offline=offline, progress=progress)
    at = now_iso()
    amended, done = [], []
    for url in targets:
        old, new = results[url], fresh.get(url)
        if new is None:  # the stage decided nothing (it crashed): the stored verdict stays
            continue
        still = new.failing
        amended.append(replace(new, url=url, internal=old.internal, checked_at=new.checked_at or at,
                               first_seen=old.first_seen if still else None, nights=old.nights if still else 0,
                               cached=False, details={**new.details, "recheck": {
                                   "at": at, "before": {"status": str(old.status), "http_status": old.http_status,
                                                        "error": old.error, "checked_at": old.checked_at}}}))
        done.append(Rechecked(url, str(old.status), str(new.status), new.http_status, new.error))
    if amended:
        with store.transaction():
            store.add_link_results(run_id, amended)
        _rebuild_checks(store, run_id, profile, run.stats.get("browser") or {})
    files, _ = runner.write_reports(store, run_id, out, lang=lang, formats=formats)
    return RecheckOutcome(run_id, done, skipped, files)


def _check(site: str, start_url: str, profile: Profile, targets: list[str], *, offline: bool,
           progress: runner.Progress | None) -> dict[str, LinkResult]:
    """The targets through the crawl stage's link checker, into a scratch store: {url: result}."""
    if not targets:
        return {}
    with tempfile.TemporaryDirectory(prefix="govaudit-recheck-") as tmp, \
            open_store(Path(tmp, "recheck.sqlite")) as scratch:
        scratch_run = scratch.create_run(site=site, start_url=start_url, tool_version=__version__,
                                         profile_hash="", profile={}, rubric="")
        job = CrawlJob.from_profile(profile, store=scratch.url, run_id=scratch_run, site=site, start_url=start_url,
                                    offline=offline, analyzers=())
        job = job.model_copy(update={"recheck": tuple(targets)})
        runner.crawl_stage(job, progress)
        return {r.url: r for r in scratch.link_results(scratch_run)}


def _rebuild_checks(store: Store, run_id: int, profile: Profile, browsers: dict[str, dict]) -> None:
    """Every check again over the amended store (the browser checks from their stored axe-core results),
    then the scores: the report reads them."""
    checks = runner.build_checks(profile)
    results = runner.run_checks(store, run_id, profile, checks, browsers, workers=1)
    store.save_check_results(run_id, results)
    store.save_scores(run_id, scoring.score(load_rubric(profile.rubric), store.check_results(run_id)))
    _redigest(store, run_id, checks, results)


def _redigest(store: Store, run_id: int, checks: list[Check], results: list[CheckResult]) -> None:
    """The amended run's input digests again (run.stats.night.inputs) and the targets its checks looked up
    (night.lookups), so that the next night compares its inputs with what these check results were
    computed from (govaudit/reuse.py)."""
    run = store.run(run_id)
    night = (run.stats or {}).get("night") or {}
    if night.get("inputs"):
        lookups = reuse.looked_up(results, {c.id for c in checks if reuse.declares_lookups(c.inputs)}, {})
        inputs = reuse.digests(store, run_id, set(night["inputs"]), asof.audit_date(run), lookups=lookups)
        store.save_stats(run_id, {**run.stats, "night": {**night, "inputs": inputs, "lookups": lookups}})
