"""The browser stage: axe-core (axe-selenium-python's bundled 4.10) and QualWeb's ACT rules
(crawler/engines.py) in Debian's headless Chromium, both on the same loaded page.

Network I/O at the edge, like the crawl: the runner calls `run_axe` after the crawl with the pages a
check sampled; the check later reads the stored results and does no I/O itself. Each worker thread
owns one chromedriver + Chromium pair (the browsers are the parallel processes; the Python side only
waits on them). A page that fails to load or a browser that crashes is recorded for that page and
tried once more in a fresh browser; the stage always goes on with the next page.

Each page has one wall-clock budget (BrowserConfig.page_budget) for its load and every engine: each step
gets what is left as its Selenium page-load / script timeout, and a watchdog ends the browser's process
group (and Alfa's Node) GRACE seconds after the budget, when Chromium is stuck in a page that blocks it
(a renderer whose main thread never yields answers no Selenium timeout: chromedriver waits on it).
Such a page is recorded as not tested, with the budget, the step it ran out in and the engines that had
finished (result["budget"]), never retried and never counted as passed; the next page gets a fresh browser.

Offline (and always in tests and the demo) Chromium resolves no host name at all: every name maps to
NOTFOUND except the loopback hosts of the pages under test (IP literals are matched by the same rules,
so another 127.x host fails closed unless it is one of those), and background networking, component
updates and sync are off.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govaudit import chromium, procs
from govaudit.analyzers import page_analyzers
from govaudit.chromium import BrowserConfig, probe, start_chrome, stop_chrome
from govaudit.crawler import engines
from govaudit.crawler.progress import emit
from govaudit.jobs import BrowserJob
from govaudit.plugins import BrowserTarget

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

AXE_SCRIPT = None  # path of axe.min.js, found lazily (axe_selenium_python ships it)
HTML_MAX = 400  # characters of a node's HTML snippet kept
SUMMARY_MAX = 600
GRACE = 5.0  # seconds past a page's budget before the watchdog kills its browser: Selenium's timeouts go first
MIN_STEP = 1.0  # the least timeout a step is given (Selenium takes whole milliseconds > 0)
_NET_ERROR = re.compile(r"\b(ERR_[A-Z_]+)\b")
# Documents the engines test: HTML, XHTML and SVG (as documents, by their own media type)
DOCUMENT_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml")


def axe_script_path() -> Path:
    import axe_selenium_python  # noqa: PLC0415

    return Path(axe_selenium_python.__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


@dataclass
class StageResult:
    available: bool
    reason: str = ""  # why the browser could not be used
    browser_version: str = ""
    axe_version: str = ""
    engines: dict[str, str] = field(default_factory=dict)  # engine → version, or why it did not run
    pages: int = 0
    errors: int = 0
    workers: int = 0
    elapsed: float = 0.0
    reused: int = 0  # pages whose results were taken from the baseline run (an incremental night)
    over_budget: int = 0  # pages stopped when their budget ran out (counted in errors too)
    rows: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "rows"}


PROFILES: set[str] = set()  # Chromium profile directories in use, removed when the stage is stopped
STOPPING: list[int] = []  # the signal that stops the stage, once it came: no browser starts after it


def _stopped(signum: int, _frame: object) -> None:
    """SIGTERM or SIGINT (the runner's death signal for this stage, or the runner ending it): kill the
    browsers' process groups, remove their profiles, exit at once (128 + signal)."""
    STOPPING.append(signum)
    chromium.kill_all()
    for path in list(PROFILES):
        shutil.rmtree(path, ignore_errors=True)
    os._exit(128 + signum)


def _remove(path: str) -> None:
    """Remove a Chromium profile (the runner also removes the stage's whole TMPDIR after the stage)."""
    procs.remove_tree(path)


class PageError(RuntimeError):
    pass


class BudgetExceeded(PageError):
    pass


@dataclass
class PageClock:
    """One page's wall-clock budget, and how far the page got in it."""

    budget: float
    began: float = field(default_factory=time.monotonic)
    step: str = "load"  # what is running: load, axe-core or an engine's name
    done: list[str] = field(default_factory=list)  # the engines that finished on the page

    def left(self) -> float:
        return self.budget - (time.monotonic() - self.began)

    def enter(self, step: str) -> None:
        if self.left() <= 0:
            raise BudgetExceeded(f"no time left for {step}")
        self.step = step

    def as_dict(self) -> dict[str, Any]:
        return {"seconds": self.budget, "step": self.step, "done": list(self.done),
                "elapsed": round(time.monotonic() - self.began, 3)}


class AxeSession:
    """One chromedriver + headless Chromium; test(url) loads a page and runs axe-core in it and its frames."""

    def __init__(self, config: BrowserConfig):
        self.config = config
        self.driver: Chrome | None = None
        self.profile_dir = ""
        self.killed = False  # the watchdog ended this browser: the next page needs a fresh one
        self.script = axe_script_path().read_text(encoding="utf-8")
        self.options = json.dumps({  # a JSON string: axe-selenium-python style scripts paste it as text
            "runOnly": {"type": "tag", "values": list(config.tags)},
            # rules outside the tags (experimental ones for criteria in scope, measured best-practice ones)
            "rules": {rule: {"enabled": True} for rule in config.axe_extra_rules},
            "resultTypes": ["violations", "incomplete"],
            "iframes": True,
        })
        self.extra: list[engines.PageEngine] = []
        self.unavailable: dict[str, str] = {}
        for name in config.engines:
            engine = engines.load(name, timeout=config.script_timeout)
            if isinstance(engine, str):
                self.unavailable[name] = engine
            else:
                self.extra.append(engine)

    def start(self) -> Chrome:
        if STOPPING:
            raise PageError("the stage is being stopped")
        # named by the stage's session (the stage's pid): the runner removes what the stage could not
        self.profile_dir = tempfile.mkdtemp(prefix=f"{chromium.PROFILE_PREFIX}{os.getsid(0)}-",
                                            dir=chromium.profile_bases()[0])
        PROFILES.add(self.profile_dir)
        self.driver = start_chrome(self.config, self.profile_dir)
        return self.driver

    def stop(self) -> None:
        for engine in self.extra:
            engine.close()
        if self.driver is not None:
            stop_chrome(self.driver, polite=not self.killed)
            self.driver = None
        if self.profile_dir:
            _remove(self.profile_dir)
            PROFILES.discard(self.profile_dir)
            self.profile_dir = ""

    def restart(self) -> None:
        self.stop()
        self.start()

    def kill(self) -> None:
        """The watchdog, on its own thread: the page's budget and GRACE are gone and the browser has not
        returned. End chromedriver's process group (Chromium is in it) and Alfa's Node, so that the
        worker's pending call fails now; the worker then stops the session and starts a fresh one."""
        self.killed = True
        for engine in self.extra:
            engine.kill()
        process = getattr(getattr(self.driver, "service", None), "process", None)
        if process is not None:
            procs.kill_group(process.pid)

    def _limit(self, driver: Chrome, clock: PageClock, step: str) -> None:
        """Enter step with what is left of the page's budget as Selenium's page-load and script timeouts."""
        from selenium.webdriver.common.timeouts import Timeouts  # noqa: PLC0415

        clock.enter(step)
        left = max(MIN_STEP, clock.left())
        driver.timeouts = Timeouts(page_load=min(self.config.page_timeout, left),
                                   script=min(self.config.script_timeout, left))

    def _inject(self, driver: Chrome, depth: int = 0) -> None:
        from selenium.common.exceptions import WebDriverException  # noqa: PLC0415
        from selenium.webdriver.common.by import By  # noqa: PLC0415

        driver.execute_script(self.script)
        if depth >= self.config.frame_depth:
            return
        for frame in driver.find_elements(By.CSS_SELECTOR, "iframe, frame"):
            try:
                driver.switch_to.frame(frame)
            except WebDriverException:
                continue  # gone or not loadable: axe reports the frame as not tested
            try:
                self._inject(driver, depth + 1)
            except WebDriverException:
                pass
            finally:
                driver.switch_to.parent_frame()

    def test(self, url: str, clock: PageClock | None = None) -> tuple[dict, str]:
        """(reduced axe results, page source) for url; PageError when the page does not load,
        BudgetExceeded when the clock runs out between steps."""
        clock = clock or PageClock(self.config.page_budget)
        driver = self.driver if self.driver is not None else self.start()
        self._limit(driver, clock, "load")
        driver.get(url)
        current = driver.current_url
        # A network error shows Chrome's error page while current_url still names the page.
        location, text = driver.execute_script(
            "return [document.URL, document.URL.indexOf('chrome-error:') === 0 ?"
            " (document.documentElement.innerText || '') : '']")
        if current.startswith("chrome-error://") or str(location).startswith("chrome-error://"):
            code = _NET_ERROR.search(text)
            why = code.group(1) if code else "network error"
            if _same_page(current, url) or current.startswith("chrome-error://"):
                raise PageError(f"page did not load: {why}")
            # the page loaded, then sent the browser elsewhere (meta refresh or script) where it could not go
            raise PageError(f"page redirected (HTTP, meta refresh or script) to {current}, which did not load: {why}"
                            + (" (offline: hosts outside loopback are not contacted)" if self.config.offline else ""))
        kind = driver.execute_script(
            "return [document.contentType, !!document.getElementById('webkit-xml-viewer-source-xml')]")
        if kind[1] or kind[0] not in DOCUMENT_TYPES:
            # an XML document Chromium shows in its viewer (or another non-HTML type): the engines would
            # test the viewer's page, not the document; no HTML rule applies to it
            return ({"violations": [], "incomplete": [], "passes": 0, "inapplicable": 0, "engine": "",
                     "final_url": current, "document_type": kind[0], "passed_criteria": [],
                     "engines": {}}, driver.page_source)
        self._limit(driver, clock, engines.AXE)
        self._inject(driver)
        raw = driver.execute_async_script(
            "var done = arguments[arguments.length - 1];"
            f"axe.run(document, {self.options}).then(function (r) {{"
            " r.actIds = {}; axe.getRules().forEach(function (x) { r.actIds[x.ruleId] = x.actIds || []; });"
            " done(r); })"
            ".catch(function (e) { done({error: String(e)}); });")
        if not isinstance(raw, dict) or raw.get("error"):
            raise PageError(f"axe-core failed: {(raw or {}).get('error') if isinstance(raw, dict) else raw}")
        result = reduce_results(raw, self.config.max_nodes, final_url=current)
        source = driver.page_source
        clock.done.append(engines.AXE)
        result["engines"] = {engines.AXE: result["engine"], **self._run_engines(driver, source, result, clock)}
        return result, source

    def _run_engines(self, driver: Chrome, source: str, result: dict, clock: PageClock) -> dict[str, str]:
        """The added engines on the page axe-core has just tested; an engine's failure is recorded on the
        page (its name → "error: …") and never loses axe-core's results. The page's budget running out
        is not an engine's failure: BudgetExceeded goes up, and the page is not tested."""
        versions = {name: f"unavailable: {why}" for name, why in self.unavailable.items()}
        for engine in self.extra:
            self._limit(driver, clock, engine.name)
            try:
                reduced = engine.run(driver, source, self.config.max_nodes)
            except Exception as exc:  # noqa: BLE001  (a script error in the page or the engine)
                if self.killed or clock.left() <= 0:
                    raise BudgetExceeded(f"{engine.name}: {_describe(exc)}") from exc
                versions[engine.name] = f"error: {_describe(exc)}"
                continue
            clock.done.append(engine.name)
            for kind in ("violations", "incomplete"):
                result[kind].extend(reduced[kind])
            # an added engine's passes stay per rule: the check decides which of them establish a criterion
            result.setdefault("passed_rules", []).extend(reduced.get("passed_rules", []))
            result["passed_criteria"] = sorted({*result.get("passed_criteria", []), *reduced["passed_criteria"]})
            versions[engine.name] = engine.version
        return versions


def _selector(target: Any) -> str:
    """axe's target: a list of selectors, one per frame level (each may be a list for shadow DOM)."""
    parts = target if isinstance(target, list) else [target]
    return " ➜ ".join(" >> ".join(p) if isinstance(p, list) else str(p) for p in parts)


def _same_page(a: str, b: str) -> bool:
    return a.split("#")[0].rstrip("/") == b.split("#")[0].rstrip("/")


def reduce_results(raw: dict, max_nodes: int, *, final_url: str = "") -> dict:
    act_ids = raw.get("actIds") or {}

    def rules(items: list[dict] | None) -> list[dict]:
        out = []
        for item in items or []:
            nodes = item.get("nodes") or []
            tags = item.get("tags") or []
            out.append({
                "rule": item.get("id", ""), "engine": engines.AXE, "act_rules": list(act_ids.get(item.get("id"), [])),
                "experimental": "experimental" in tags, "aaa": "wcag2aaa" in tags,
                "impact": item.get("impact") or "", "tags": tags,
                "help": item.get("help", ""), "help_url": item.get("helpUrl", ""), "nodes_total": len(nodes),
                "nodes": [{"selector": _selector(n.get("target")), "html": (n.get("html") or "")[:HTML_MAX],
                           "impact": n.get("impact") or item.get("impact") or "",
                           "summary": (n.get("failureSummary") or "")[:SUMMARY_MAX],
                           "in_frame": isinstance(n.get("target"), list) and len(n["target"]) > 1}
                          for n in nodes[:max_nodes]],
            })
        return out

    engine = raw.get("testEngine") or {}
    return {"violations": rules(raw.get("violations")), "incomplete": rules(raw.get("incomplete")),
            "passes": len(raw.get("passes") or []), "inapplicable": len(raw.get("inapplicable") or []),
            # the criteria a rule passed on: with the violations, what automated testing established here
            "passed_criteria": sorted({sc for item in raw.get("passes") or [] for sc in engines.criteria(item.get("tags"))}),
            "engine": engine.get("version", ""), "final_url": final_url}


def _worker(config: BrowserConfig, jobs: queue.Queue, results: queue.Queue,
            analyze: Callable[[str, str], Any] | None, stop: threading.Event) -> None:
    session = AxeSession(config)
    try:
        while not stop.is_set():
            target = jobs.get()
            if target is None:
                return
            results.put(_test_page(session, target, analyze))
    finally:
        session.stop()


def _test_page(session: AxeSession, target: BrowserTarget, analyze: Callable[[str, str], Any] | None) -> dict:
    """One page's row: tested, failed (after one retry in a fresh browser) or stopped by its budget."""
    began, error, result, facts = time.monotonic(), "", None, None
    if session.driver is None:  # the browser's start is not the page's time
        with contextlib.suppress(Exception):  # a browser that does not start fails the attempt below
            session.start()
    clock = PageClock(session.config.page_budget)
    watchdog = threading.Timer(clock.budget + GRACE, session.kill)
    watchdog.daemon = True
    watchdog.start()
    attempts = 0
    try:
        for attempt in (1, 2):  # a failure is retried once, in a fresh browser
            attempts = attempt
            try:
                if attempt > 1 or session.driver is None:
                    session.restart()
                result, source = session.test(target.url, clock)
                if analyze is not None:
                    facts = analyze(source, target.url)
                error = ""
                break
            except Exception as exc:  # noqa: BLE001  (load failure, timeout, crashed browser or driver)
                if isinstance(exc, BudgetExceeded) or session.killed or clock.left() <= 0:
                    # never retried: a second try would cost a second budget on the same page
                    how = "the browser was stuck: its process group was ended" if session.killed else _describe(exc)
                    error = f"page budget of {clock.budget:g} s ran out during {clock.step}: not tested ({how})"[:300]
                    result = {"budget": clock.as_dict()}
                    break
                error = _describe(exc)
    finally:
        watchdog.cancel()
    if (result and "budget" in result) or session.killed:
        session.stop()  # a stuck or killed browser: the next page starts a fresh one
        session.killed = False
    return {"url": target.url, "template": target.template, "reason": target.reason,
            "error": error, "attempts": attempts, "result": result or {}, "facts": facts,
            "elapsed": round(time.monotonic() - began, 3)}


def _describe(exc: Exception) -> str:
    text = str(getattr(exc, "msg", None) or exc).strip().splitlines()
    first = text[0] if text else ""
    if type(exc).__name__ == "TimeoutException":
        return f"page or script timed out: {first}"[:300]
    return f"{type(exc).__name__}: {first}"[:300]


def run_axe(targets: list[BrowserTarget], config: BrowserConfig, *, workers: int = 2,
            on_result: Callable[[dict], bool | None] | None = None,
            analyze: Callable[[str, str], Any] | None = None) -> StageResult:
    """Test every target with axe-core in `workers` browsers; never raises for a page's failure.
    on_result returning False stops the stage: each worker finishes its page and closes its browser."""
    version, reason = probe(config)
    if reason:
        return StageResult(available=False, reason=reason)
    began = time.monotonic()
    workers = max(1, min(workers, len(targets) or 1))
    jobs: queue.Queue = queue.Queue()
    results: queue.Queue = queue.Queue()
    for target in targets:
        jobs.put(target)
    for _ in range(workers):
        jobs.put(None)
    stop = threading.Event()
    threads = [threading.Thread(target=_worker, args=(config, jobs, results, analyze, stop), daemon=True,
                                name=f"axe-{i}") for i in range(workers)]
    for thread in threads:
        thread.start()
    stage = StageResult(available=True, browser_version=version, workers=workers)
    pending = len(targets)
    while pending:
        try:
            row = results.get(timeout=1.0)
        except queue.Empty:
            if not any(t.is_alive() for t in threads) and results.empty():
                break  # every worker died (should not happen: _worker catches per page)
            continue
        pending -= 1
        stage.rows.append(row)
        stage.pages += 1
        stage.errors += bool(row["error"])
        stage.over_budget += "budget" in row["result"]
        if not stage.axe_version and row["result"].get("engine"):
            stage.axe_version = row["result"]["engine"]
        for name, version in (row["result"].get("engines") or {}).items():
            if not stage.engines.get(name) or not str(version).startswith(("error", "unavailable")):
                stage.engines[name] = version
        if on_result and on_result(row) is False:
            stop.set()
            break
    for thread in threads:
        thread.join(timeout=60)
    stage.elapsed = round(time.monotonic() - began, 3)
    return stage


# -- the stage as its own process: `python -m govaudit.crawler.browser --job JOB.json` ----------------------
# The runner (govaudit/) reaches the browser the way it reaches the crawl: as a subprocess that writes
# the store, prints progress lines and leaves its summary in the file named by --stats. A hung or crashed
# browser or driver cannot take the run record with it.

def _analyzer(check_id: str) -> Callable[[str, str], Any] | None:
    import lxml.html  # noqa: PLC0415

    analyze = page_analyzers([check_id]).get(check_id)
    if analyze is None:
        return None

    def run(source: str, url: str) -> Any:
        try:
            return analyze(lxml.html.document_fromstring(source or "<html></html>"), url)
        except Exception:  # noqa: BLE001  (an unparsable page still has its axe results)
            return None

    return run


def axe_version() -> str:
    """The bundled axe-core's version, from its file's banner ("/*! axe v4.10.2")."""
    with axe_script_path().open(encoding="utf-8") as fh:
        found = re.search(r"axe v([0-9][\w.-]*)", fh.read(200))
    return found[1] if found else ""


def reusable(store: Any, job: BrowserJob) -> list[dict]:
    """An incremental night: the baseline run's rows for the targets whose page body is unchanged, when
    tonight's Chromium and engines are the versions that tested them (else none). What a page loads
    besides its HTML (style sheets, scripts) is not compared: the full night every crawl.full_every
    nights tests every page again."""
    assert job.reuse_from is not None
    before = (store.run(job.reuse_from).stats.get("browser") or {}).get(job.check_id) or {}
    versions = {engines.AXE: axe_version()}
    for name in job.config.engines:
        engine = engines.load(name)  # cheap: an engine starts its own process (Alfa's Node) on its first page
        versions[name] = "unavailable" if isinstance(engine, str) else engine.version
        if not isinstance(engine, str):
            engine.close()
    if not before.get("available") or before.get("engines") != versions \
            or before.get("browser_version") != probe(job.config)[0]:
        return []
    rows = {r["url"]: r for r in store.axe_pages(job.reuse_from) if not r["error"]}

    def body_hash(run_id: int, url: str) -> str | None:  # (the targets' pages only: a few dozen of thousands)
        page = store.page(run_id, url)
        return page.body_hash if page is not None else None

    return [{**rows[t.url], "template": t.template, "reason": t.reason} for t in job.targets
            if t.url in rows and (new := body_hash(job.run_id, t.url)) and new == body_hash(job.reuse_from, t.url)]


def copy_forward(store: Any, job: BrowserJob, on_row: Callable[[dict], Any] | None = None) -> StageResult | None:
    """An incremental night where every target's page is unchanged and the versions are the same: the
    baseline's results copied into the run, without a browser (the runner calls this in its own process:
    no stage process is started for a night with nothing to test). None when any target must be tested."""
    reused = reusable(store, job)
    if not job.targets or len(reused) < len(job.targets):
        return None
    with store.transaction():
        store.add_axe_pages(job.run_id, reused)
    for row in reused:
        if on_row:
            on_row(row)
    # reusable() found tonight's Chromium the baseline's: its version is the one on record
    before = store.run(job.reuse_from).stats["browser"][job.check_id]
    stage = StageResult(available=True, browser_version=before["browser_version"], workers=0)
    _count_reused(stage, reused)
    return stage


def _count_reused(stage: StageResult, reused: list[dict]) -> None:
    if reused and stage.available:
        stage.reused, stage.pages = len(reused), stage.pages + len(reused)
        stage.axe_version = stage.axe_version or reused[0]["result"].get("engine", "")
        for name, version in (reused[0]["result"].get("engines") or {}).items():
            stage.engines.setdefault(name, version)


def run_job(job: BrowserJob) -> StageResult:
    from govaudit.models import Page  # noqa: PLC0415
    from govaudit.store import now_iso, open_store  # noqa: PLC0415

    check_id, run_id = job.check_id, job.run_id
    # govaudit a11y: no crawl, so the page rows (with the template from the rendered DOM) come from here
    analyze = _analyzer(check_id) if job.record_pages else None
    with open_store(job.store) as store:
        def record(row: dict[str, Any]) -> bool:
            facts = row.pop("facts", None)
            if job.record_pages:
                row["template"] = (facts or {}).get("template", "") if isinstance(facts, dict) else ""
                with store.transaction():
                    store.add_pages(run_id, [(Page(
                        url=row["url"], requested_url=row["url"], http_status=None, content_type="text/html",
                        elapsed=row["elapsed"], fetched_at=now_iso(),
                        facts={check_id: facts} if facts is not None else {}), None)])
            store.add_axe_pages(run_id, [row])
            # False when the runner is gone (its end of the pipe closed): stop, closing the browsers
            return emit({"event": "browser", "url": row["url"], "error": row["error"]})

        reused = reusable(store, job) if job.reuse_from and not job.record_pages else []
        for row in reused:
            store.add_axe_pages(run_id, [row])
            emit({"event": "browser", "url": row["url"], "error": ""})
        done = {row["url"] for row in reused}
        stage = run_axe([t for t in job.targets if t.url not in done], job.config, workers=job.workers,
                        on_result=record, analyze=analyze)
        _count_reused(stage, reused)
        return stage


def main(argv: list[str] | None = None) -> int:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m govaudit.crawler.browser")
    parser.add_argument("--job", required=True, type=Path)
    parser.add_argument("--stats", required=True, type=Path, help="where the stage's summary is written")
    args = parser.parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stopped)
    stage = run_job(BrowserJob.from_json(args.job.read_bytes()))
    args.stats.write_text(json.dumps(stage.as_dict()), encoding="utf-8")
    with contextlib.suppress(BrokenPipeError, ValueError):
        sys.stdout.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
