"""site_elements, metadata, odf and pii: real servers on 127.0.0.1 through the real runner, the demo
site against its ground truth, and the real agency pages in shared/realsite/moda-acs."""

import json
from pathlib import Path

import pytest

from govaudit import runner
from govaudit.checks.metadata import Metadata, problem
from govaudit.checks.odf import OpenFormats, extension
from govaudit.checks.pii import PersonalData, scan, valid
from govaudit.checks.site_elements import SiteElements, contact_of, normalize_phone
from govaudit.context import CheckContext
from govaudit.crawler.extract import parse
from govaudit.models import Page
from govaudit.profile import load_profile
from govaudit.store import open_store
from tests.siteserver import SiteServer, html
from tests.testdb import db_at, table_rows

NATIONAL_ID = "A123456789"  # checksum-valid (the textbook example)
RESIDENT_OLD = "AC01234567"  # old-format resident certificate, checksum-valid
RESIDENT_NEW = "A800000014"  # new-format resident certificate, checksum-valid
CHECKS = {"site_elements": SiteElements, "metadata": Metadata, "odf": OpenFormats, "pii": PersonalData}


def _shared() -> Path:
    root = Path(__file__).resolve().parents[2] / "shared"
    return root if root.exists() else Path("/work/shared")


# -- pure parts ---------------------------------------------------------------------------------------
def test_id_checksums_and_masking():
    assert all(valid(n) for n in (NATIONAL_ID, RESIDENT_OLD, RESIDENT_NEW, "AA00000009"))
    assert not any(valid(n) for n in ("A123456788", "A800000015", "AC01234568"))
    found = scan(f"名單：{NATIONAL_ID}、{RESIDENT_OLD}、{RESIDENT_NEW}、A123456788、XA123456789、{NATIONAL_ID}0")
    assert [(m.kind, m.masked) for m in found] == [
        ("national_id", "A12****789"), ("resident_id", "AC0****567"), ("resident_id", "A80****014")]


def test_phone_numbers_normalise_across_notations():
    assert {normalize_phone(p) for p in ("(02)2345-6789", "02-2345-6789", "+886-2-2345-6789", "+886 2 2345 6789",
                                         "（02）2345-6789 分機 123")} == {"0223456789"}
    found = contact_of("地址：100099 臺北市中正區示範路100號\n電話：(02)2345-6789　傳真：(02)2345-6780　服務時間：08:30",
                       ["mailto:service@demo.gov.tw", "tel:02-2345-6789"])
    assert found == {"address": ["100099 臺北市中正區示範路100號"], "phone": ["(02)2345-6789"],
                     "fax": ["(02)2345-6780"], "email": ["service@demo.gov.tw"]}


def test_metadata_value_shapes():
    assert problem("Category.Theme", ["770"]) is None and problem("Category.Theme", ["A70"])
    assert problem("Category.Cake", ["C21"]) is None and problem("Category.Cake", ["140"])
    assert problem("Category.Service", ["E41;E10"]) is None and problem("Category.Service", [" "]) == "empty"
    assert problem("DC.Date", ["2024-09-10"]) is None and problem("DC.Date", ["113/9/10"]) is None
    assert problem("DC.Date", ["yesterday"])


def test_download_types_from_path_query_and_text():
    assert extension("http://h/f/a.DOCX") == "docx"
    assert extension("http://h/Download.ashx?u=x&filename=b.xlsx") == "xlsx"
    assert extension("http://h/Download.ashx?id=3", "申請書（ODT）") == "odt"
    assert extension("http://h/a.pdf", "DOCX") == "" and extension("http://h/page.html") == ""


# -- a served site, audited by the real runner ---------------------------------------------------------
META = "".join(f'<meta name="DC.{e}" content="x">' for e in (
    "Title", "Creator", "Subject", "Description", "Contributor", "Type", "Format", "Source", "Language",
    "Coverage", "Publisher", "Identifier", "Relation", "Rights")) + '<meta name="DC.Date" content="2024-09-10">'
CATEGORY = '<meta name="Category.Theme" content="770"><meta name="Category.Cake" content="C21">' \
           '<meta name="Category.Service" content="E41">'
KEYS = ('<a accesskey="U" href="#U" title="上方功能區">:::</a><a accesskey="C" href="#C" title="中央內容區">:::</a>'
        '<a accesskey="Z" href="#Z" title="下方功能區">:::</a>')


def _page(body: str, *, meta: str = META + CATEGORY, phone: str = "(02)2345-6789", keys: str = KEYS,
          title: str = "t") -> tuple:
    footer = ('<footer><ul><li><a href="/privacy.html">隱私權及安全政策</a></li>'
              '<li><a href="/open-data.html" title="政府網站資料開放宣告">資料開放宣告</a></li>'
              '<li><a href="/sitemap.html">網站導覽</a></li><li><a href="/sop.html">網站資料更新維護管理規定</a></li></ul>'
              f'<address><p>地址：100099 臺北市中正區示範路100號</p><p>電話：{phone}　傳真：(02)2345-6780</p>'
              '<p>電子郵件：<a href="mailto:service@demo.gov.tw">service@demo.gov.tw</a></p></address></footer>')
    status, headers, doc = html(f"{keys}{body}{footer}", title=title)
    return status, headers, doc.replace(b"</head>", meta.encode() + b"</head>")


FULL_SITE = {
    "/": _page('<a href="/a.html">a</a> <a href="/b.html">b</a> <a href="/files/">files</a> '
               '<a href="/forms.html">forms</a> <a href="/pii.html">list</a>'),
    "/privacy.html": _page("<p>privacy</p>", title="隱私權及安全政策"),
    "/open-data.html": _page("<p>open</p>"),
    "/sitemap.html": _page("<p>map</p>", title="網站導覽"),
    "/sop.html": _page("<p>sop</p>"),
    # a template that prints another telephone number, lacks Category.Cake and has a bad Theme code
    "/a.html": _page("<p>a</p>", phone="+886-2-2345-0000",
                     meta=META + '<meta name="Category.Theme" content="ABC"><meta name="Category.Service" content="E41">'),
    "/b.html": _page("<p>b</p>", meta="", keys=""),
    "/files/": html('<h1>Index of /files/</h1><a href="/">Parent Directory</a>', title="Index of /files/"),
    "/forms.html": _page(
        '<table><tr><td>表一</td><td><a href="/f/one.docx">DOCX</a> <a href="/f/one.odt">ODT</a></td></tr>'
        '<tr><td>表二</td><td><a href="/f/two.xlsx">XLSX</a> <a href="/f/two.pdf">PDF</a></td></tr></table>'
        '<ul><li><a href="/f/three.doc">DOC</a> <a href="/f/three-odf.odt">ODT</a></li>'
        '<li><a href="/Download.ashx?file=four.pptx">簡報</a></li></ul>'),
    "/pii.html": _page(f"<table><tr><td>王小明</td><td>{NATIONAL_ID}</td></tr><tr><td>Maria</td>"
                       f"<td>{RESIDENT_OLD}</td></tr><tr><td>x</td><td>A123456788</td></tr></table>"),
}
for _path in ("/f/one.docx", "/f/one.odt", "/f/two.xlsx", "/f/two.pdf", "/f/three.doc", "/f/three-odf.odt",
              "/Download.ashx?file=four.pptx"):
    FULL_SITE[_path] = (200, {"Content-Type": "application/octet-stream"}, b"PK")


def _audit(tmp_path, routes):
    profile = load_profile(None).with_overrides(links={"timeout": 5})
    with SiteServer(routes) as server:
        runner.audit(server.url, profile, db=db_at(tmp_path / "a.sqlite"), out=tmp_path / "out", offline=True)
        base = server.url
    doc = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    checks = {c["id"]: c for c in doc["checks"]}
    return base, doc, checks


def _codes(check):
    return sorted({f["code"] for f in check["findings"]})


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("full")
    return (tmp, *_audit(tmp, FULL_SITE))


def test_site_elements_found_and_defects_named(full):
    _, base, doc, checks = full
    site = doc["disclosure"]["site_elements"]
    for key, path in (("privacy_policy", "privacy.html"), ("open_data_declaration", "open-data.html"),
                      ("sitemap_page", "sitemap.html"), ("update_rules", "sop.html")):
        assert site["elements"][key]["status"] == "found" and site["elements"][key]["url"] == base + path, key
    assert site["contact"]["missing"] == []
    assert _codes(checks["site_elements"]) == ["site.accesskey-missing", "site.contact-inconsistent",
                                               "site.directory-listing"]
    [odd] = site["contact"]["inconsistent"]
    assert (odd["field"], odd["key"], odd["sample"]) == ("phone", "0223450000", [base + "a.html"])
    assert site["directory_listings"] == [base + "files/"]
    assert set(site["accesskeys"]["missing"]) == {"U", "C", "Z"}
    assert site["accesskeys"]["missing"]["U"]["sample"] == [base + "b.html"]


def test_metadata_coverage_and_grouped_findings(full):
    _, base, doc, checks = full
    meta = doc["disclosure"]["metadata"]
    pages = meta["pages"]
    # a.html (element missing, malformed), b.html (none), files/ (a listing page, none) are incomplete
    assert meta["pages_complete"] == pages - 3 and checks["metadata"]["metrics"]["coverage"] == round((pages - 3) / pages, 4)
    got = {(g["code"], g["element"], tuple(g["sample"])) for g in meta["groups"]}
    assert ("metadata.element-missing", "Category.Cake", (base + "a.html",)) in got
    assert ("metadata.malformed", "Category.Theme", (base + "a.html",)) in got
    assert ("metadata.missing", "", (base + "b.html",)) in got
    assert not any(g["element"] == "DC.Title" for g in meta["groups"])


def test_odf_gaps_and_ratio(full):
    _, base, doc, checks = full
    odf = doc["disclosure"]["odf"]
    assert sorted(m["url"] for m in odf["missing"]) == [base + "Download.ashx?file=four.pptx", base + "f/two.xlsx"]
    assert odf["missing"][0]["pages"] == [base + "forms.html"]
    assert (odf["documents"], odf["documents_with_odf"], checks["odf"]["metrics"]["ratio"]) == (4, 2, 0.5)


def test_pii_reported_masked_and_never_in_full(full):
    tmp, base, doc, checks = full
    pii = doc["disclosure"]["pii"]
    [hit] = pii["hits"]
    assert hit["url"] == base + "pii.html" and hit["counts"] == {"national_id": 1, "resident_id": 1}
    assert sorted(hit["masked"]) == ["A12****789", "AC0****567"]
    assert _codes(checks["pii"]) == ["pii.national-id", "pii.resident-id"]
    report = (tmp / "out" / "report.html").read_text(encoding="utf-8")
    assert "A12****789" in report
    for name in ("results.json", "report.html", "links.csv"):
        text = (tmp / "out" / name).read_text(encoding="utf-8-sig")
        assert NATIONAL_ID not in text and RESIDENT_OLD not in text, name
    db = db_at(tmp / "a.sqlite")
    if isinstance(db, Path):
        raw = db.read_bytes()
        assert NATIONAL_ID.encode() not in raw and RESIDENT_OLD.encode() not in raw
    for table, rows in table_rows(db).items():  # every table but the compressed page bodies, as text
        if table != "bodies":
            dump = json.dumps(rows, ensure_ascii=False, default=str)
            assert NATIONAL_ID not in dump and RESIDENT_OLD not in dump, table


BARE_SITE = {
    "/": html('<p>首頁</p><a href="/about.html">關於</a><a href="/privacy.html">隱私權政策</a>'),
    "/about.html": html("<p>本署位於臺北市。</p>"),
}


def test_a_bare_site_lacks_every_element(tmp_path):
    _, doc, checks = _audit(tmp_path, BARE_SITE)
    assert _codes(checks["site_elements"]) == [
        "site.accesskey-missing", "site.contact-missing", "site.open-data-missing", "site.privacy-missing",
        "site.sitemap-missing", "site.update-rule-missing"]
    site = doc["disclosure"]["site_elements"]
    assert site["elements"]["privacy_policy"]["status"] == "broken"  # linked, but the page answers 404
    assert site["contact"]["missing"] == ["address", "phone", "fax", "email"]
    assert checks["metadata"]["metrics"]["coverage"] == 0.0
    assert checks["odf"]["status"] == "not_applicable" and checks["pii"]["status"] == "passed"


def test_attachment_text_is_scanned_and_stored_masked(tmp_path):
    """Attachments stored as pages with a body (crawler.attachments when present; plain text without it)."""
    with open_store(db_at(tmp_path / "s.sqlite")) as store:
        run = store.create_run(site="s", start_url="http://127.0.0.1/", tool_version="t", profile_hash="h",
                               profile={}, rubric="r@1")
        body = f"姓名,身分證字號\n王小明,{NATIONAL_ID}\n".encode()
        page = Page(url="http://127.0.0.1/list.csv", requested_url="http://127.0.0.1/list.csv", http_status=200,
                    content_type="text/csv; charset=utf-8", depth=1, size=len(body),
                    fetched_at="2026-01-01T00:00:00+00:00", body_hash="h1")
        with store.transaction():
            store.add_pages(run, [(page, body)])
        result = PersonalData().run(CheckContext(store=store, run_id=run, profile=None))
    assert result.metrics["attachments_scanned"] == 1
    [finding] = result.findings
    assert finding.code == "pii.national-id" and finding.evidence["masked"] == ["A12****789"]
    assert NATIONAL_ID not in json.dumps(result.data) + finding.message


# -- the demo site against its ground truth ----------------------------------------------------------
@pytest.fixture(scope="module")
def demo(demo_audit):
    return demo_audit.results, demo_audit.truth


def test_demo_site_elements_match_the_truth(demo):
    results, truth = demo
    elements = results["disclosure"]["site_elements"]["elements"]
    for key in ("privacy_policy", "open_data_declaration", "sitemap_page", "update_rules", "contact"):
        assert (elements[key]["status"], elements[key]["url"]) == ("found", truth["site_elements"][key]), key
    contact = results["disclosure"]["site_elements"]["contact"]
    assert contact["missing"] == [] and contact["inconsistent"] == []  # zh and en footers: one phone number


def test_demo_metadata_and_odf_match_the_truth(demo):
    results, truth = demo
    meta = results["disclosure"]["metadata"]
    without = set(meta["without_metadata_sample"])
    assert set(truth["pages_without_metadata"]) <= without
    # the rest are the calendar trap's pages, which the truth's crawl does not enter
    assert all(u.startswith(truth["calendar_prefix"]) for u in without - set(truth["pages_without_metadata"]))
    odf = results["disclosure"]["odf"]
    assert [m["url"] for m in odf["missing"]] == [truth["forms"]["docx_without_odf"]]
    assert odf["missing"][0]["pages"] == [truth["forms"]["page"]]
    assert odf["editable_files_with_odf"] == len(truth["forms"]["odf_pairs"])
    assert results["disclosure"]["pii"]["total"] == 0


# -- the real agency pages ---------------------------------------------------------------------------
REALSITE = _shared() / "realsite" / "moda-acs"


@pytest.mark.skipif(not REALSITE.exists(), reason="shared/realsite not present")
def test_moda_acs_footer_elements_are_found(tmp_path):
    base = "http://127.0.0.1:8000/"
    analyzers = {cid: cls.page_facts for cid, cls in CHECKS.items()}
    pages = []
    for path in sorted(REALSITE.rglob("*.html")):
        if path.name == "Footer.html":  # fragments, not pages
            continue
        url = base + path.relative_to(REALSITE).as_posix()
        out = parse(path.read_text(encoding="utf-8"), url, analyzers)
        pages.append((Page(url=url, requested_url=url, http_status=200, content_type="text/html; charset=utf-8",
                           charset="utf-8", lang=out.lang, title=out.title, meta=out.meta, anchors=out.anchors,
                           depth=0 if path.name == "index.html" else 1, size=1,
                           fetched_at="2026-01-01T00:00:00+00:00", facts=out.facts), None))
    with open_store(db_at(tmp_path / "s.sqlite")) as store:
        run = store.create_run(site="acs", start_url=base + "ACS/index.html", tool_version="t", profile_hash="h",
                               profile={}, rubric="r@1")
        with store.transaction():
            store.add_pages(run, pages)
        ctx = CheckContext(store=store, run_id=run, profile=None)
        site = SiteElements().run(ctx)
        meta = Metadata().run(ctx)
    data = site.data["disclosure"]["site_elements"]
    elements = data["elements"]
    assert elements["privacy_policy"]["url"] == base + "announcement/privacy/949.html"
    assert elements["open_data_declaration"]["url"] == base + "announcement/publicdeclare/951.html"
    assert elements["sitemap_page"]["url"] == base + "ACS/sitemap/694.html"
    assert elements["contact"]["url"] == base + "ACS/aboutus/contact/618.html"
    fields = data["contact"]["fields"]
    assert fields["address"]["value"] == "100057 臺北市中正區延平南路143號"
    assert normalize_phone(fields["phone"]["value"]) == "0223808500"
    assert fields["email"]["value"] == "service@acs.gov.tw"  # only the English footer and contact page give one
    assert data["contact"]["missing"] == ["fax"] and data["contact"]["inconsistent"] == []
    assert data["accesskeys"]["pages_complete"] == data["accesskeys"]["pages"] == len(pages)
    assert data["directory_listings"] == []
    assert {f.code for f in site.findings} == {"site.contact-missing", "site.update-rule-missing"}
    assert meta.metrics["coverage"] == 0.0  # the ACS pages carry no DC.* / Category.* metadata


def test_pii_in_a_crawled_odt_attachment_is_found_with_the_attachment_as_source(tmp_path):
    from tests.test_links import _odt

    routes = {"/": _page('<a href="/files/list.odt">名冊</a>'),
              "/files/list.odt": (200, {"Content-Type": "application/vnd.oasis.opendocument.text"},
                                  _odt(f"<text:p>王小明 {NATIONAL_ID}</text:p>"))}
    base, doc, checks = _audit(tmp_path, routes)
    [finding] = [f for f in checks["pii"]["findings"] if f["page"].endswith("/files/list.odt")]
    assert finding["code"] == "pii.national-id" and finding["evidence"]["masked"] == ["A12****789"]
    assert checks["pii"]["metrics"]["attachments_scanned"] == 1
    assert NATIONAL_ID not in json.dumps(doc, ensure_ascii=False)
