"""The jobs the runner hands to the crawl and browser processes: typed, round-tripped through JSON, and
carrying the profile's own settings (no default written down twice)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from pydantic import ValidationError

from govaudit import __version__, runner
from govaudit.chromium import BrowserConfig
from govaudit.crawler.settings import scrapy_settings
from govaudit.jobs import BrowserJob, CrawlJob
from govaudit.plugins import BrowserTarget
from govaudit.profile import Profile

CUSTOM = {
    "site": {"name": "moda", "scope_hosts": ["moda.gov.tw"]},
    "crawl": {"max_depth": 3, "max_pages": 40, "concurrency": 2, "delay": 0.5, "exclude": [r"/print/"],
              "user_agent": "audit/{version}"},
    "links": {"retries": 3, "confirm_runs": 4, "cache_max_age": 0, "check_external_fragments": True,
              "accepted_status": [999], "hosts": {"slow.gov.tw:8443": {"timeout": 5, "delay": 2.0},
                                                  "x.com": {"check": False, "accepted_status": [403]}},
              "ignore": [{"host": "x.com", "note": "known"}]},
}


def _job(profile: Profile, *, offline: bool = False) -> CrawlJob:
    return CrawlJob.from_profile(profile, store="/tmp/a.sqlite", run_id=7, site="moda",
                                 start_url="https://www.moda.gov.tw/", offline=offline,
                                 analyzers=("accessibility", "content"))


def test_a_crawl_job_carries_the_profile_settings_it_was_built_from() -> None:
    profile = Profile.model_validate(CUSTOM)
    job = _job(profile)
    assert job.crawl is profile.crawl and job.links is profile.links  # the profile's own models
    assert job.crawl.max_pages == 40 and job.links.confirm_runs == 4 and job.links.hosts["x.com"].check is False
    assert job.scope_hosts == ("moda.gov.tw",) and job.tool_version == __version__
    assert job.user_agent == f"audit/{__version__}"


def test_a_crawl_job_carries_the_pinned_audit_date() -> None:
    job = _job(Profile().with_overrides(audit={"as_of": "2030-01-02"}))
    assert job.audit.as_of == dt.date(2030, 1, 2) and CrawlJob.from_json(job.to_json()) == job
    assert _job(Profile()).audit.as_of is None


def test_a_crawl_job_of_the_default_profile_has_the_profile_defaults() -> None:
    job = _job(Profile())
    assert job.crawl == Profile().crawl and job.links == Profile().links and job.scope_hosts == ()


@pytest.mark.parametrize("profile", [Profile(), Profile.model_validate(CUSTOM)], ids=["defaults", "custom"])
def test_a_crawl_job_round_trips_through_json(profile: Profile) -> None:
    job = _job(profile, offline=True)
    again = CrawlJob.from_json(job.to_json())
    assert again == job
    assert again.links.hosts["x.com"].accepted_status == (403,) if profile.links.hosts else not again.links.hosts


def test_a_job_with_an_unknown_or_missing_field_is_refused() -> None:
    data = json.loads(_job(Profile()).to_json())
    with pytest.raises(ValidationError, match="stats_out"):
        CrawlJob.from_json(json.dumps({**data, "stats_out": "/tmp/s.json"}))
    del data["run_id"]
    with pytest.raises(ValidationError, match="run_id"):
        CrawlJob.from_json(json.dumps(data))


def test_scrapy_settings_come_from_the_typed_job() -> None:
    job = _job(Profile.model_validate(CUSTOM), offline=True)
    settings = scrapy_settings(job)
    assert settings["USER_AGENT"] == f"audit/{__version__}" and settings["GOVAUDIT_JOB"] is job
    own = {"concurrency": 2, "delay": 0.5}
    assert settings["DOWNLOAD_SLOTS"] == {
        "www.moda.gov.tw": own, "moda.gov.tw": own,
        "slow.gov.tw": {"concurrency": 2, "delay": 2.0},  # a host rule over the external defaults
        "x.com": {"concurrency": 2, "delay": 0.0},
    }
    assert settings["DNS_TIMEOUT"] == 10 and settings["DOWNLOAD_TIMEOUT"] == 20
    assert settings["DOWNLOADER_MIDDLEWARES"]["scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware"] is None


_LOADED = """
import json, sys
from govaudit.crawler.settings import preload
names = preload()
print(json.dumps({"names": names, "modules": sorted(sys.modules)}))
"""


def test_a_crawl_process_started_ahead_imports_every_class_its_settings_name() -> None:
    """crawler/settings.preload, run while the crawl process waits for its job: every component and class a
    job's Scrapy settings enable is imported by then (in a fresh interpreter, as the crawl process is)."""
    proc = subprocess.run([sys.executable, "-P", "-c", _LOADED], capture_output=True, text=True, timeout=120,
                          check=True)
    loaded = json.loads(proc.stdout)
    modules = set(loaded["modules"])
    job = _job(Profile(), offline=True).model_copy(update={"revalidate_from": 3})
    settings = scrapy_settings(job)
    named = [path for key in ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES", "DOWNLOAD_HANDLERS")
             for path, on in settings[key].items() if on is not None and "." in path]
    named += [path for path in settings["DOWNLOAD_HANDLERS"].values() if path]
    named += [settings[key] for key in ("HTTPCACHE_POLICY", "HTTPCACHE_STORAGE")]
    assert named and all(path.rpartition(".")[0] in modules for path in named), sorted(
        path for path in named if path.rpartition(".")[0] not in modules)
    # and Scrapy's own, which the settings leave at their defaults (the scheduler, the robots.txt parser)
    assert {"scrapy.core.scheduler", "scrapy.robotstxt", "scrapy.downloadermiddlewares.robotstxt"} <= modules
    assert "govaudit.crawler.revalidate.RevalidateMiddleware" in loaded["names"]


def test_a_browser_job_round_trips_through_json() -> None:
    targets = (BrowserTarget("http://127.0.0.1:8000/", "home", "a1b2"), BrowserTarget("http://localhost:9/x"))
    config = BrowserConfig(offline=True, allow_hosts=("127.0.0.1", "localhost"), tags=("wcag2a",), max_nodes=5,
                           user_agent="govaudit/test")
    job = BrowserJob(store="/tmp/a.sqlite", run_id=3, check_id="accessibility", targets=targets, workers=2,
                     config=config, record_pages=True)
    again = BrowserJob.from_json(job.to_json())
    assert again == job
    assert isinstance(again.config, BrowserConfig) and again.config.window == (1280, 1024)
    assert again.targets[0] == BrowserTarget("http://127.0.0.1:8000/", "home", "a1b2")


def test_the_browser_config_comes_from_the_check_options() -> None:
    options = {"chromium": "/opt/chromium", "chromedriver": "/opt/chromedriver", "tags": ["wcag2a"],
               "page_timeout": 12, "page_budget": 45, "max_nodes": 7}
    targets = [BrowserTarget("http://127.0.0.5:8080/a"), BrowserTarget("http://localhost:8080/b")]
    offline = runner._browser_config(options, True, "ua/{version}", targets)
    assert offline == BrowserConfig(chromium="/opt/chromium", chromedriver="/opt/chromedriver", offline=True,
                                    allow_hosts=("127.0.0.1", "127.0.0.5", "localhost"), tags=("wcag2a",),
                                    page_timeout=12.0, page_budget=45.0, max_nodes=7, user_agent=f"ua/{__version__}")
    assert runner._browser_config(options, False, "ua", targets).allow_hosts == ()
