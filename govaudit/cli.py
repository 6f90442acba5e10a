"""Command line: govaudit run | demo | a11y | report | links | ack | runs | pin | unpin | prune | checks
| fleet | worker.

Exit codes: 0 ok · 1 a --fail-on rule tripped · 2 run incomplete · 3 usage or configuration error.
`run` prints one summary line on stdout (report paths only with -v); on a terminal a progress display
on stderr as well.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from govaudit import __version__, procs, runner
from govaudit.fleet.cli import fleet, worker
from govaudit.profile import ConfigError, Profile, load_profile
from govaudit.store.interface import StoreError

if TYPE_CHECKING:
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
    """A live display on a terminal, nothing otherwise."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn  # noqa: PLC0415

    bar = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                   TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), console=err, transient=True)
    task = bar.add_task("crawling", total=None, detail="")

    def update(event: dict) -> None:
        if event.get("event") == "progress":
            bar.update(task, detail=f"{event['pages']} pages · {event['results']} links checked · "
                                    f"{event['seen']} targets seen")

    return bar, update


def _summary_line(outcome: runner.Outcome) -> str:
    """The one line a nightly job prints: counts, what changed since the baseline, every indicator with
    its delta, and why the exit code is not 0."""
    s = outcome.summary
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
    scores = []
    for key in (k[: -len("_delta")] for k in s if k.endswith("_delta")):
        score, delta = s.get(key), s.get(f"{key}_delta")
        text = f"{key} {score:.1f}" if isinstance(score, int | float) else f"{key} n/a"
        if isinstance(delta, int | float):
            text += f" ({delta:+.2f})"
        scores.append(text)
    if scores:
        line += " · " + " · ".join(scores)
    if outcome.tripped:
        line += " · fail-on: " + ", ".join(outcome.tripped)
    if s["status"] != "completed":
        line += f" · {s.get('baseline_reason') or 'the run did not complete'}"
    return line


def _execute(start_url: str | None, profile: Profile, *, db: Path | str, out: Path, offline: bool, fail_on: str,
             lang: str, formats: tuple[str, ...] | None, verbose: bool = False) -> int:
    bar, update = _progress_display()
    if bar:
        with bar:
            outcome = runner.audit(start_url, profile, db=db, out=out, offline=offline, fail_on=fail_on,
                                   progress=update, lang=lang, formats=formats)
    else:
        outcome = runner.audit(start_url, profile, db=db, out=out, offline=offline, fail_on=fail_on, lang=lang,
                               formats=formats)
    click.echo(f"govaudit: {_summary_line(outcome)}")
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
def run(url, profile_path, db, out, lang, formats, max_depth, max_pages, concurrency, offline, fail_on,
        verbose) -> None:
    """Crawl URL (or the profile's start URL), check it, score it and write the reports.

    Quiet: one summary line on stdout (the report paths too with -v)."""
    profile = load_profile(profile_path).with_overrides(
        crawl={"max_depth": max_depth, "max_pages": max_pages, "concurrency": concurrency},
        links={"external_concurrency": concurrency},
    )
    sys.exit(_execute(url, profile, db=db, out=out, offline=offline, fail_on=fail_on, lang=lang, formats=formats,
                      verbose=verbose))


@cli.command()
@common
@click.option("--offline/--online", default=True, show_default=True,
              help="The demo links to real gov.tw hosts; offline they are recorded as excluded.")
@click.option("--fail-on", default="")
def demo(db, out, lang, formats, offline, fail_on) -> None:
    """Serve the bundled demo agency site on loopback and audit it."""
    from importlib import resources

    from govaudit.demo.server import DemoServer  # the demo site is an edge of the CLI, not part of the core

    with resources.as_file(resources.files("govaudit.config") / "profiles" / "demo.yaml") as path:
        profile = load_profile(path)
    with DemoServer() as site:
        click.echo(f"govaudit: demo site at {site.start_url}")
        truth = Path(out) / "demo-ground-truth.json"
        site.write_ground_truth(truth)
        code = _execute(site.start_url, profile, db=db, out=out, offline=offline, fail_on=fail_on, lang=lang,
                        formats=formats, verbose=True)
        click.echo(f"  {truth}")
    sys.exit(code)


@cli.command()
@click.option("--run", "run_id", type=int, help="Run id (default: the latest).")
@common
@click.option("--pdf", is_flag=True, help="Also print report.pdf (A4) through headless Chromium.")
def report(run_id, db, out, lang, formats, pdf) -> None:
    """Rebuild the reports of a recorded run from the database alone."""
    files, doc = runner.rebuild_report(db, run_id, out, lang=lang, formats=formats)
    if pdf:
        from govaudit.reports.pdf import print_pdf  # noqa: PLC0415

        html = next((f for f in files if f.name == "report.html"), None)
        if html is None:
            raise ConfigError("--pdf prints report.html: choose its writer in --format too")
        files.append(print_pdf(html))
    click.echo(f"govaudit: report for run {doc['run']['id']} ({doc['run']['status']})")
    for path in files:
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

    if until:
        try:
            until = date.fromisoformat(until).isoformat()
        except ValueError:
            raise ConfigError(f"--until: not a date (YYYY-MM-DD): {until!r}") from None
    if not note.strip():
        raise ConfigError("--note: say why the finding is accepted")
    with _open_store(db) as store:
        if not store.has_fingerprint(fingerprint):
            raise ConfigError(f"no finding with fingerprint {fingerprint!r} in {db} (see results.json or links.csv)")
        store.add_ack(fingerprint, note.strip(), until)
    click.echo(f"govaudit: accepted {fingerprint}" + (f" until {until}" if until else ""))


@cli.command("links")
@_db_option
@click.option("--run", "run_ref", default="latest", show_default=True, help="Run id, or 'latest'.")
@click.option("--status", "statuses", default="broken,unverified,redirected", show_default=True,
              help="Comma-separated link statuses to list.")
@click.option("--new", "only_new", is_flag=True, help="Only failures that were not failing in the previous run.")
def links_cmd(db, run_ref, statuses, only_new) -> None:
    """Print the link failures of a run: a table on a terminal, tab-separated lines otherwise."""
    from govaudit.results import build  # noqa: PLC0415

    wanted = {s.strip() for s in statuses.split(",") if s.strip()}
    known = {"ok", "redirected", "broken", "unverified", "excluded", "unsupported"}
    if wanted - known:
        raise ConfigError(f"--status: unknown {', '.join(sorted(wanted - known))}; known: {', '.join(sorted(known))}")
    with _open_store(db, readonly=True) as store:
        if run_ref == "latest":
            run_id = store.latest_run_id()
            if run_id is None:
                raise ConfigError(f"no runs in {db}")
        else:
            try:
                run_id = int(run_ref)
                store.run(run_id)
            except (ValueError, Exception):
                raise ConfigError(f"--run: no run {run_ref!r} in {db}") from None
        doc = build(store, run_id)
    rows: list[tuple[str, ...]] = []
    for link in doc["links"]:
        if link["status"] not in wanted or (only_new and not link["new"]):
            continue
        for src in link["sources"] or [{"page": "", "text": ""}]:
            rows.append((link["status"], str(link["http_status"] or ""), link["url"], src["page"], src["text"],
                         link["error"], str(link["nights"] or ""), "new" if link["new"] else "",
                         "accepted" if link["accepted"] else ""))
    rows.sort(key=lambda r: ({"broken": 0, "unverified": 1, "redirected": 2}.get(r[0], 3), r[2], r[3]))
    header = ("status", "http", "target", "source", "text", "error", "nights", "new", "accepted")
    _rows_out(header, rows, f"run {run_id}: {len(rows)} link failures")


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


def _rows_out(header: tuple[str, ...], rows: list[tuple[str, ...]], title: str) -> None:
    """A table on a terminal, tab-separated lines otherwise (for grep/cut)."""
    if sys.stdout.isatty():
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


@cli.command()
@click.argument("run_id", metavar="RUN", type=int)
@click.option("--note", default="", help="Why the run is kept (e.g. 年度評核 2025).")
@_db_option
def pin(run_id, note, db) -> None:
    """Pin a run: retention never prunes it (for the annual assessment)."""
    with _open_store(db) as store:
        run = _existing_run(store, run_id, db)
        store.set_pinned(run_id, True, note.strip())
    click.echo(f"govaudit: pinned run {run_id}" + (f" ({note.strip()})" if note.strip() else ""))
    if run.pruned:
        err.print(f"govaudit: note: run {run_id} was already pruned ({'page bodies' if run.pruned == 1 else 'page-level detail'}); "
                  "pinning keeps what is left", markup=False, highlight=False)


@cli.command()
@click.argument("run_id", metavar="RUN", type=int)
@_db_option
def unpin(run_id, db) -> None:
    """Unpin a run: retention may prune it again once it is old enough."""
    with _open_store(db) as store:
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
def a11y(page_urls, out, offline, workers, chromium, chromedriver, tags) -> None:
    """Run only the accessibility check (axe-core in headless Chromium) on the given pages."""
    options = {"workers": workers, "chromium": chromium, "chromedriver": chromedriver,
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
    except procs.Interrupted as exc:  # SIGTERM/SIGINT during a run: recorded as interrupted
        err.print(f"govaudit: {exc}: the run is marked interrupted", markup=False, highlight=False)
        sys.exit(128 + exc.signum)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:  # a bug of ours: the run did not complete, which is exit code 2, never 1
        err.print_exception(show_locals=False)
        err.print("govaudit: internal error: the run did not complete (see above)", markup=False)
        sys.exit(runner.EXIT_INCOMPLETE)
