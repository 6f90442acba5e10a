"""Headless Chromium, started one way for everyone: the accessibility stage (crawler.browser) and the
PDF printer (reports.pdf) both drive Debian's chromium through selenium with these flags.

Offline Chromium resolves no host name at all: every name maps to NOTFOUND except the loopback hosts
given (IP literals are matched by the same rules, so another 127.x host fails closed unless it is one
of those), and background networking, component updates and sync are off.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govaudit import ACCEPT_LANGUAGE, procs, urls
from govaudit.scope import offline_allows

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

ACCEPT_LANGUAGE_LIST = ",".join(part.split(";")[0] for part in ACCEPT_LANGUAGE.split(","))  # Chromium adds the q=
# Chromium profile directories in TMPDIR: PROFILE_PREFIX + the browser stage's pid + "-…"
PROFILE_PREFIX = "govaudit-chromium-"
# Chromium's TMPDIR is its profile (below), where it makes .org.chromium.Chromium.XXXXXX/SingletonSocket:
# a Unix socket path holds at most 107 bytes, so a TMPDIR longer than about 26 (a bench's or a service's
# private one) left Chromium unable to start ("Chrome instance exited").
_SOCKET_PATH_MAX = 107
_PROFILE_TAIL = len(f"/{PROFILE_PREFIX}4194304-abcdefgh/.org.chromium.Chromium.XXXXXX/SingletonSocket")


def profile_bases() -> list[str]:
    """Where Chromium profiles go: TMPDIR when its socket path fits, else /tmp (short and always there);
    the runner looks in both for what a stopped stage left."""
    base = tempfile.gettempdir()
    if len(os.fsencode(base)) + _PROFILE_TAIL <= _SOCKET_PATH_MAX:
        return [base]
    return ["/tmp", base]


@dataclass(frozen=True)
class BrowserConfig:
    chromium: str = "/usr/bin/chromium"
    chromedriver: str = "/usr/bin/chromedriver"
    offline: bool = True
    allow_hosts: tuple[str, ...] = ()  # loopback host names / literals Chromium may resolve offline
    tags: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
    page_timeout: float = 30.0
    script_timeout: float = 60.0
    # one wall-clock budget per page for its load and every engine (crawler/browser.py): a page that keeps
    # the engines busy past it is stopped, its browser ended if stuck, and the page recorded as not tested
    page_budget: float = 120.0
    max_nodes: int = 20  # nodes kept per rule and page (the total is always kept)
    window: tuple[int, int] = (1280, 1024)
    frame_depth: int = 3  # how deep axe is injected into nested frames
    user_agent: str = ""  # the crawl's identifiable User-Agent; empty keeps Chromium's own
    # ACT engines run after axe-core on the same page (crawler/engines.py); empty runs axe-core alone
    engines: tuple[str, ...] = ("qualweb", "alfa", "govaudit-rules")
    # axe-core rules run although outside `tags`: experimental ones for WCAG 2.1 A/AA criteria (1.3.4,
    # 2.5.3), best-practice ones W3C's ACT test cases show to be correct (bench/act_consistency.py), and
    # AAA ones for an AAA mark (advisory: never scored)
    axe_extra_rules: tuple[str, ...] = ("label-content-name-mismatch", "css-orientation-lock",
                                        "presentation-role-conflict", "empty-heading",
                                        "color-contrast-enhanced", "meta-refresh-no-exceptions")


def probe(config: BrowserConfig) -> tuple[str, str]:
    """(version, '') when Chromium and chromedriver are there and run, else ('', reason)."""
    for name, path in (("chromium", config.chromium), ("chromedriver", config.chromedriver)):
        found = shutil.which(path)
        if not found:
            return "", f"{name} not found at {path} (apt-get install chromium chromium-driver)"
    try:
        out = subprocess.run([config.chromium, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "", f"chromium does not start: {type(exc).__name__}: {exc}"
    if out.returncode != 0:
        return "", f"chromium --version failed: {out.stderr.strip()[:200]}"
    return out.stdout.strip(), ""


def loopback_hosts(page_urls: Iterable[str]) -> tuple[str, ...]:
    """Host names Chromium may resolve offline: 127.0.0.1, localhost and the pages' own loopback hosts."""
    hosts = {"127.0.0.1", "localhost"}
    for url in page_urls:
        if offline_allows(url):  # the crawl's scope decision (govaudit/scope.py)
            hosts.add(urls.hostname_of(url))
    return tuple(sorted(hosts))


def chrome_arguments(config: BrowserConfig, user_data_dir: str) -> list[str]:
    width, height = config.window
    args = [
        "--headless=new", f"--window-size={width},{height}", f"--user-data-dir={user_data_dir}",
        "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
        "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-domain-reliability", "--metrics-recording-only", "--lang=zh-TW",
    ]
    if config.user_agent:
        args.append(f"--user-agent={config.user_agent}")
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to start as root with its sandbox
    if config.offline:
        excluded = ", ".join(f"EXCLUDE {host}" for host in config.allow_hosts)
        args.append(f"--host-resolver-rules=MAP * ~NOTFOUND{', ' + excluded if excluded else ''}")
        args.append("--no-proxy-server")  # a proxy from the environment would be a host we contact
    return args


def start_chrome(config: BrowserConfig, profile_dir: str, *, logging: bool = False) -> Chrome:
    """A selenium Chrome driver on Debian's chromium with chrome_arguments (the axe stage and the PDF
    printer both start theirs here)."""
    from selenium import webdriver  # noqa: PLC0415
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415

    options = webdriver.ChromeOptions()
    options.binary_location = config.chromium
    for arg in chrome_arguments(config, profile_dir):
        options.add_argument(arg)
    # --lang sets the UI language only; the Accept-Language header comes from this preference.
    options.add_experimental_option("prefs", {"intl.accept_languages": ACCEPT_LANGUAGE_LIST})
    # chromedriver is local: selenium must not reach it through a proxy from the environment. (Deprecated
    # in favour of a ClientConfig, which webdriver.Chrome does not take yet: this is what it reads.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        options.ignore_local_proxy_environment_variables()
    options.page_load_strategy = "normal"
    if logging:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # chromedriver in a process group of its own (Chromium, its zygote and renderers join it), killed as a
    # group by stop_chrome; and it dies with the thread that started it (procs: the death signal).
    # Chromium's own temporary files go inside the profile, so that removing the profile removes them.
    class GroupService(Service):
        def _start_process(self, path: str) -> None:  # registered the moment it exists (kill_all sees it)
            super()._start_process(path)
            if self.process is not None:
                LIVE_GROUPS.add(self.process.pid)

    service = GroupService(executable_path=config.chromedriver, env={**os.environ, "TMPDIR": profile_dir},
                           popen_kw={"process_group": 0, "preexec_fn": procs.preexec()})
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(config.page_timeout)
    driver.set_script_timeout(config.script_timeout)
    return driver


LIVE_GROUPS: set[int] = set()  # process groups of the chromedrivers started here and not yet stopped


def stop_chrome(driver: Chrome, *, polite: bool = True) -> None:
    """Quit the browser (politely, if it answers; not when it is known to be stuck or killed), then kill
    chromedriver's whole group: whatever Chromium left behind (a hung renderer, the zygote) goes with it."""
    process = getattr(driver.service, "process", None)
    try:
        if polite:
            driver.quit()
    except Exception:  # noqa: BLE001, S110  (a crashed browser may not answer quit)
        pass
    if process is not None:
        procs.kill_group(process.pid)
        with contextlib.suppress(Exception):
            process.wait(5)
        procs.wait_group(process.pid, 5)  # gone before its profile is removed: nothing writes there after
        LIVE_GROUPS.discard(process.pid)


def kill_all() -> None:
    """Kill every chromedriver group still alive (a stage that is being stopped: no time to be polite)
    and wait (a few seconds at most) until their processes are gone."""
    groups = list(LIVE_GROUPS)
    for pgid in groups:
        procs.kill_group(pgid)
    for pgid in groups:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pgid, 0)  # chromedriver, the group's leader, is a child of this process
        procs.wait_group(pgid, 5)
        LIVE_GROUPS.discard(pgid)
