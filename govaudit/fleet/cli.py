"""`govaudit fleet validate | run | report` and `govaudit worker` (registered in govaudit.cli).

Celery is imported only by the commands that use it: the rest of the CLI starts as fast as before."""

from __future__ import annotations

import os
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import click

from govaudit import runner
from govaudit.fleet.sites import SiteList, SiteListError, load_site_list
from govaudit.profile import ConfigError

EXIT_OK, EXIT_INCOMPLETE, EXIT_USAGE = runner.EXIT_OK, runner.EXIT_INCOMPLETE, runner.EXIT_USAGE


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


_db = click.option("--db", default=None, metavar="URL",
                   help="Store of every run: a path, sqlite:///… or postgresql://… (default: $GOVAUDIT_DB, "
                        "else var/audit.sqlite).")
_broker = click.option("--broker", default=None, metavar="URL",
                       help="Redis URL of the queue (default: $GOVAUDIT_BROKER, else redis://127.0.0.1:6379/0).")
_reports = click.option("--reports", default=None, metavar="DIR",
                        help="Folder of the agencies' own reports, one sub-folder per agency (default: "
                             "$GOVAUDIT_REPORTS, else var/fleet/sites).")
_offline = click.option("--offline", is_flag=True, help="Contact only loopback hosts (every audit).")


def _settings(db: str | None, broker: str | None, reports: str | None, offline: bool) -> None:
    """Command-line values win over the environment; the worker module reads the environment when imported,
    and so do the processes it starts."""
    for name, value in (("GOVAUDIT_DB", db), ("GOVAUDIT_BROKER", broker), ("GOVAUDIT_REPORTS", reports)):
        if value:
            os.environ[name] = value
    if offline:
        os.environ["GOVAUDIT_OFFLINE"] = "1"


def _load(path: Path) -> SiteList:
    try:
        return load_site_list(path)
    except SiteListError as exc:
        for line in exc.lines():
            click.echo(f"govaudit: error: {line}", err=True)
        sys.exit(EXIT_USAGE)


@click.group()
def fleet() -> None:
    """Many agencies: a site list audited on Celery workers, and the cross-agency summary."""


@fleet.command()
@click.argument("site_list", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
def validate(site_list: Path) -> None:
    """Check a site list (CSV or YAML): every problem with its line; exit 3 if there is one."""
    sites = _load(site_list)
    groups = Counter(s.group for s in sites.sites)
    click.echo(f"govaudit: {site_list}: {len(sites.sites)} sites in {len(groups)} groups, no problems")
    for group, n in sorted(groups.items()):
        click.echo(f"  {group}: {n}")


@fleet.command("run")
@click.argument("site_list", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--wait", is_flag=True, help="Return when every audit is done; the exit code sums up the night.")
@_db
@_broker
@_offline
def run_cmd(site_list: Path, wait: bool, db: str | None, broker: str | None, offline: bool) -> None:
    """Enqueue one audit per site of FILE (a Celery group) for the workers.

    With --wait: one line per agency and exit 0 when every audit completed, 2 otherwise."""
    sites = _load(site_list)
    _settings(db, broker, None, offline)
    from govaudit.fleet.jobs import AuditJob  # noqa: PLC0415
    from govaudit.fleet.worker import app, audit_site  # noqa: PLC0415  (Celery: only here)

    night = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    jobs = [AuditJob(site=s, profile=sites.profile_of(s).model_dump(mode="json", by_alias=True), night=night,
                     db=db or "", offline=offline) for s in sites.sites]
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=2, interval_start=0.5, interval_step=0.5)
    except Exception as exc:
        raise ConfigError(f"cannot reach the broker {app.conf.broker_url}: {exc}") from None
    from celery import group  # noqa: PLC0415

    result = group(audit_site.s(job.model_dump(mode="json")) for job in jobs).apply_async()
    result.save()
    click.echo(f"govaudit: night {night}: {len(jobs)} audits enqueued (group {result.id})")
    if not wait:
        return
    outcomes = result.join(propagate=False)
    states: Counter[str] = Counter()
    for job, outcome in zip(jobs, outcomes, strict=True):
        if isinstance(outcome, dict):
            what = outcome.get("status") or outcome.get("kind") or "?"
            line = (f"  {job.site.name}: {what}"
                    + (f" (run {outcome['run_id']})" if outcome.get("run_id") else "")
                    + (f": {outcome['error']}" if outcome.get("error") else ""))
        else:  # the task raised (its retries used up by something else than the start page)
            what = "error"
            line = f"  {job.site.name}: error: {type(outcome).__name__}: {outcome}"
        states[what] += 1
        click.echo(line)
    click.echo("govaudit: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
    sys.exit(EXIT_OK if set(states) <= {"completed"} else EXIT_INCOMPLETE)


@fleet.command("report")
@_db
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("var/fleet/summary"),
              show_default=True, help="Folder for fleet.html and fleet.csv.")
@click.option("--site-list", type=click.Path(dir_okay=False, path_type=Path),
              help="The agencies and their 主管機關 (default: every site in the store, ungrouped).")
@_reports
@click.option("--lang", type=click.Choice(["zh-TW", "en"]), default="zh-TW", show_default=True,
              help="Language of fleet.html (zh-TW with 民國 dates, or English); fleet.csv is the same in both.")
def report_cmd(db: str | None, out: Path, site_list: Path | None, reports: str | None, lang: str) -> None:
    """The cross-agency summary: both indicators and their trend per agency, the ranking within each
    主管機關, the score distribution, defects many agencies share, and the agencies not audited."""
    from govaudit.fleet.collect import collect  # noqa: PLC0415
    from govaudit.fleet.sites import FleetSite  # noqa: PLC0415
    from govaudit.fleet.summary import summarise  # noqa: PLC0415
    from govaudit.reports import fleet as writer  # noqa: PLC0415
    from govaudit.store import open_store, sqlite_path  # noqa: PLC0415

    sites = _load(site_list).sites if site_list else None
    url = db or _env("GOVAUDIT_DB", "var/audit.sqlite")
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise ConfigError(f"no database at {path}")
    root = Path(reports or _env("GOVAUDIT_REPORTS", "var/fleet/sites"))
    keys = {(s.name, s.start_url): s.key for s in sites or ()}

    def link(name: str, start_url: str) -> str:
        key = keys.get((name, start_url)) or FleetSite(name=name, group="", start_url=start_url).key
        page = root / key / "report.html"
        return os.path.relpath(page.resolve(), out.resolve()) if page.exists() else ""

    with open_store(url, readonly=True) as store:
        agencies, indicators = collect(store, sites, report_link=link)
    summary = summarise(agencies, indicators)
    files = writer.write(summary, out, lang=lang)
    c = summary.counts
    click.echo(f"govaudit: fleet report: {c['agencies']} agencies, {c['completed']} completed, "
               f"{c['incomplete']} incomplete, {c['not_audited']} not audited, {len(summary.shared)} shared defects")
    for f in files:
        click.echo(f"  {f}")


@click.command()
@click.option("--concurrency", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Audits in parallel on this machine (prefork processes).")
@_db
@_broker
@_reports
@_offline
@click.option("--loglevel", default="INFO", show_default=True, help="Celery's log level.")
def worker(concurrency: int, db: str | None, broker: str | None, reports: str | None, offline: bool,
           loglevel: str) -> None:
    """Start a Celery worker that audits the fleet's sites (Celery's own worker, prefork pool)."""
    _settings(db, broker, reports, offline)
    from govaudit.fleet.worker import app  # noqa: PLC0415

    app.worker_main(["worker", "--pool=prefork", f"--concurrency={concurrency}", f"--loglevel={loglevel}",
                     f"--hostname=govaudit-{os.getpid()}@%h"])
