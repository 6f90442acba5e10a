"""Report section: site elements, classification metadata, ODF gaps and personal data (masked only)."""

from __future__ import annotations

from typing import Any

from govaudit.reports.values import url_view

NAME = "site_quality"
ORDER = 30
ELEMENT_ORDER = ("privacy_policy", "open_data_declaration", "sitemap_page", "update_rules", "contact", "mailbox")
FIELD_ORDER = ("address", "phone", "fax", "email")
MAX_ROWS = 50

LABELS = {
    "zh-TW": {
        "title": "網站基本元素、分類檢索、ODF 與個資",
        "elements": "網站基本元素", "element": "項目", "status": "狀態", "evidence": "證據頁面", "linked_from": "連結來源",
        "element_names": {"privacy_policy": "隱私權及安全政策", "open_data_declaration": "政府網站資料開放宣告",
                          "sitemap_page": "網站導覽", "update_rules": "網站資料更新規定", "contact": "聯絡資訊頁面",
                          "mailbox": "民意信箱"},
        "element_status": {"found": "已找到", "broken": "連結失效", "missing": "未找到"},
        "contact": "聯絡資料（第7條第1項第3款）", "field": "欄位", "value": "內容", "found_on": "出處",
        "fields": {"address": "地址", "phone": "電話", "fax": "傳真", "email": "電子郵件"},
        "not_published": "未公開", "inconsistent": "頁尾聯絡資料不一致", "majority": "多數頁面",
        "pages": "頁數", "sample": "範例頁面",
        "accesskeys": "定位點（accesskey）", "accesskey_summary": "具備全部必要定位點（{keys}）之頁面：{n}／{total}",
        "missing_key": "缺少 {key} 的頁面", "listings": "開放目錄瀏覽（禁止）", "none": "無",
        "metadata": "分類檢索詮釋資料", "coverage": "具完整且格式正確之 DC.* 與 Category.* 的頁面比例",
        "metadata_groups": "問題（依網站區段彙整）", "section": "區段", "problem": "問題",
        "codes": {"metadata.missing": "完全沒有詮釋資料", "metadata.element-missing": "缺少欄位",
                  "metadata.malformed": "欄位格式錯誤"},
        "odf": "開放文件格式（ODF）", "odf_ratio": "提供 ODF 之可編輯文件比例", "odf_files": "可編輯文件（含 ODF 版本）",
        "odf_missing": "未提供 ODF 版本之文件", "file": "檔案", "expected": "應提供",
        "pii": "個人資料（僅顯示遮蔽後號碼）", "pii_summary": "已掃描網頁 {pages} 頁、附件 {attachments} 個；發現 {total} 筆",
        "masked": "遮蔽號碼", "count": "筆數",
        "kinds": {"national_id": "身分證字號", "resident_id": "居留證號"}, "source": "來源",
        "sources": {"page": "網頁", "attachment": "附件"}, "no_pii": "未發現通過檢查碼驗證之身分證字號或居留證號。",
        "omitted": "另有 {n} 筆未列出，詳見 results.json。",
    },
    "en": {
        "title": "Site elements, metadata, ODF and personal data",
        "elements": "Site elements", "element": "Element", "status": "Status", "evidence": "Evidence",
        "linked_from": "Linked from",
        "element_names": {"privacy_policy": "Privacy and security policy", "open_data_declaration":
                          "Open data declaration", "sitemap_page": "Site map", "update_rules": "Data update rules",
                          "contact": "Contact page", "mailbox": "Public mailbox"},
        "element_status": {"found": "found", "broken": "link broken", "missing": "missing"},
        "contact": "Contact data (GIPA Art. 7-1-3)", "field": "Field", "value": "Value", "found_on": "Found on",
        "fields": {"address": "Address", "phone": "Telephone", "fax": "Fax", "email": "E-mail"},
        "not_published": "not published", "inconsistent": "Footer contact data that differs", "majority": "Most pages",
        "pages": "Pages", "sample": "Sample pages",
        "accesskeys": "Access keys", "accesskey_summary": "Pages with every required access key ({keys}): {n} of {total}",
        "missing_key": "Pages without {key}", "listings": "Directory listings (forbidden)", "none": "none",
        "metadata": "Classification metadata", "coverage": "Pages with complete, well-formed DC.* and Category.*",
        "metadata_groups": "Problems (grouped by site section)", "section": "Section", "problem": "Problem",
        "codes": {"metadata.missing": "no metadata at all", "metadata.element-missing": "element missing",
                  "metadata.malformed": "malformed value"},
        "odf": "Open Document Format (ODF)", "odf_ratio": "Editable documents available in ODF",
        "odf_files": "Editable documents (with an ODF version)", "odf_missing": "Documents without an ODF version",
        "file": "File", "expected": "Expected",
        "pii": "Personal data (masked numbers only)",
        "pii_summary": "Scanned {pages} pages and {attachments} attachments; {total} number(s) found",
        "masked": "Masked numbers", "count": "Count",
        "kinds": {"national_id": "national ID", "resident_id": "resident certificate"}, "source": "Source",
        "sources": {"page": "page", "attachment": "attachment"},
        "no_pii": "No checksum-valid national ID or resident-certificate number found.",
        "omitted": "{n} more not listed; see results.json.",
    },
}


def _d(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list:
    return value if isinstance(value, list) else []


def _elements(site: dict) -> dict | None:
    if not site:
        return None
    elements = _d(site.get("elements"))
    rows = []
    for key in ELEMENT_ORDER:
        e = _d(elements.get(key))
        if e:
            rows.append({"key": key, "status": str(e.get("status", "")), "url": url_view(e.get("url")),
                         "source": url_view(e.get("source"))})
    contact = _d(site.get("contact"))
    fields = _d(contact.get("fields"))
    contact_rows = [{"key": f, "value": str(_d(fields.get(f)).get("value", "")),
                     "page": url_view(_d(fields.get(f)).get("page")), "found": f in fields} for f in FIELD_ORDER]
    inconsistent = [{"field": str(r.get("field", "")), "value": str(r.get("value", "")),
                     "majority": str(r.get("majority", "")), "pages": r.get("pages", 0),
                     "sample": [url_view(u) for u in _l(r.get("sample"))[:3]]}
                    for r in map(_d, _l(contact.get("inconsistent")))][:MAX_ROWS]
    access = _d(site.get("accesskeys"))
    missing_keys = [{"key": k, "pages": _d(v).get("pages", 0), "sample": [url_view(u) for u in _l(_d(v).get("sample"))[:3]]}
                    for k, v in sorted(_d(access.get("missing")).items())]
    listings = [url_view(u) for u in _l(site.get("directory_listings"))[:MAX_ROWS]]
    return {"rows": rows, "contact": contact_rows, "inconsistent": inconsistent,
            "access": {"required": "、".join(map(str, _l(access.get("required")))), "n": access.get("pages_complete", 0),
                       "total": access.get("pages", 0), "missing": missing_keys}, "listings": listings}


def _metadata(meta: dict) -> dict | None:
    if not meta:
        return None
    groups = [{"code": str(g.get("code", "")), "section": url_view(g.get("section")), "element": str(g.get("element", "")),
               "pages": g.get("pages", 0), "reason": str(g.get("reason", "")),
               "sample": [url_view(u) for u in _l(g.get("sample"))[:3]]} for g in map(_d, _l(meta.get("groups")))]
    return {"coverage": meta.get("coverage"), "pages": meta.get("pages", 0), "complete": meta.get("pages_complete", 0),
            "groups": groups[:MAX_ROWS], "omitted": max(0, len(groups) - MAX_ROWS)}


def _odf(odf: dict) -> dict | None:
    if not odf:
        return None
    missing = [{"url": url_view(m.get("url")), "type": str(m.get("type", "")), "expected": str(m.get("expected", "")),
                "pages": m.get("pages_total", 0), "sample": [url_view(u) for u in _l(m.get("pages"))[:3]]}
               for m in map(_d, _l(odf.get("missing")))]
    return {"ratio": odf.get("ratio"), "documents": odf.get("documents", 0), "with_odf": odf.get("documents_with_odf", 0),
            "missing": missing[:MAX_ROWS], "omitted": max(0, len(missing) - MAX_ROWS)}


def _pii(pii: dict) -> dict | None:
    if not pii:
        return None
    hits = []
    for h in map(_d, _l(pii.get("hits"))):
        counts = _d(h.get("counts"))
        hits.append({"url": url_view(h.get("url")), "source": str(h.get("source", "")),
                     "counts": sorted((str(k), v) for k, v in counts.items()),
                     "masked": [str(m) for m in _l(h.get("masked"))]})
    return {"pages": pii.get("pages_scanned", 0), "attachments": pii.get("attachments_scanned", 0),
            "total": pii.get("total", 0),
            "hits": hits[:MAX_ROWS], "omitted": max(0, len(hits) - MAX_ROWS)}


def build(results: dict) -> dict | None:
    disclosure = _d(results.get("disclosure"))
    view = {
        "elements": _elements(_d(disclosure.get("site_elements"))),
        "metadata": _metadata(_d(disclosure.get("metadata"))),
        "odf": _odf(_d(disclosure.get("odf"))),
        "pii": _pii(_d(disclosure.get("pii"))),
    }
    return view if any(view.values()) else None
