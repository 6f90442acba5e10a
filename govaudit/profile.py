"""Load and validate a site profile and its rubric into typed objects.

A profile is YAML an information officer edits; every mistake must come back as one clear line naming
the file and the key, never a traceback. Unknown keys are errors: a typo must not silently fall back
to a default.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from govaudit import localtime, urls
from govaudit.certificate import CERTIFICATE_HOSTS, Era

DEFAULT_USER_AGENT = "govaudit/{version} (+https://github.com/govaudit/govaudit; website audit)"


class ConfigError(ValueError):
    """A usage or configuration problem: exit code 3, one line, nothing written."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Site(_Strict):
    name: str = ""
    start_url: str = ""
    # Extra hosts crawled as part of the site (e.g. www. and the bare domain).
    scope_hosts: tuple[str, ...] = ()
    # IANA time zone of the times people read (report, notifications); results.json keeps ISO 8601.
    timezone: str = localtime.DEFAULT_TIMEZONE
    # The start-page check before a run: tries in all, and the wait before the second (doubled after);
    # 4 and 10 s wait 10 + 20 + 40 s, so a site down for a minute at night still gets its audit.
    start_attempts: Annotated[int, Field(ge=1, le=20)] = 4
    start_backoff: Annotated[float, Field(ge=0, le=600)] = 10.0

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, name: str) -> str:
        localtime.zone(name)
        return name


class Crawl(_Strict):
    max_depth: Annotated[int, Field(ge=0)] = 10
    max_pages: Annotated[int, Field(ge=1)] = 5000
    concurrency: Annotated[int, Field(ge=1, le=64)] = 4  # requests in flight on our own site
    delay: Annotated[float, Field(ge=0)] = 0.0  # seconds between requests to our own site
    obey_robots: bool = True  # an agency auditing its own site may switch this off
    sitemap: bool = True
    user_agent: str = DEFAULT_USER_AGENT
    max_page_bytes: Annotated[int, Field(ge=1024)] = 10 * 1024 * 1024
    exclude: tuple[str, ...] = ()  # regexes of URLs never fetched (recorded as excluded)
    # Sitemap budgets: a hostile or broken sitemap cannot make the crawl endless (crawler/sitemap.py).
    sitemap_max_depth: Annotated[int, Field(ge=0)] = 3  # sitemap index levels followed below a sitemap
    sitemap_max_files: Annotated[int, Field(ge=1)] = 50  # sitemap files fetched (robots.txt lines read too)
    sitemap_max_entries: Annotated[int, Field(ge=1)] = 10000  # <loc> entries taken, over all sitemaps
    sitemap_max_bytes: Annotated[int, Field(ge=1024)] = 50 * 1024 * 1024  # per sitemap, decompressed
    # Crawl budgets (govaudit/cuts.py): what a hit one left out is reported; the run-wide two stop the crawl
    # and leave the run `incomplete` with its reports written.
    max_pagination: Annotated[int, Field(ge=0)] = 500  # pager links followed in a row (they cost no depth)
    max_links_per_page: Annotated[int, Field(ge=1)] = 5000  # links of one page stored and checked
    # pages crawled under one address pattern (crawler/traps.py) once most of its pages repeat one another's
    # text but for numbers (a query explosion); patterns of distinct pages are bounded by max_pages alone
    max_pages_per_pattern: Annotated[int, Field(ge=0)] = 100  # 0: no such budget
    max_requests: Annotated[int, Field(ge=1)] = 200_000  # requests of the whole crawl
    max_requests_per_host: Annotated[int, Field(ge=1)] = 5000  # to any one host outside the site
    max_seconds: Annotated[float, Field(ge=0)] = 6 * 3600  # the crawl's wall-clock time; 0: no limit
    # Incremental nights: pages revalidated against the last completed run; every full_every-th night (and
    # `govaudit run --full`) downloads everything again. 1: every night is a full one.
    full_every: Annotated[int, Field(ge=1)] = 7

    @field_validator("exclude")
    @classmethod
    def _compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        return _check_regexes(patterns)


def _check_regexes(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    return patterns


class HostRule(_Strict):
    """Per-host rules under links.hosts (key: host name, or host:port)."""

    concurrency: Annotated[int, Field(ge=1, le=64)] | None = None
    delay: Annotated[float, Field(ge=0)] | None = None
    timeout: Annotated[float, Field(gt=0)] | None = None
    accepted_status: tuple[int, ...] = ()
    check: bool = True  # false: links to this host are recorded as excluded


LINK_STATUS_NAMES = ("ok", "redirected", "broken", "unverified", "excluded", "unsupported")


class IgnoreRule(_Strict):
    """A link failure an officer accepts: shown apart, never counted by --fail-on."""

    url: str = ""  # regular expression searched in the target URL
    host: str = ""  # exact host (host name, or host:port)
    status: tuple[str, ...] = ()  # link statuses the rule covers; empty: any failure
    note: str = ""

    @field_validator("url")
    @classmethod
    def _regex(cls, pattern: str) -> str:
        return _check_regexes((pattern,))[0] if pattern else pattern

    @field_validator("status")
    @classmethod
    def _statuses(cls, statuses: tuple[str, ...]) -> tuple[str, ...]:
        bad = [s for s in statuses if s not in LINK_STATUS_NAMES]
        if bad:
            raise ValueError(f"unknown link status {bad[0]!r}; known: {', '.join(LINK_STATUS_NAMES)}")
        return statuses

    def model_post_init(self, _context: Any) -> None:
        if not (self.url or self.host or self.status):
            raise ValueError("an ignore rule needs url, host or status")


class Links(_Strict):
    timeout: Annotated[float, Field(gt=0)] = 20.0
    connect_timeout: Annotated[float, Field(gt=0)] = 10.0
    retries: Annotated[int, Field(ge=0, le=10)] = 1
    retry_backoff: Annotated[float, Field(ge=0, le=60)] = 1.0  # seconds before the first retry, doubled after
    retry_after_max: Annotated[float, Field(ge=0, le=600)] = 30.0  # longest Retry-After honoured
    max_redirects: Annotated[int, Field(ge=0, le=50)] = 10
    external_concurrency: Annotated[int, Field(ge=1, le=64)] = 2  # per external host
    external_delay: Annotated[float, Field(ge=0)] = 0.0
    check_external: bool = True
    accepted_status: tuple[int, ...] = ()  # extra codes treated as ok (e.g. 999 for a known host)
    check_fragments: bool = True
    check_external_fragments: bool = False
    confirm_runs: Annotated[int, Field(ge=1, le=30)] = 2  # consecutive runs a transient failure needs
    soft404: bool = True
    hijack_scan_bytes: Annotated[int, Field(ge=0, le=1024 * 1024)] = 32768  # 0: no scan
    attachments: bool = True
    max_attachment_bytes: Annotated[int, Field(ge=1024)] = 20 * 1024 * 1024
    tls_verify: bool = True
    cache_max_age: Annotated[float, Field(ge=0)] = 72.0  # hours; 0: no cache
    hosts: dict[str, HostRule] = {}
    ignore: tuple[IgnoreRule, ...] = ()
    # host[:port] of the 無障礙標章's certificate pages → era; read after the crawl when online
    certificate_hosts: dict[str, Era] = dict(CERTIFICATE_HOSTS)


class Retention(_Strict):
    """What old runs keep. A run is pruned only when it is older than the limit, not among the newest
    keep_runs_full runs of its site, and not pinned; its run record, link results, check results,
    findings and scores always stay (the report still rebuilds, with a note)."""

    keep_runs_full: Annotated[int, Field(ge=1)] = 14  # the newest N runs of the site are never pruned
    keep_bodies_days: Annotated[int, Field(ge=0)] | None = 30  # then page bodies go; null: never
    keep_detail_days: Annotated[int, Field(ge=0)] | None = 90  # then per-page and per-link rows go; null: never
    auto: bool = True  # prune after each completed audit; false: only `govaudit prune`


NOTIFY_ON = ("always", "failure", "change")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SUBJECT_FIELDS = ("site", "run", "status", "verdict", "scores")


class _Channel(_Strict):
    # always: after every run · failure: a --fail-on rule tripped or the run is incomplete/failed ·
    # change: something is new or resolved since the baseline (and on failure)
    on: Literal["always", "failure", "change"] = "always"
    timeout: Annotated[float, Field(gt=0, le=300)] = 30.0

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, data: Any) -> Any:
        # YAML 1.1 reads a bare `on:` key as the boolean true
        if isinstance(data, dict) and True in data:
            data = {("on" if k is True else k): v for k, v in data.items()}
        return data


def host_is_loopback(host: str) -> bool:
    """A bare host name or address (no URL around it) is loopback: localhost, 127.x, ::1."""
    host = host.strip().strip("[]")
    return urls.is_loopback(f"http://[{host}]/" if ":" in host else f"http://{host}/")


def _env_names(names: Any) -> Any:
    for name in names:
        if not _ENV_NAME.match(name):
            raise ValueError(f"not an environment variable name: {name!r} (give the NAME of the variable "
                             "holding the secret, never the secret)")
    return names


class Email(_Channel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    host: str
    port: Annotated[int, Field(ge=1, le=65535)] | None = None  # default: 465 with ssl, 587 starttls, 25 none
    security: Literal["starttls", "ssl", "none"] = "starttls"
    user: str = ""
    password_env: str = ""  # NAME of the environment variable holding the password; never the password
    sender: str = Field(alias="from")
    to: Annotated[tuple[str, ...], Field(min_length=1)]
    subject: str = "[govaudit] {site}: {verdict}{scores}"

    @field_validator("password_env")
    @classmethod
    def _password_env(cls, name: str) -> str:
        return _env_names([name])[0] if name else name

    @field_validator("subject")
    @classmethod
    def _subject(cls, subject: str) -> str:
        try:
            subject.format(**dict.fromkeys(SUBJECT_FIELDS, ""))
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"subject: unknown or bad placeholder {exc}; known: "
                             f"{', '.join('{' + f + '}' for f in SUBJECT_FIELDS)}") from None
        return subject

    def model_post_init(self, _context: Any) -> None:
        if self.password_env and not self.user:
            raise ValueError("password_env needs user")
        if self.user and self.security == "none" and not host_is_loopback(self.host):
            raise ValueError("security: none would send the password unencrypted; use starttls or ssl")


class Webhook(_Channel):
    url: str
    headers: dict[str, str] = {}  # sent as they are (values are never stored or logged)
    headers_env: dict[str, str] = {}  # header → NAME of the environment variable holding its value

    @field_validator("url")
    @classmethod
    def _url(cls, url: str) -> str:
        if urls.scheme_of(url) not in urls.HTTP_SCHEMES:
            raise ValueError(f"webhook url must be http:// or https://: {redact_url(url)!r}")
        return url

    @field_validator("headers_env")
    @classmethod
    def _headers_env(cls, names: dict[str, str]) -> dict[str, str]:
        _env_names(names.values())
        return names


class Notify(_Strict):
    email: Email | None = None
    webhook: Webhook | None = None
    max_items: Annotated[int, Field(ge=0, le=1000)] = 50  # new / resolved findings listed per message


class SignOff(_Strict):
    """The sign-off block on the report's cover; a blank field is a line to sign on paper."""

    preparer: str = ""  # 承辦人
    supervisor: str = ""  # 單位主管
    date: str = ""  # 日期


class Report(_Strict):
    signoff: SignOff | None = None  # null: no sign-off block


class Audit(_Strict):
    # The date the checks judge the site as of (freshness, certificate expiry, stale Art. 7 items, acks):
    # pinned, an audit reproduces on any later day; null: the day the run starts. Run times stay real.
    as_of: dt.date | None = None


class Profile(_Strict):
    site: Site = Site()
    crawl: Crawl = Crawl()
    links: Links = Links()
    # Scrapy-style: check id → options; null disables a check. Checks not named run with defaults.
    checks: dict[str, dict[str, Any] | None] = {}
    rubric: str = "default"
    retention: Retention = Retention()
    notify: Notify = Notify()
    report: Report = Report()
    audit: Audit = Audit()
    # Where the profile came from, for messages.
    source: str = Field(default="<defaults>", exclude=True)

    def with_overrides(self, **sections: dict[str, Any]) -> Profile:
        data = self.model_dump()
        for section, values in sections.items():
            data[section] = {**data[section], **{k: v for k, v in values.items() if v is not None}}
        return _validate(data, self.source)

    def fingerprint(self) -> str:
        """Hash of what decides the results (retention, notification and display settings do not)."""
        data = self.model_dump(mode="json", exclude=OPERATIONAL)
        for key in ("timezone", "start_attempts", "start_backoff"):  # how times are shown, how hard we knock
            data["site"].pop(key, None)
        if data["audit"]["as_of"] is None:  # unpinned: the hash a profile had before audit.as_of existed
            del data["audit"]
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def public_dump(self) -> dict[str, Any]:
        """The profile as stored with a run: secrets (header values, webhook URL paths, anything named
        like a password or token) replaced by REDACTED. Environment variable NAMES stay."""
        return redact(self.model_dump(mode="json", by_alias=True))


OPERATIONAL = {"retention", "notify", "report"}
REDACTED = "***"
_SECRET_KEY = re.compile(r"pass(word|wd)?|secret|token|api[_-]?key|authori[sz]ation|cookie|credential", re.I)


def redact_url(url: str) -> str:
    """scheme://host[:port]/*** : a webhook URL's path and query often are the secret; userinfo always is."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return REDACTED
    if ":" in host:
        host = f"[{host}]"
    hidden = "/" + REDACTED if (parts.path not in ("", "/") or parts.query or parts.fragment) else "/"
    return f"{parts.scheme}://{host}{port}{hidden}"


def redact(value: Any, key: str = "") -> Any:
    """Replace secrets in a dumped profile (or any JSON-like value) by REDACTED."""
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            k_str = str(k)
            if k_str.lower() == "headers" and isinstance(v, dict):
                out[k] = dict.fromkeys(v, REDACTED)
            elif k_str.lower() == "url" and key == "webhook" and isinstance(v, str):
                out[k] = redact_url(v)
            elif _SECRET_KEY.search(k_str) and not k_str.lower().endswith("_env") and isinstance(v, str) and v:
                out[k] = REDACTED
            else:
                out[k] = redact(v, k_str)
        return out
    if isinstance(value, list | tuple):
        return [redact(v, key) for v in value]
    return value


def _validate(data: Any, source: str) -> Profile:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a profile is a mapping of sections (site, crawl, links, checks, rubric,"
                          " retention, notify)")
    try:
        return Profile.model_validate({**data, "source": source})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{source}: {where}: {err['msg']}{more}") from None


def load_profile(path: str | Path | None) -> Profile:
    if path is None:
        return _validate({}, "<defaults>")
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read profile {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{at} invalid YAML: {getattr(exc, 'problem', exc)}") from None
    except ValueError as exc:  # YAML reads 2026-02-30 as a date, and fails on it
        raise ConfigError(f"{path}: invalid YAML value: {exc}") from None
    return _validate(data, str(path))


def check_start_url(url: str) -> str:
    """The normalised start URL, or a ConfigError saying what is wrong with it."""
    if not url:
        raise ConfigError("no start URL: give one on the command line or as site.start_url in the profile")
    if urls.has_credentials(url):
        # Refused before anything is contacted or written: a password in the URL would end up in every
        # report, CSV and the database. The message shows the URL without it.
        raise ConfigError(f"start URL carries a user name or password ({urls.without_credentials(url)!r} with"
                          " 'user:…@' before the host): credentials in URLs are refused, remove them")
    if urls.scheme_of(url) not in urls.HTTP_SCHEMES:
        raise ConfigError(f"start URL must be http:// or https://: {url!r}")
    try:
        return urls.normalize_url(url)
    except urls.InvalidURL as exc:
        raise ConfigError(f"bad start URL: {exc}") from None


# -- rubric -------------------------------------------------------------------------------------

class Component(_Strict):
    id: str
    label: str
    label_en: str = ""
    weight: Annotated[float, Field(gt=0)]
    check: str
    metric: str
    note: str = ""


class Indicator(_Strict):
    id: str
    label: str
    label_en: str = ""
    max: Annotated[float, Field(gt=0)] = 100
    components: tuple[Component, ...]


class Rubric(_Strict):
    id: str
    version: str
    label: str = ""
    thresholds: dict[str, float] = {"met": 90, "partial": 60}
    # Below this share of assessed weight an indicator is not judged met / partial / unmet.
    min_coverage: Annotated[float, Field(ge=0, le=1)] = 0.6
    indicators: tuple[Indicator, ...]

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


def load_rubric(name_or_path: str) -> Rubric:
    """A bundled rubric by name (config/rubrics/NAME.yaml) or a path to a YAML file."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read rubric {path}: {exc.strerror}") from None
    else:
        resource = resources.files("govaudit.config") / "rubrics" / f"{name_or_path}.yaml"
        source = f"rubric {name_or_path!r}"
        if not resource.is_file():
            raise ConfigError(f"no bundled rubric named {name_or_path!r}")
        text = resource.read_text(encoding="utf-8")
    try:
        return Rubric.model_validate(yaml.safe_load(text))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"{source}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from None
