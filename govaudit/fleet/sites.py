"""The site list: which agencies a fleet audits, under which 主管機關 (group), with which profile.

Two formats. CSV, one agency a row, columns `name,group,start_url` and an optional `profile` (a profile
file; relative paths are read from the list's folder):

    name,group,start_url,profile
    國立臺東生活美學館,文化部,https://www.ttcsec.gov.tw/,profiles/museum.yaml

YAML, where a shared profile and per-site overrides of it are possible:

    profile: shared.yaml            # optional: every site's profile, unless it names its own
    sites:
      - name: 國立臺東生活美學館
        group: 文化部
        start_url: https://www.ttcsec.gov.tw/
        overrides: {crawl: {max_pages: 800}}   # sections merged over the shared profile

Every problem is reported with its line, all of them at once (`SiteListError.problems`), so that an
officer fixes the file in one pass. Nothing here contacts a site or a store.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from govaudit import urls
from govaudit.profile import ConfigError, Profile, check_start_url, load_profile

CSV_COLUMNS = ("name", "group", "start_url")
CSV_OPTIONAL = ("profile",)
SITE_KEYS = frozenset({"name", "group", "start_url", "profile", "overrides"})


class FleetSite(BaseModel):
    """One agency of the fleet. Sent to a worker as JSON (the task's argument) and read back as this."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str  # the agency; also the run's `site` in the store (profile site.name)
    group: str  # 主管機關: the ranking is within a group
    start_url: str
    profile: str = ""  # a profile file (absolute once loaded), or "" for the shared profile / defaults
    overrides: dict[str, Any] = {}
    line: int = 0  # where it is in the list (for messages)

    @property
    def key(self) -> str:
        """The folder of the agency's report: ASCII, stable across nights, unique within a list (its
        host, and a short hash of its name, since two agencies can share one host)."""
        host = re.sub(r"[^a-z0-9.-]+", "-", urls.host_of(self.start_url).lower()).strip("-") or "site"
        return f"{host}-{hashlib.sha256(self.name.encode('utf-8')).hexdigest()[:8]}"

    @property
    def host(self) -> str:
        """What the politeness lock is taken on: the host name (the crawl's per-host slots ignore ports)."""
        return urls.hostname_of(self.start_url)

    def load_profile(self, shared: str = "") -> Profile:
        """The site's profile: its own file, else the shared one, else the defaults; the overrides merged
        section by section; site.name and site.start_url set from the list. ConfigError when invalid."""
        base = load_profile(self.profile or shared or None)
        data = base.model_dump(mode="json", by_alias=True)
        for section, values in self.overrides.items():
            if section not in data:
                raise ConfigError(f"overrides: unknown profile section {section!r}")
            if isinstance(values, dict) and isinstance(data[section], dict):
                data[section] = {**data[section], **values}
            else:
                data[section] = values
        data["site"] = {**data["site"], "name": self.name, "start_url": self.start_url}
        try:
            return Profile.model_validate({**data, "source": f"{base.source} (site list: {self.name})"})
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "(top)"
            raise ConfigError(f"overrides: {where}: {err['msg']}") from None


@dataclass(frozen=True)
class SiteList:
    sites: tuple[FleetSite, ...]
    shared_profile: str = ""  # the YAML list's `profile:` (absolute path), or ""
    source: str = ""

    def profile_of(self, site: FleetSite) -> Profile:
        return site.load_profile(self.shared_profile)


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


class SiteListError(ConfigError):
    def __init__(self, source: str, problems: list[Problem]):
        self.source, self.problems = source, problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{source}: {problems[0]}{more}")

    def lines(self) -> list[str]:
        return [f"{self.source}: {p}" for p in self.problems]


def load_site_list(path: str | Path) -> SiteList:
    """Read and validate a site list (.csv, else YAML). SiteListError lists every problem with its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # Excel writes CSV with a byte-order mark
    except OSError as exc:
        raise ConfigError(f"cannot read site list {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text (save the list as UTF-8)") from None
    if path.suffix.lower() == ".csv":
        raw, shared, problems = _csv_rows(text)
    else:
        raw, shared, problems = _yaml_rows(text)
    base = path.parent
    shared_path = ""
    if shared:
        shared_path = str((base / shared).resolve())
        try:
            load_profile(shared_path)
        except ConfigError as exc:
            problems.append(Problem(0, f"profile: {exc}"))
    sites: list[FleetSite] = []
    for line, row in raw:
        site = _site(line, row, base, shared_path, problems)
        if site is not None:
            sites.append(site)
    _duplicates(sites, problems)
    if not sites and not problems:
        problems.append(Problem(0, "no sites in the list"))
    if problems:
        raise SiteListError(str(path), sorted(problems, key=lambda p: p.line))
    return SiteList(tuple(sites), shared_path, str(path))


def _csv_rows(text: str) -> tuple[list[tuple[int, dict[str, Any]]], str, list[Problem]]:
    reader = csv.reader(io.StringIO(text))
    rows, problems = [], []
    header: list[str] | None = None
    for record in reader:
        line = reader.line_num
        if not record or all(not cell.strip() for cell in record) or record[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [h.strip().lower() for h in record]
            missing = [c for c in CSV_COLUMNS if c not in header]
            unknown = [h for h in header if h not in CSV_COLUMNS + CSV_OPTIONAL]
            if missing or unknown:
                problems.append(Problem(line, "the header must be name,group,start_url[,profile]"
                                        + (f"; missing {', '.join(missing)}" if missing else "")
                                        + (f"; unknown {', '.join(unknown)}" if unknown else "")))
                return [], "", problems
            continue
        if len(record) > len(header):
            problems.append(Problem(line, f"{len(record)} columns, the header has {len(header)}"
                                          " (a comma in a name? quote it)"))
            continue
        rows.append((line, {h: cell.strip() for h, cell in zip(header, record, strict=False) if cell.strip()}))
    if header is None:
        problems.append(Problem(0, "empty: the first line must be the header name,group,start_url[,profile]"))
    return rows, "", problems


def _yaml_rows(text: str) -> tuple[list[tuple[int, dict[str, Any]]], str, list[Problem]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [], "", [Problem(mark.line + 1 if mark else 0, f"invalid YAML: {getattr(exc, 'problem', exc)}")]
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        return [], "", [Problem(1, "a site list is a mapping with `sites:` (and optionally `profile:`)")]
    keys = {k.value: v for k, v in root.value}
    problems = [Problem(k.start_mark.line + 1, f"unknown key {k.value!r} (known: profile, sites)")
                for k, _ in root.value if k.value not in ("profile", "sites")]
    shared = data.get("profile") or ""
    if not isinstance(shared, str):
        problems.append(Problem(keys["profile"].start_mark.line + 1, "profile: a path to a profile file"))
        shared = ""
    node, items = keys.get("sites"), data.get("sites")
    if not isinstance(node, yaml.SequenceNode) or not isinstance(items, list):
        line = node.start_mark.line + 1 if node is not None else 1
        return [], shared, [*problems, Problem(line, "sites: a list of sites (name, group, start_url)")]
    rows = []
    for item_node, item in zip(node.value, items, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            problems.append(Problem(line, "a site is a mapping: name, group, start_url[, profile, overrides]"))
            continue
        rows.append((line, item))
    return rows, shared, problems


def _site(line: int, row: dict[str, Any], base: Path, shared: str, problems: list[Problem]) -> FleetSite | None:
    unknown = sorted(str(k) for k in set(row) - SITE_KEYS)
    if unknown:
        problems.append(Problem(line, f"unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(SITE_KEYS))})"))
        return None
    missing = [k for k in CSV_COLUMNS if not str(row.get(k) or "").strip()]
    if missing:
        problems.append(Problem(line, f"missing {', '.join(missing)}"))
        return None
    fields = {k: str(row[k]).strip() for k in CSV_COLUMNS}
    try:
        fields["start_url"] = check_start_url(fields["start_url"])
    except ConfigError as exc:
        problems.append(Problem(line, str(exc)))
        return None
    profile = str(row.get("profile") or "").strip()
    overrides = row.get("overrides") or {}
    if not isinstance(overrides, dict):
        problems.append(Problem(line, "overrides: a mapping of profile sections, e.g. {crawl: {max_pages: 800}}"))
        return None
    site = FleetSite(**fields, profile=str((base / profile).resolve()) if profile else "", overrides=overrides,
                     line=line)
    try:
        site.load_profile(shared)
    except ConfigError as exc:
        problems.append(Problem(line, f"{fields['name']}: {exc}"))
        return None
    return site


def _duplicates(sites: list[FleetSite], problems: list[Problem]) -> None:
    """A name is the agency's identity in the store, a start URL is one audit: each once."""
    for attr in ("name", "start_url"):
        first: dict[str, int] = {}
        for site in sites:
            value = getattr(site, attr)
            if value in first:
                problems.append(Problem(site.line, f"{attr} {value!r} is already on line {first[value]}"))
            else:
                first[value] = site.line
