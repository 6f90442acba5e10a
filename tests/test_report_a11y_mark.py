"""The 無障礙標章 section says where the dates come from: the certificate page (read online) or an
estimate from the certificate number (推估), and shows a revocation the page states."""

import lxml.html
import pytest

from govaudit.reports.writers.html import render

BADGE = {
    "present": True, "linked": True, "level": "AA", "host": "accessibility.moda.gov.tw", "era": "moda",
    "certificate_id": "20240305131929",
    "certificate_url": "https://accessibility.moda.gov.tw/Applications/Detail?category=20240305131929",
    "issued": "2024-03-05", "expires": "2027-03-04", "likely_expired": False, "width": 88, "height": 31,
    "size_ok": True, "in_footer": True, "position": 0.97, "link_status": "ok", "meta": [], "valid": False,
    "audit_date": "2026-01-15", "pages_with_badge": 1, "pages_checked": 1, "home_page": "http://127.0.0.1/",
}


def _mark_section(badge, lang):
    results = {"run": {"id": 1, "start_url": "http://127.0.0.1/", "status": "completed"}, "links": [],
               "checks": [], "indicators": [], "codes": {}, "accessibility": {"badge": badge}}
    return lxml.html.fromstring(render(results, lang=lang)).get_element_by_id("accessibility_mark").text_content()


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_dates_read_from_the_certificate_page(lang):
    text = _mark_section({**BADGE, "dates_estimated": False, "revoked": True,
                          "dates_basis": "認證頁面所載（https://accessibility.moda.gov.tw/…）",
                          "certificate_page": {"level": "A", "issued": "2024-03-05", "expires": "2027-03-04"}}, lang)
    zh = lang == "zh-TW"
    assert ("有效期限（認證頁面）" if zh else "Valid until (certificate page)") in text and "2027-03-04" in text
    assert ("推估到期日" if zh else "Estimated expiry") not in text
    assert ("認證頁面顯示已廢止／註銷是" if zh else "Revoked or cancelled (certificate page)yes") in text
    assert ("認證頁面所載等級A" if zh else "Level on the certificate pageA") in text


def test_an_estimate_says_so():
    text = _mark_section({**BADGE, "dates_estimated": True, "revoked": None,
                          "dates_basis": "推估：認證編號 20240305131929 視為申請時間"}, "zh-TW")
    assert "推估到期日（三年＋寬限期）" in text and "推估：認證編號 20240305131929" in text
    assert "有效期限（認證頁面）" not in text and "已廢止" not in text


@pytest.mark.parametrize(("art", "zh"), [
    ({"checked": True, "matches": True, "reference": "moda-aa-2.1", "distance": 0},
     "標章圖樣符合官方圖樣（moda-aa-2.1，感知雜湊差 0／64 位元）"),
    ({"checked": True, "matches": False, "reference": "moda-aa-2.1", "distance": 30},
     "標章圖樣與官方圖樣不符（最接近 moda-aa-2.1，差 30／64 位元）"),
    ({"checked": False, "error": "not a raster image"}, "標章圖樣未比對：not a raster image"),
])
def test_the_artwork_verdict_is_shown(art, zh):
    assert zh in _mark_section({**BADGE, "artwork": art}, "zh-TW")
