import datetime as dt

import pytest

from govaudit.profile import ConfigError, check_start_url, load_profile, load_rubric


def _write(tmp_path, text: str):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_example_profile_load():
    profile = load_profile(None)
    assert profile.crawl.obey_robots is True and profile.links.retries == 1
    assert load_profile("config/profiles/example.yaml").site.start_url == "https://www.example.gov.tw/"


@pytest.mark.parametrize(("text", "message"), [
    ("crawl: {max_depht: 3}", r"crawl\.max_depht: Extra inputs are not permitted"),
    ("crawl: {max_depth: -1}", r"crawl\.max_depth: .*greater than or equal to 0"),
    ("links: {timeout: soon}", r"links\.timeout: .*number"),
    ("crawl: {exclude: ['(']}", r"bad regular expression"),
    ("- just\n- a list", r"a profile is a mapping"),
    ("site: {name: [unclosed", r"line 1 invalid YAML"),
    ("audit: {as_of: 2026/12/07}", r"audit\.as_of: .*date"),
    ("audit: {as_of: 2026-02-30}", r"invalid YAML value: day is out of range for month"),
])
def test_broken_profiles_give_one_clear_line(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_profile(_write(tmp_path, text))
    assert str(tmp_path) in str(info.value) and "\n" not in str(info.value)


def test_missing_profile_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read profile"):
        load_profile(tmp_path / "nope.yaml")


def test_overrides_ignore_unset_values_and_are_validated():
    profile = load_profile(None).with_overrides(crawl={"max_depth": 0, "max_pages": None})
    assert profile.crawl.max_depth == 0 and profile.crawl.max_pages == load_profile(None).crawl.max_pages
    with pytest.raises(ConfigError):
        load_profile(None).with_overrides(crawl={"concurrency": 0})


def test_fingerprint_changes_with_settings():
    assert load_profile(None).fingerprint() != load_profile(None).with_overrides(crawl={"max_depth": 2}).fingerprint()


def test_audit_as_of_is_a_date_kept_with_the_run_and_hashed(tmp_path):
    pinned = load_profile(_write(tmp_path, "audit: {as_of: 2026-12-07}"))
    assert pinned.audit.as_of == dt.date(2026, 12, 7) and load_profile(None).audit.as_of is None
    assert pinned.public_dump()["audit"] == {"as_of": "2026-12-07"}  # what the run stores and the checks read
    assert pinned.fingerprint() != load_profile(None).fingerprint()  # a pinned date decides results
    assert load_profile(None).with_overrides(audit={"as_of": None}).audit == load_profile(None).audit


@pytest.mark.parametrize("bad", ["", "ftp://h.tw/", "www.gov.tw", "http://"])
def test_bad_start_urls(bad):
    with pytest.raises(ConfigError):
        check_start_url(bad)


def test_bundled_rubric_weights():
    rubric = load_rubric("default")
    assert rubric.ref == "default@2"
    assert {i.id for i in rubric.indicators} == {"disclosure_adequacy", "content_validity", "retrieval_convenience",
                                                 "e_participation"}
    for indicator in rubric.indicators:
        assert sum(c.weight for c in indicator.components) == 100


def test_unknown_rubric():
    with pytest.raises(ConfigError, match="no bundled rubric"):
        load_rubric("nope")
