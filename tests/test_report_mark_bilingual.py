"""The 無障礙標章 and bilingual report sections: shown from results.json, hidden without data, crawled
text escaped, in both languages."""

import pytest

from govaudit.reports.sections import accessibility_mark, bilingual
from govaudit.reports.writers.html import render

EVIL = '<script>alert("x")</script>'
RESULTS = {
    "run": {"id": 1, "start_url": "http://127.0.0.1/", "status": "completed"},
    "links": [], "checks": [{"id": "accessibility_mark", "status": "failed", "metrics": {}, "findings": [
        {"code": "a11y.mark-expired", "severity": "high", "page": "http://127.0.0.1/", "message": EVIL}]}],
    "indicators": [], "codes": {},
    "accessibility": {"badge": {
        "present": True, "linked": True, "level": "AA", "host": "accessibility.moda.gov.tw", "era": "moda",
        "certificate_id": "20220830155044",
        "certificate_url": "https://accessibility.moda.gov.tw/Applications/Detail?category=20220830155044",
        "issued": "2022-08-30", "expires": "2025-11-28", "likely_expired": True, "width": 127, "height": 45,
        "size_ok": False, "in_footer": True, "position": 0.97, "link_status": "not_verified", "meta": [EVIL],
        "valid": False, "audit_date": "2026-01-01", "pages_with_badge": 3, "pages_checked": 4,
        "home_page": "http://127.0.0.1/"}},
    "bilingual": {
        "english_home": {"url": "javascript:alert(1)", "found_by": "text", "status": "ok"},
        "pairs": [{"zh": "http://127.0.0.1/a", "en": "http://127.0.0.1/en/a", "via": ["hreflang"]}],
        "coverage": {"zh_pages": 5, "en_pages": 2, "pairs": 1, "en_paired_share": 0.5, "zh_paired_share": 0.2,
                     "key_pages": {"about": "http://127.0.0.1/en/a", "privacy": None}, "unpaired_en": []},
        "english_pages": [{"url": "http://127.0.0.1/en/b", "lang": EVIL, "cjk_share": 0.8, "english": False}],
        "findings": [{"code": "bilingual.not-english", "severity": "medium", "page": "http://127.0.0.1/en/b",
                      "target": "", "message": EVIL}]},
}


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_sections_render_escaped(lang):
    page = render(RESULTS, lang=lang)
    assert 'id="accessibility_mark"' in page and 'id="bilingual"' in page
    assert page.index('id="accessibility_mark"') < page.index('id="bilingual"')
    assert EVIL not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page
    assert 'href="https://accessibility.moda.gov.tw/Applications/Detail?category=20220830155044"' in page
    assert "127×45" in page and "2025-11-28" in page
    assert ("未發現" if lang == "zh-TW" else "not found") in page  # the missing English privacy page


def test_sections_hide_without_data():
    assert accessibility_mark.build({}) is None and bilingual.build({"bilingual": None}) is None
    page = render({**RESULTS, "accessibility": {}, "bilingual": {}})
    assert 'id="accessibility_mark"' not in page and 'id="bilingual"' not in page
