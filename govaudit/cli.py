"""Command line: govaudit run | demo | a11y | report | links | recheck | ack | acks | unack | runs | pin | unpin |
prune | checks | fleet | worker.

Exit codes: 0 ok · 1 a --fail-on rule tripped · 2 run incomplete or failed · 3 usage or configuration error ·
4 the site was unreachable.
`run` prints one summary line on stdout (report paths only with -v); on a terminal a progress display
on stderr as well.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from govaudit import __version__, procs, runner
from govaudit.fleet.cli import fleet, worker
from govaudit.profile import ConfigError, Profile, load_profile
from govaudit.store.interface import StoreError

if TYPE_CHECKING:
    from datetime import date, datetime

    from govaudit.models import Run
    from govaudit.store import Store

DEFAULT_DB = Path("var/audit.sqlite")


class _StoreLocation(click.ParamType):
    """--db: a SQLite file's path, or a store URL kept as written (sqlite:///…, postgresql://…: a Path would
    fold its //)."""

    name = "PATH|URL"

    def convert(self, value, param, ctx):
        return value if isinstance(value, Path) or "://" in value else Path(value)


STORE = _StoreLocation()
DB_HELP = "The store of every run: a SQLite file (path or sqlite:///…) or postgresql://user@host/database."
DEFAULT_OUT = Path("var/report")
err = Console(stderr=True)


def _progress_display():
    """A live display of the audit's phases on a terminal (stderr), nothing otherwise."""
    if not sys.stderr.isatty():
        return None, None
    from govaudit.display import ProgressDisplay  # noqa: PLC0415

    display = ProgressDisplay(err)
    return display, display


def _summary_line(outcome: runner.Outcome) -> str:
    """The one line a nightly job prints: counts, what changed since the baseline, every indicator with
    its delta, and why the exit code is not 0."""
    s = outcome.summary
    if outcome.error and s.get("status") in ("unreachable", "failed") and not s.get("pages"):
        # nothing was crawled: the reason is the news, and every indicator is n/a
        return f"run {s['run']} {s['status']}: {outcome.error}{_scores_text(s)} · never a baseline"
    line = (f"run {s['run']} {s['status']}: {s['pages']} pages, {s['links']} links "
            f"(broken {s['broken']}, unverified {s['unverified']}, redirected {s['redirected']}), "
            f"{s['findings']} findings")
    if s.get("baseline_run") is not None:
        fixed = f"{s['resolved_findings']} resolved" if s["status"] == "completed" else "no fixes claimed"
        line += (f" · since run {s['baseline_run']}: {s['new_broken']} new broken, "
                 + (f"{s['confirmed_broken']} confirmed broken, " if s.get("confirmed_broken") else "")
                 + f"{s['new_findings']} new findings, {fixed}"
                 + (f", {s['flapping']} flapping" if s.get("flapping") else ""))
    elif s["status"] == "completed":
        line += f" · no baseline ({s.get('baseline_reason') or 'first run'})"
    line += _scores_text(s)
    if outcome.tripped:
        line += " · fail-on: " + ", ".join(outcome.tripped)
    if s["status"] != "completed":
        line += f" · {s.get('baseline_reason') or 'the run did not complete'}"
    return line


def _scores_text(s: dict) -> str:
    """` · id score (delta)` for every indicator of the rubric; `n/a` when it was not assessed."""
    scores = []
    for key in (k[: -len("_delta")] for k in s if k.endswith("_delta")):
        score, delta = s.get(key), s.get(f"{key}_delta")
        text = f"{key} {score:.1f}" if isinstance(score, int | float) else f"{key} n/a"
        if isinstance(delta, int | float):
            text += f" ({delta:+.2f})"
        scores.append(text)
    return "".join(f" · {text}" for text in scores)


def _append_log(path: Path, line: str) -> None:
    """--log: every night's line, with its local time, whether or not stdout shows it (--quiet)."""
    from datetime import datetime  # noqa: PLC0415

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(f"{datetime.now().astimezone().isoformat(timespec='seconds')} {line}\n")


def _execute(start_url: str | None, profile: Profile, *, db: Path | str, out: Path, offline: bool, fail_on: str,
             lang: str, formats: tuple[str, ...] | None, verbose: bool = False, quiet: bool = False,
             log: Path | None = None, full: bool = False) -> int:
    bar, update = _progress_display()
    if bar:
        with bar:
            outcome = runner.audit(start_url, profile, db=db, out=out, offline=offline, fail_on=fail_on,
                                   progress=update, lang=lang, formats=formats, full=full)
    else:
        outcome = runner.audit(start_url, profile, db=db, out=out, offline=offline, fail_on=fail_on, lang=lang,
                               formats=formats, full=full)
    line = f"govaudit: {_summary_line(outcome)}"
    if log is not None:
        _append_log(log, line)
    # --quiet (cron): silence on a healthy night, so that cron's MAILTO mails only when it is needed
    if not quiet or outcome.exit_code != runner.EXIT_OK:
        click.echo(line)
        if verbose:
            for path in outcome.files:
                click.echo(f"  {path}")
    return outcome.exit_code


_common = [
    click.option("--db", type=STORE, default=DEFAULT_DB, show_default=True, help=DB_HELP),
    click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True,
                 help="Directory for report.html, results.json, links.csv."),
    click.option("--lang", type=click.Choice(["zh-TW", "en"]), default="zh-TW", show_default=True,
                 help="Report language."),
]


def _formats(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    from govaudit import registry  # noqa: PLC0415

    try:
        return registry.formats(value)
    except ValueError as exc:  # a usage error (exit 3), before anything is crawled or written
        raise click.BadParameter(str(exc), ctx, param) from None


_format = click.option("--format", "formats", callback=_formats, metavar="FORMAT[,FORMAT…]",
                       help="Report files to write: comma-separated writer ids (default: every installed writer; "
                            "an unknown id lists them).")


def common(func):
    for option in reversed([*_common, _format]):
        func = option(func)
    return func


def _as_of(_ctx: click.Context, _param: click.Parameter, value: datetime | None) -> date | None:
    return value.date() if value else None


# The judging date pinned (profile audit.as_of): the same site audited on any later day finds the same.
_as_of_option = click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), callback=_as_of,
                             metavar="YYYY-MM-DD",
                             help="Judge the site as of this date (freshness, expiry, stale items; overrides "
                                  "the profile's audit.as_of); run times stay real.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="govaudit")
def cli() -> None:
    """Audit a Taiwanese government agency website: links, disclosure, accessibility, indicator scores."""


@cli.command()
@click.argument("url", required=False)
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Site profile (YAML); see config/profiles/example.yaml.")
@common
@click.option("--max-depth", type=click.IntRange(min=0), help="Clicks from the start page; 0 = the start page only.")
@click.option("--max-pages", type=click.IntRange(min=1), help="Most pages crawled.")
@click.option("--concurrency", type=click.IntRange(1, 64), help="Requests in flight per host (overrides profile).")
@click.option("--offline", is_flag=True, help="Contact only loopback hosts; record other links as excluded.")
@click.option("--fail-on", default="",
              help='Exit 1 when a rule holds, e.g. "new_broken>0,score_drop>5,content_validity<80".')
@click.option("-v", "--verbose", is_flag=True, help="Also print the paths of the report files written.")
@click.option("-q", "--quiet", is_flag=True,
              help="Print nothing on a healthy night (exit 0), the summary line otherwise: for cron's MAILTO.")
@click.option("--log", "log", type=click.Path(dir_okay=False, path_type=Path),
              help="Append the summary line, with its time, to this file every night (also with --quiet).")
@_as_of_option
@click.option("--full", is_flag=True,
              help="Download every page again tonight: no conditional requests, no stored parse reused "
                   "(otherwise every crawl.full_every-th night).")
def run(url, profile_path, db, out, lang, formats, max_depth, max_pages, concurrency, offline, fail_on,
        verbose, quiet, log, as_of, full) -> None:
    """Crawl URL (or the profile's start URL), check it, score it and write the reports.

    Quiet: one summary line on stdout (the report paths too with -v)."""
    profile = load_profile(profile_path).with_overrides(
        crawl={"max_depth": max_depth, "max_pages": max_pages, "concurrency": concurrency},
        links={"external_concurrency": concurrency},
        audit={"as_of": as_of},
    )
    sys.exit(_execute(url, profile, db=db, out=out, offline=offline, fail_on=fail_on, lang=lang, formats=formats,
                      verbose=verbose, quiet=quiet, log=log, full=full))


DEMO_DB = Path("var/demo.sqlite")
DEMO_OUT = Path("var/demo-report")


@cli.command()
@common
@click.option("--offline/--online", default=True, show_default=True,
              help="The demo links to real gov.tw hosts; offline they are recorded as excluded.")
@click.option("--fail-on", default="")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port of the demo's hosts (127.0.0.1-9), the same every run so that runs compare; "
                   "default 8470; 0: ephemeral.")
@_as_of_option
@click.pass_context
def demo(ctx, db, out, lang, formats, offline, fail_on, port, as_of) -> None:
    """Serve the bundled demo agency site on loopback and audit it (its own database: var/demo.sqlite)."""
    from importlib import resources

    from govaudit.demo.server import DEFAULT_PORT, DemoServer, PortInUse  # an edge of the CLI, not the core

    # The demo never shares the real audits' database or reports: its own defaults.
    if ctx.get_parameter_source("db") == click.core.ParameterSource.DEFAULT:
        db = DEMO_DB
    if ctx.get_parameter_source("out") == click.core.ParameterSource.DEFAULT:
        out = DEMO_OUT
    with resources.as_file(resources.files("govaudit.config") / "profiles" / "demo.yaml") as path:
        profile = load_profile(path).with_overrides(audit={"as_of": as_of})
    try:  # --as-of: the site is built for that day too (its news, plans and certificate dates)
        server = DemoServer(today=as_of, port=DEFAULT_PORT if port is None else port).start()
    except PortInUse as exc:
        raise ConfigError(str(exc)) from None
    with server as site:
        click.echo(f"govaudit: demo site at {site.start_url}")
        truth = Path(out) / "demo-ground-truth.json"
        site.write_ground_truth(truth)
        code = _execute(site.start_url, profile, db=db, out=out, offline=offline, fail_on=fail_on, lang=lang,
                        formats=formats, verbose=True)
        click.echo(f"  {truth}")
    sys.exit(code)


def _run_choice(func):
    """--run ID|latest and --site NAME: how every command that reads a run chooses it."""
    func = click.option("--site", default=None,
                        help="The site's runs only (profile site.name, else the host): --run latest is its latest.")(func)
    return click.option("--run", "run_ref", default="latest", show_default=True, help="Run id, or 'latest'.")(func)


def _pick_run(store: Store, run_ref: str, site: str | None, db: Path | str) -> int:
    if run_ref == "latest":
        ids = [r["id"] for r in store.runs() if site is None or r["site"] == site]
        if not ids:
            raise ConfigError(f"no runs{f' of site {site!r}' if site else ''} in {db} (see `govaudit runs`)")
        return max(ids)
    try:
        run_id = int(run_ref)
    except ValueError:
        raise ConfigError(f"--run: not a run id or 'latest': {run_ref!r}") from None
    run = _existing_run(store, run_id, db)
    if site is not None and run.site != site:
        raise ConfigError(f"run {run_id} is of site {run.site!r}, not {site!r}")
    return run_id


@cli.command()
@_run_choice
@common
@click.option("--pdf", type=click.Choice(["attachable", "full"]), is_flag=False, flag_value="attachable", default=None,
              help="Also print report.pdf (A4) through headless Chromium: `--pdf` the attachable part (cover, "
                   "summary, indicators), `--pdf full` with the appendices.")
def report(run_ref, site, db, out, lang, formats, pdf) -> None:
    """Rebuild the reports of a recorded run from the database alone."""
    with _open_store(db, readonly=True) as store:  # a missing database is a usage error, never a new empty one
        run_id = _pick_run(store, run_ref, site, db)
    files, doc = runner.rebuild_report(db, run_id, out, lang=lang, formats=formats)
    if pdf:
        from govaudit.reports.pdf import print_pdf  # noqa: PLC0415

        html = next((f for f in files if f.name == "report.html"), None)
        if html is None:
            raise ConfigError("--pdf prints report.html: choose its writer in --format too")
        files.append(print_pdf(html, mode=pdf))
    click.echo(f"govaudit: report for run {doc['run']['id']} ({doc['run']['status']})")
    for path in files:
        click.echo(f"  {path}")


@cli.command()
@click.argument("targets", metavar="[FINGERPRINT|URL]...", nargs=-1)
@_run_choice
@common
@click.option("--offline", is_flag=True, help="Contact only loopback hosts (as the run's own --offline).")
def recheck(targets, run_ref, site, db, out, lang, formats, offline) -> None:
    """Re-check now the failing links of a run (all, or those named by fingerprint or URL), record the
    outcome in that run with a note of the re-check, and rebuild its report: no crawl, no waiting for
    the next night."""
    from govaudit.recheck import recheck as do_recheck  # noqa: PLC0415

    with _open_store(db) as store:
        run_id = _pick_run(store, run_ref, site, db)
        with store.run_lock(store.run(run_id).site):  # the night's audit of this site amends nothing meanwhile
            bar, update = _progress_display()
            if bar:
                with bar:
                    done = do_recheck(store, run_id, list(targets), out, offline=offline, lang=lang,
                                      formats=formats, progress=update)
            else:
                done = do_recheck(store, run_id, list(targets), out, offline=offline, lang=lang, formats=formats)
    fixed = sum(1 for r in done.links if r.after in ("ok",))
    click.echo(f"govaudit: recheck of run {run_id}: {len(done.links)} links re-checked, {fixed} now ok, "
               f"{len(done.links) - fixed} still failing; report rebuilt")
    for r in done.links:
        click.echo(f"  {r.before} -> {r.after}{f' (HTTP {r.http_status})' if r.http_status else ''}  {r.url}")
    for url in done.skipped:
        click.echo(f"  skipped (a missing #fragment is re-checked by the next run)  {url}")
    for path in done.files:
        click.echo(f"  {path}")


def _db_option(func):
    return click.option("--db", type=STORE, default=DEFAULT_DB, show_default=True, help=DB_HELP)(func)


@cli.command()
@click.argument("fingerprint")
@click.option("--note", required=True, help="Why the finding is accepted (shown in the report).")
@click.option("--until", "until", default=None, help="Accept until this date (YYYY-MM-DD), then report it again.")
@_db_option
def ack(fingerprint, note, until, db) -> None:
    """Accept a finding (by its fingerprint): shown apart in the report and not counted by --fail-on."""
    from datetime import date  # noqa: PLC0415

    from govaudit.review import until_date  # noqa: PLC0415

    try:
        until = until_date(until, date.today())
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if not note.strip():
        raise ConfigError("--note: say why the finding is accepted")
    with _open_store(db) as store:
        if not store.has_fingerprint(fingerprint):
            raise ConfigError(f"no finding with fingerprint {fingerprint!r} in {db} (see `govaudit links`, "
                              "results.json or links.csv)")
        earlier = store.acks().get(fingerprint)
        store.add_ack(fingerprint, note.strip(), until)
    click.echo(f"govaudit: accepted {fingerprint}" + (f" until {until}" if until else ""))
    if earlier:
        click.echo(f"  replaces the ack of {earlier['created_at']}: {earlier['note']}"
                   + (f" (until {earlier['until']})" if earlier.get("until") else " (for good)"))


@cli.command("acks")
@_db_option
def acks_cmd(db) -> None:
    """List the accepted findings: fingerprint, until, since, note (expired acks marked)."""
    from govaudit.results import ack_applies  # noqa: PLC0415

    with _open_store(db, readonly=True) as store:
        acks = store.acks()
    rows = [(fp, a.get("until") or "", a.get("created_at") or "", "" if ack_applies(a) else "expired", a["note"])
            for fp, a in sorted(acks.items(), key=lambda kv: kv[1].get("created_at") or "")]
    _rows_out(("fingerprint", "until", "since", "expired", "note"), rows, f"{len(rows)} acks in {db}")


@cli.command()
@click.argument("fingerprint")
@_db_option
def unack(fingerprint, db) -> None:
    """Remove an ack: the finding counts again from the next report on."""
    with _open_store(db) as store:
        if not store.remove_ack(fingerprint):
            raise ConfigError(f"no ack for {fingerprint!r} in {db} (see `govaudit acks`)")
    click.echo(f"govaudit: removed the ack of {fingerprint}")


@cli.command("links")
@_db_option
@_run_choice
@click.option("--status", "statuses", default="broken,unverified,redirected", show_default=True,
              help="Comma-separated link statuses to list.")
@click.option("--new", "only_new", is_flag=True, help="Only failures that were not failing in the previous run.")
@click.option("--tsv", is_flag=True, help="Tab-separated lines also on a terminal.")
def links_cmd(db, run_ref, site, statuses, only_new, tsv) -> None:
    """Print the link failures of a run with the fingerprint `ack` takes: on a terminal one block per
    failure with whole URLs, tab-separated lines otherwise (for grep/cut)."""
    from govaudit.results import build  # noqa: PLC0415
    from govaudit.review import failure_rows  # noqa: PLC0415

    wanted = {s.strip() for s in statuses.split(",") if s.strip()}
    known = {"ok", "redirected", "broken", "unverified", "excluded", "unsupported"}
    if wanted - known:
        raise ConfigError(f"--status: unknown {', '.join(sorted(wanted - known))}; known: {', '.join(sorted(known))}")
    with _open_store(db, readonly=True) as store:
        run_id = _pick_run(store, run_ref, site, db)
        doc = build(store, run_id)
    rows = failure_rows(doc, wanted, only_new=only_new)
    if sys.stdout.isatty() and not tsv:
        _failure_blocks(rows, f"run {run_id} ({doc['run']['site']}, {doc['run']['status']}): {len(rows)} link failures")
        return
    header = ("status", "http", "target", "source", "text", "error", "nights", "new", "accepted", "fingerprint")
    _rows_out(header, [(r.status, str(r.http_status or ""), r.target, r.page, r.text, r.error, str(r.nights or ""),
                        "new" if r.new else "", "accepted" if r.accepted else "", r.fingerprint) for r in rows],
              f"run {run_id}: {len(rows)} link failures", tsv=True)


def _failure_blocks(rows, title: str) -> None:
    """Whole URLs, never cut to the terminal's width: a URL is what the officer copies to fix it."""
    click.echo(title)
    for r in rows:
        flags = " ".join(f for f in ("new" if r.new else "", "accepted" if r.accepted else "",
                                     f"{r.nights} nights" if r.nights > 1 else "") if f)
        click.echo("")
        click.echo(click.style(f"{r.status} {r.http_status or ''}".strip(), bold=True)
                   + f"  {r.fingerprint or '-'}" + (f"  {flags}" if flags else ""))
        click.echo(f"  target  {r.target}")
        if r.page:
            click.echo(f"  source  {r.page}" + (f"  「{r.text}」" if r.text else ""))
        if r.error:
            click.echo(f"  error   {r.error}")


def _open_store(db: Path | str, *, readonly: bool = False) -> Store:
    from govaudit.store import open_store, sqlite_path  # noqa: PLC0415

    path = sqlite_path(db)
    if path is not None and not path.exists():
        raise ConfigError(f"no database at {db}")
    return open_store(db, readonly=readonly)


def _existing_run(store: Store, run_id: int, db: Path | str) -> Run:
    try:
        return store.run(run_id)
    except Exception:
        raise ConfigError(f"no run {run_id} in {db} (see `govaudit runs`)") from None


def _rows_out(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], title: str, *, tsv: bool = False) -> None:
    """A table on a terminal, tab-separated lines otherwise (for grep/cut)."""
    if sys.stdout.isatty() and not tsv:
        from rich.table import Table  # noqa: PLC0415

        table = Table(*header, title=title)
        for row in rows:
            table.add_row(*row)
        Console().print(table)
    else:
        click.echo("\t".join(header))
        for row in rows:
            click.echo("\t".join(v.replace("\t", " ").replace("\n", " ") for v in row))


@cli.command("runs")
@_db_option
@click.option("--site", default=None, help="Only runs of this site (profile site.name, else the host).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the newest N runs.")
def runs_cmd(db, site, limit) -> None:
    """List the recorded runs: id, site, status, start, pages, pinned, retention, indicator scores."""
    with _open_store(db, readonly=True) as store:
        runs = store.run_overview()
    if site is not None:
        runs = [r for r in runs if r["site"] == site]
    if limit:
        runs = runs[-limit:]
    indicators = list(dict.fromkeys(k for r in runs for k in r["scores"]))
    pruned = {0: "", 1: "bodies", 2: "detail"}
    header = ("run", "site", "status", "started", "pages", "pinned", "pruned", *indicators)
    rows = [(str(r["id"]), r["site"], r["status"], r["started_at"] or "",
             "" if r["pages"] is None else str(r["pages"]),
             ("pinned" + (f": {r['pin_note']}" if r["pin_note"] else "")) if r["pinned"] else "",
             pruned.get(r["pruned"], str(r["pruned"])),
             *("" if r["scores"].get(i) is None else f"{r['scores'][i]:.1f}" for i in indicators))
            for r in runs]
    _rows_out(header, rows, f"{len(rows)} runs in {db}")


_site_option = click.option("--site", default=None, help="With latest: the latest run of this site.")


@cli.command()
@click.argument("run_ref", metavar="RUN|latest")
@click.option("--note", default="", help="Why the run is kept (e.g. 年度評核 2025).")
@_site_option
@_db_option
def pin(run_ref, note, site, db) -> None:
    """Pin a run: retention never prunes it (for the annual assessment)."""
    with _open_store(db) as store:
        run_id = _pick_run(store, run_ref, site, db)
        run = _existing_run(store, run_id, db)
        store.set_pinned(run_id, True, note.strip())
    click.echo(f"govaudit: pinned run {run_id}" + (f" ({note.strip()})" if note.strip() else ""))
    if run.pruned:
        err.print(f"govaudit: note: run {run_id} was already pruned ({'page bodies' if run.pruned == 1 else 'page-level detail'}); "
                  "pinning keeps what is left", markup=False, highlight=False)


@cli.command()
@click.argument("run_ref", metavar="RUN|latest")
@_site_option
@_db_option
def unpin(run_ref, site, db) -> None:
    """Unpin a run: retention may prune it again once it is old enough."""
    with _open_store(db) as store:
        run_id = _pick_run(store, run_ref, site, db)
        run = _existing_run(store, run_id, db)
        store.set_pinned(run_id, False)
    click.echo(f"govaudit: unpinned run {run_id}" + ("" if run.pinned else " (it was not pinned)"))


@cli.command()
@_db_option
@click.option("--profile", "profile_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Apply this profile's retention to every site (default: each site's latest run's profile).")
@click.option("--dry-run", is_flag=True, help="Say what would be pruned; change nothing.")
@click.option("--vacuum", is_flag=True, help="Afterwards rewrite the database file to give the space back.")
def prune(db, profile_path, dry_run, vacuum) -> None:
    """Prune old runs' page bodies and page-level detail under the retention settings.
    Runs, findings, scores, link results and pinned runs are always kept."""
    from govaudit import retention  # noqa: PLC0415

    profile = load_profile(profile_path) if profile_path else None
    with _open_store(db) as store, store.run_lock(None):  # store-wide: no audit meanwhile
        done = retention.prune(store, retention.policies(store, profile), dry_run=dry_run)
        if vacuum and not dry_run:
            store.vacuum()
    verb = "would prune" if dry_run else "pruned"
    click.echo(f"govaudit: {verb} page bodies of {len(done['bodies_runs'])} run(s), page-level detail of "
               f"{len(done['detail_runs'])} run(s): {done['pages']} page rows, {done['links']} link rows, "
               f"{done['bodies']} bodies ({done['body_bytes'] / 1e6:.1f} MB compressed)")
    for label, ids in (("bodies", done["bodies_runs"]), ("detail", done["detail_runs"])):
        if ids:
            click.echo(f"  {label}: runs {', '.join(map(str, ids))}")


@cli.command()
@click.argument("page_urls", metavar="URL...", nargs=-1, required=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("var/a11y"),
              show_default=True, help="Directory for results.json.")
@click.option("--offline", is_flag=True, help="Test only loopback pages; Chromium resolves no other host.")
@click.option("--workers", type=click.IntRange(1, 16), help="Browsers in parallel (default 2).")
@click.option("--chromium", type=str, help="Chromium binary (default /usr/bin/chromium).")
@click.option("--chromedriver", type=str, help="chromedriver binary (default /usr/bin/chromedriver).")
@click.option("--tags", type=str, help="Comma-separated axe-core tags (default wcag2a,wcag2aa,wcag21a,wcag21aa).")
@click.option("--page-budget", type=click.FloatRange(min=1), help="Seconds per page for its load and every engine "
              "(default 120); past it the page is not tested.")
def a11y(page_urls, out, offline, workers, chromium, chromedriver, tags, page_budget) -> None:
    """Run only the accessibility check (axe-core in headless Chromium) on the given pages."""
    options = {"workers": workers, "chromium": chromium, "chromedriver": chromedriver, "page_budget": page_budget,
               "tags": [t.strip() for t in tags.split(",") if t.strip()] if tags is not None else None}
    path, doc, code = runner.a11y(list(page_urls), out, offline=offline,
                                  options={k: v for k, v in options.items() if v is not None})
    check, m = doc["check"], doc["check"]["metrics"]
    if check["status"] in ("skipped", "error"):
        click.echo(f"govaudit: accessibility {check['status']}: {check['error']}")
    else:
        click.echo(f"govaudit: accessibility {check['status']}: {m.get('pages_tested', 0)} of "
                   f"{m.get('pages_sampled', 0)} pages tested, {m.get('violations', 0)} violations, "
                   f"{m.get('needs_review', 0)} to review, score {m.get('score')}")
    click.echo(f"  {path}")
    sys.exit(code)


@cli.command("checks")
def list_checks() -> None:
    """List the checks and their finding codes."""
    from govaudit import registry

    for check_id, cls in registry.checks().items():
        click.echo(f"{check_id}  v{cls.version}  {cls.title} / {cls.title_zh}")
        for code, c in cls.codes.items():
            click.echo(f"    {code:<24} {c.severity.value:<8} {c.description}")


cli.add_command(fleet)  # govaudit fleet validate | run | report
cli.add_command(worker)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="govaudit", standalone_mode=False)
    except click.exceptions.UsageError as exc:  # click's own exit code 2 would read as "incomplete"
        err.print(f"govaudit: error: {exc.format_message()}", markup=False, highlight=False)
        sys.exit(runner.EXIT_USAGE)
    except click.exceptions.Abort:
        sys.exit(130)
    except (ConfigError, StoreError) as exc:  # StoreError: a store that cannot be opened (down, newer, absent)
        err.print(f"govaudit: error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(runner.EXIT_USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except procs.Interrupted as exc:  # SIGTERM/SIGINT/SIGHUP during a run: recorded as interrupted
        err.print(f"govaudit: {exc}: the run is marked interrupted", markup=False, highlight=False)
        sys.exit(128 + exc.signum)
    except KeyboardInterrupt:
        sys.exit(130)
    except runner.RunFailed as exc:
        err.print(f"govaudit: error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(runner.EXIT_INCOMPLETE)
    except Exception as exc:  # a bug of ours: the run did not complete, which is exit code 2, never 1
        from govaudit.files import disk_full  # noqa: PLC0415

        if disk_full(exc):  # not a bug: one line, no traceback
            err.print(f"govaudit: error: no space left to write: {exc}", markup=False, highlight=False,
                      soft_wrap=True)
            sys.exit(runner.EXIT_INCOMPLETE)
        err.print_exception(show_locals=False)
        err.print("govaudit: internal error: the run did not complete (see above)", markup=False)
        sys.exit(runner.EXIT_INCOMPLETE)
