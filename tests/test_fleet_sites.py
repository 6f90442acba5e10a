"""The site list: both formats read into FleetSite records; every problem reported with its line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from govaudit.fleet.sites import FleetSite, SiteListError, load_site_list


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_and_without_profile(tmp_path: Path) -> None:
    _write(tmp_path, "museum.yaml", "crawl:\n  max_pages: 77\n")
    path = _write(tmp_path, "fleet.csv",
                  "\ufeffname,group,start_url,profile\n"
                  "國立臺東生活美學館,文化部,https://www.ttcsec.gov.tw/,museum.yaml\n"
                  "# a comment line\n"
                  "\n"
                  '"國立公共資訊圖書館, 總館",教育部,https://www.nlpi.edu.tw/,\n')
    sites = load_site_list(path)
    assert [s.name for s in sites.sites] == ["國立臺東生活美學館", "國立公共資訊圖書館, 總館"]
    first, second = sites.sites
    assert (first.group, first.line, second.line) == ("文化部", 2, 5)
    assert sites.profile_of(first).crawl.max_pages == 77
    assert sites.profile_of(first).site.name == "國立臺東生活美學館"
    assert sites.profile_of(second).crawl.max_pages == 5000  # the defaults
    assert sites.profile_of(second).site.start_url == "https://www.nlpi.edu.tw/"


def test_yaml_shared_profile_and_overrides(tmp_path: Path) -> None:
    _write(tmp_path, "shared.yaml", "crawl:\n  max_pages: 300\n  concurrency: 2\nrubric: default\n")
    path = _write(tmp_path, "fleet.yaml", """\
profile: shared.yaml
sites:
  - name: 甲館
    group: 文化部
    start_url: https://a.example.gov.tw/
  - name: 乙館
    group: 文化部
    start_url: https://b.example.gov.tw/
    overrides: {crawl: {max_pages: 900}}
""")
    sites = load_site_list(path)
    a, b = sites.sites
    assert sites.profile_of(a).crawl.max_pages == 300
    assert (sites.profile_of(b).crawl.max_pages, sites.profile_of(b).crawl.concurrency) == (900, 2)
    assert a.key != b.key and a.key.startswith("a.example.gov.tw-")


def test_every_problem_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "fleet.yaml", """\
sites:
  - name: 甲館
    group: 文化部
    start_url: https://a.example.gov.tw/
  - name: 乙館
    start_url: https://b.example.gov.tw/
  - name: 甲館
    group: 教育部
    start_url: ftp://c.example.gov.tw/
  - name: 丙館
    group: 教育部
    start_url: https://a.example.gov.tw/
  - name: 丁館
    group: 教育部
    start_url: https://d.example.gov.tw/
    overrides: {crawl: {max_pages: -1}}
  - name: 戊館
    group: 教育部
    start_url: https://e.example.gov.tw/
    colour: blue
""")
    with pytest.raises(SiteListError) as caught:
        load_site_list(path)
    problems = {p.line: p.message for p in caught.value.problems}
    assert set(problems) == {5, 7, 10, 13, 17}
    assert "missing group" in problems[5]
    assert "http:// or https://" in problems[7]
    assert "already on line 2" in problems[10]  # the same start URL as 甲館
    assert "crawl.max_pages" in problems[13]
    assert "colour" in problems[17]


def test_csv_problems(tmp_path: Path) -> None:
    path = _write(tmp_path, "fleet.csv", "name,group,start_url\n甲館,文化部,https://a.gov.tw/\n"
                                         "乙館,文化部,https://b.gov.tw/,extra\n甲館,教育部,https://c.gov.tw/\n,,\n"
                                         "丙館,,https://d.gov.tw/\n")
    with pytest.raises(SiteListError) as caught:
        load_site_list(path)
    assert [p.line for p in caught.value.problems] == [3, 4, 6]
    bad_header = _write(tmp_path, "bad.csv", "agency,group,url\n")
    with pytest.raises(SiteListError, match="header must be"):
        load_site_list(bad_header)


def test_invalid_yaml_has_a_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "fleet.yaml", "sites:\n  - name: 甲館\n    group: [文化部\n")
    with pytest.raises(SiteListError) as caught:
        load_site_list(path)
    assert caught.value.problems[0].line >= 3 and "invalid YAML" in caught.value.problems[0].message


def test_key_is_stable_and_safe() -> None:
    site = FleetSite(name="國立臺東生活美學館", group="文化部", start_url="https://www.ttcsec.gov.tw:8443/x")
    assert site.key == FleetSite(name="國立臺東生活美學館", group="教育部", start_url="https://www.ttcsec.gov.tw:8443/").key
    assert site.key.isascii() and "/" not in site.key and site.host == "www.ttcsec.gov.tw"


def test_validate_command(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.csv", "name,group,start_url\n甲館,文化部,https://a.gov.tw/\n")
    bad = _write(tmp_path, "bad.csv", "name,group,start_url\n甲館,文化部,https://a.gov.tw/\n乙館,,https://b.gov.tw/\n")
    cmd = [sys.executable, "-m", "govaudit", "fleet", "validate"]
    ok = subprocess.run([*cmd, str(good)], capture_output=True, text=True)
    assert ok.returncode == 0 and "1 sites in 1 groups" in ok.stdout
    no = subprocess.run([*cmd, str(bad)], capture_output=True, text=True)
    assert no.returncode == 3
    assert f"{bad}: line 3: missing group" in no.stderr
    missing = subprocess.run([*cmd, str(tmp_path / "nope.csv")], capture_output=True, text=True)
    assert missing.returncode == 3 and "cannot read site list" in missing.stderr
