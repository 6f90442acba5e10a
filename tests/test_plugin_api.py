"""The plug-in API: the two extension points every check uses (page facts computed once in the crawler's
parse, check data sections merged into results.json), what a check declares (cost, sampling,
dependencies) and how the core honours it, and writers chosen by --format."""

import ast
import inspect
from dataclasses import replace
from pathlib import Path

import pytest

from govaudit import cli, parallel, registry, runner
from govaudit.crawler.extract import parse
from govaudit.models import CheckResult, CheckStatus, Page
from govaudit.plugins import BrowserTarget, Check, CheckContext, DependencyError, Writer, run_order
from govaudit.profile import ConfigError, load_profile
from govaudit.results import build, merge_section
from govaudit.store import open_store
from govaudit.store.sqlite_schema import MIGRATIONS
from tests.test_parallel_checks import _no_threads
from tests.testdb import db_at, query, schema_at

HTML = "<html><head><title>T</title></head><body><h1>標題</h1><a href='/a'>a</a></body></html>"


def _headings(doc, url):
    return {"h1": [h.text_content() for h in doc.iter("h1")], "url": url}


def _broken(doc, url):
    raise RuntimeError("boom")


def test_page_analyzers_see_the_parsed_document_and_failures_stay_contained():
    out = parse(HTML, "http://127.0.0.1/p", {"headings": _headings, "broken": _broken, "none": lambda d, u: None})
    assert out.facts["headings"] == {"h1": ["標題"], "url": "http://127.0.0.1/p"}
    assert out.facts["broken"]["_error"].startswith("RuntimeError")
    assert "none" not in out.facts
    assert [link.url for link in out.links] == ["/a"]  # link extraction unaffected


def test_merge_section_merges_dicts_and_replaces_the_rest():
    doc = {"disclosure": {"categories": [1], "metadata": {"a": 1}}}
    merge_section(doc, {"disclosure": {"metadata": {"b": 2}, "odf": {"ratio": 0.5}, "categories": [2]}})
    assert doc == {"disclosure": {"categories": [2], "metadata": {"a": 1, "b": 2}, "odf": {"ratio": 0.5}}}


def _page(url):
    return Page(url=url, requested_url=url, http_status=200, content_type="text/html", charset="utf-8",
                lang="zh-Hant", title="t", size=1, fetched_at="2026-01-01T00:00:00+00:00")


def test_facts_and_check_data_round_trip_through_the_store_into_results(tmp_path):
    with open_store(db_at(tmp_path / "s.sqlite")) as store:
        run = store.create_run(site="s", start_url="http://127.0.0.1/", tool_version="t", profile_hash="h",
                               profile={}, rubric="r@1")
        with store.transaction():
            store.add_pages(run, [(replace(_page("http://127.0.0.1/"), facts={"meta": {"dc": 3}}), None),
                                  (_page("http://127.0.0.1/b"), None)])
        ctx = CheckContext(store=store, run_id=run, profile=None)
        assert [(p.url, f) for p, f in ctx.facts("meta")] == [("http://127.0.0.1/", {"dc": 3})]
        store.save_check_results(run, [
            CheckResult("metadata", "1", CheckStatus.PASSED, data={"disclosure": {"metadata": {"share": 0.5}}}),
            CheckResult("odf", "1", CheckStatus.FAILED, data={"disclosure": {"odf": {"ratio": 0.2}},
                                                              "links": "ignored: reserved key"}),
        ])
        doc = build(store, run)
    assert doc["disclosure"] == {"metadata": {"share": 0.5}, "odf": {"ratio": 0.2}}
    assert doc["links"] == []


def test_a_schema_1_database_is_migrated_with_its_rows_kept(tmp_path):
    path = db_at(tmp_path / "old.sqlite")
    schema_at(path, 1)
    query(path, "INSERT INTO runs (site, start_url, status, started_at, tool_version, profile_hash, profile, rubric)"
                " VALUES ('s', 'http://127.0.0.1/', 'completed', '2026-01-01', 't', 'h', '{}', 'r@1')")
    with open_store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert [r["site"] for r in store.runs()] == ["s"]


# -- the plug-in contract: an outside check declares what the core needs, the core names no plug-in ----

class Outside(Check):
    """An outside plug-in: reads site_elements' result, wants two pages tested, is expensive."""

    id = "aa_outside"  # sorts before site_elements: the runner must still run it after
    title = title_zh = "outside"
    cost = 3.0
    depends_on = frozenset({"site_elements"})

    def sample(self, ctx):
        return [BrowserTarget(page.url, "outside") for page in ctx.pages()][:2]

    def run(self, ctx):
        elements = ctx.result_of("site_elements")
        return self.result(CheckStatus.PASSED, {"elements_status": elements.status.value,
                                                "elements_findings": len(elements.findings)}, [])


class CycleA(Check):
    id = "zz_cycle_a"
    title = "a"
    depends_on = frozenset({"zz_cycle_b"})


class CycleB(Check):
    id = "zz_cycle_b"
    title = "b"
    depends_on = frozenset({"zz_cycle_a"})


def _install(root: Path, monkeypatch, checks: dict[str, str]) -> None:
    """A distribution with entry points on sys.path, as `pip install` of an outside package leaves one."""
    dist = root / "govaudit_outside-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: govaudit-outside\nVersion: 1.0\n")
    lines = "".join(f"{cid} = tests.test_plugin_api:{cls}\n" for cid, cls in checks.items())
    (dist / "entry_points.txt").write_text(f"[govaudit.checks]\n{lines}")
    monkeypatch.syspath_prepend(str(root))
    registry.plugins.cache_clear()


@pytest.fixture
def outside(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, {"aa_outside": "Outside"})
    yield
    registry.plugins.cache_clear()


@pytest.fixture
def cyclic(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch, {"zz_cycle_a": "CycleA", "zz_cycle_b": "CycleB"})
    yield
    registry.plugins.cache_clear()


@pytest.fixture
def audited(full_site_audit):
    return full_site_audit


def test_run_order_puts_dependencies_first_and_keeps_the_given_order_otherwise():
    assert run_order({"a": frozenset(), "b": frozenset(), "c": frozenset()}) == ["a", "b", "c"]
    assert run_order({"a": frozenset({"c"}), "b": frozenset(), "c": frozenset({"b"}), "d": frozenset()}) \
        == ["b", "c", "a", "d"]


def test_run_order_rejects_cycles_and_unknown_checks():
    with pytest.raises(DependencyError, match="a → b → a"):
        run_order({"a": frozenset({"b"}), "b": frozenset({"a"})})
    with pytest.raises(DependencyError, match="depends on nope"):
        run_order({"a": frozenset({"nope"})})


def test_a_dependency_cycle_among_installed_checks_is_a_configuration_error(cyclic):
    assert {"zz_cycle_a", "zz_cycle_b"} <= set(registry.checks())
    with pytest.raises(ConfigError, match="depend on each other"):
        runner.build_checks(load_profile(None))


def test_a_dependency_disabled_in_the_profile_is_a_configuration_error(outside, tmp_path):
    profile = load_profile(None).model_copy(update={"checks": {"site_elements": None}})
    with pytest.raises(ConfigError, match="aa_outside depends on site_elements"):
        runner.build_checks(profile)


def test_an_outside_check_declares_cost_sampling_and_dependencies_and_reads_its_dependency(
        outside, audited, monkeypatch):
    db, profile = audited
    checks = runner.build_checks(profile)
    ids = [c.id for c in checks]
    assert ids.index("site_elements") < ids.index("aa_outside")
    monkeypatch.setattr(parallel, "MIN_PAGES", 0)
    together = [g for g in parallel.split(checks, 2) if any(c.id == "aa_outside" for c in g)]
    assert [c.id for c in together[0] if c.id in ("aa_outside", "site_elements")] == ["site_elements", "aa_outside"]
    with open_store(db) as store:
        run_id = store.latest_run_id()
        (mine,) = [c for c in checks if c.id == "aa_outside"]
        ctx = CheckContext(store=store, run_id=run_id, profile=profile)
        assert [t.reason for t in mine.sample(ctx)] == ["outside", "outside"]
        assert Check.sample(mine, ctx) == []  # the base wants no pages tested
        serial = {r.check_id: r for r in runner.run_checks(store, run_id, profile, checks, {}, workers=1)}
        assert _no_threads()
        forked = {r.check_id: r for r in runner.run_checks(store, run_id, profile, checks, {}, workers=2)}
    for results in (serial, forked):
        elements = results["site_elements"]
        assert results["aa_outside"].status == CheckStatus.PASSED
        assert results["aa_outside"].metrics == {"elements_status": elements.status.value,
                                                 "elements_findings": len(elements.findings)}


def test_a_check_reads_only_the_results_it_declares(tmp_path):
    with open_store(db_at(tmp_path / "a.sqlite")) as store:
        ctx = CheckContext(store=store, run_id=1, profile=None)
        with pytest.raises(LookupError, match="depends_on"):
            ctx.result_of("site_elements")


def test_format_chooses_the_writers_and_an_unknown_one_is_a_usage_error(audited, tmp_path, capsys):
    db, _ = audited
    cli.main(["report", "--db", str(db), "--out", str(tmp_path / "json"), "--format", "json"])
    assert sorted(p.name for p in (tmp_path / "json").iterdir()) == ["results.json"]
    cli.main(["report", "--db", str(db), "--out", str(tmp_path / "two"), "--format", "csv,findings"])
    assert sorted(p.name for p in (tmp_path / "two").iterdir()) == ["findings.csv", "links.csv"]
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        cli.main(["report", "--db", str(db), "--out", str(tmp_path / "none"), "--format", "json,docx"])
    assert exit_.value.code == runner.EXIT_USAGE
    message = " ".join(capsys.readouterr().err.split())
    assert "unknown format(s) docx" in message and "available: csv, findings, html, json" in message
    assert not (tmp_path / "none").exists()


def test_every_writer_keeps_the_writer_protocol():
    for writer_id, cls in registry.writers().items():
        assert cls.id == writer_id and cls.filename
        assert list(inspect.signature(cls.write).parameters) == list(inspect.signature(Writer.write).parameters)


# Words that are writer ids and also ordinary names of the results document, never a writer named by id:
# "findings" (a check's findings, the summary's count), "json" (pydantic's model_dump(mode="json")).
WRITER_ID_WORDS = {"findings", "json"}
# Check ids that are also other words in one core module: "odf" is a file kind in the attachment reader.
CHECK_ID_WORDS = {("attachments.py", "odf")}


def test_the_core_names_no_check_and_no_writer():
    core = Path(__file__).resolve().parents[1] / "govaudit"
    banned = set(registry.checks()) | (set(registry.writers()) - WRITER_ID_WORDS)
    found = [f"{path.name}:{node.lineno}: {node.value!r}"
             for path in sorted(core.glob("*.py"))  # the core's own modules, not the stage subpackages
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in banned
             and (path.name, node.value) not in CHECK_ID_WORDS]
    assert found == []
