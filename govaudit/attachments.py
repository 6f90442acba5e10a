"""Links and plain text inside the site's downloads: PDF, ODF (.odt/.ods/.odp) and OOXML (.docx/.xlsx).

`extract(body, content_type, url) -> (text, links)` is the one entry point: the crawler calls it for
the links (with the attachment as their source), the personal-data check for the text. Bad or
encrypted files give ("", []) rather than an exception: a broken attachment must not lose the crawl.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from urllib.parse import urlsplit

from lxml import etree

from govaudit.rawlink import RawLink

KINDS = {  # extension → kind
    "pdf": "pdf", "odt": "odf", "ods": "odf", "odp": "odf", "docx": "docx", "xlsx": "xlsx",
}
_TYPES = {
    "application/pdf": "pdf",
    "application/vnd.oasis.opendocument.text": "odf",
    "application/vnd.oasis.opendocument.spreadsheet": "odf",
    "application/vnd.oasis.opendocument.presentation": "odf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
MAX_TEXT = 2_000_000  # characters of text kept per file
MAX_LINKS = 5000
_SPACE = re.compile(r"\s+")
_NS = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
}
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def kind_of(content_type: str, url: str = "") -> str | None:
    """'pdf', 'odf', 'docx', 'xlsx' or None, from the content type, else the URL's extension."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in _TYPES:
        return _TYPES[ctype]
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    if "." in last:
        return KINDS.get(last.rsplit(".", 1)[-1].lower())
    return None


def extract(body: bytes, content_type: str, url: str, *, want_text: bool = True) -> tuple[str, list[RawLink]]:
    """(plain text, links) of an attachment; ("", []) for an unknown or unreadable file."""
    kind = kind_of(content_type, url)
    try:
        if kind == "pdf":
            return _pdf(body, want_text)
        if kind == "odf":
            return _odf(body)
        if kind == "docx":
            return _docx(body)
        if kind == "xlsx":
            return _xlsx(body)
    except Exception:  # noqa: BLE001  (any malformed file: nothing extracted, never a crash)
        return "", []
    return "", []


def _clip(text: str) -> str:
    return text[:MAX_TEXT]


def _pdf(body: bytes, want_text: bool) -> tuple[str, list[RawLink]]:
    from pypdf import PdfReader  # noqa: PLC0415  (imported on the first PDF only)

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(body), strict=False)
    if reader.is_encrypted:
        try:
            reader.decrypt("")
        except Exception:  # noqa: BLE001
            return "", []
    links: list[RawLink] = []
    texts: list[str] = []
    for number, page in enumerate(reader.pages, start=1):
        for annot in page.get("/Annots") or ():
            try:
                annot = annot.get_object()
                action = annot.get("/A")
                action = action.get_object() if action is not None else None
                uri = action.get("/URI") if action is not None else None
            except Exception:  # noqa: BLE001
                continue
            if uri:
                value = uri.decode("latin-1") if isinstance(uri, bytes) else str(uri)
                links.append(RawLink(value.strip(), "", "pdf", "uri", "", number))
        if want_text:
            try:
                texts.append(page.extract_text() or "")
            except Exception:  # noqa: BLE001
                pass
        if len(links) >= MAX_LINKS:
            break
    return _clip("\n".join(texts)), links[:MAX_LINKS]


def _xml(archive: zipfile.ZipFile, name: str) -> etree._Element | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > 50 * 1024 * 1024:  # a zip bomb is not a document
        return None
    return etree.fromstring(archive.read(name), _PARSER)


def _odf(body: bytes) -> tuple[str, list[RawLink]]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        root = _xml(archive, "content.xml")
    if root is None:
        return "", []
    links = []
    for el in root.iter(f"{{{_NS['text']}}}a", f"{{{_NS['draw']}}}a"):
        href = el.get(f"{{{_NS['xlink']}}}href")
        if href:
            text = _SPACE.sub(" ", "".join(el.itertext())).strip()[:200]
            links.append(RawLink(href.strip(), text, "text:a", "xlink:href", "", el.sourceline or 0))
    paragraphs = [_SPACE.sub(" ", "".join(p.itertext())).strip()
                  for p in root.iter(f"{{{_NS['text']}}}p", f"{{{_NS['text']}}}h")]
    return _clip("\n".join(p for p in paragraphs if p)), links[:MAX_LINKS]


def _rels(archive: zipfile.ZipFile, name: str) -> dict[str, str]:
    root = _xml(archive, name)
    if root is None:
        return {}
    return {r.get("Id"): r.get("Target") for r in root.iter(f"{{{_NS['rel']}}}Relationship")
            if r.get("Type") == _HYPERLINK and r.get("TargetMode") == "External" and r.get("Target")}


def _docx(body: bytes) -> tuple[str, list[RawLink]]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        root = _xml(archive, "word/document.xml")
        rels = _rels(archive, "word/_rels/document.xml.rels")
    if root is None:
        return "", []
    w = _NS["w"]
    links = []
    for el in root.iter(f"{{{w}}}hyperlink"):
        target = rels.get(el.get(f"{{{_NS['r']}}}id"))
        if target:
            text = "".join(t.text or "" for t in el.iter(f"{{{w}}}t")).strip()[:200]
            links.append(RawLink(target.strip(), text, "w:hyperlink", "r:id", "", el.sourceline or 0))
    paragraphs = ["".join(t.text or "" for t in p.iter(f"{{{w}}}t")) for p in root.iter(f"{{{w}}}p")]
    return _clip("\n".join(p for p in paragraphs if p.strip())), links[:MAX_LINKS]


def _xlsx(body: bytes) -> tuple[str, list[RawLink]]:
    s = _NS["s"]
    links: list[RawLink] = []
    texts: list[str] = []
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        shared = _xml(archive, "xl/sharedStrings.xml")
        if shared is not None:
            texts += ["".join(si.itertext()) for si in shared.iter(f"{{{s}}}si")]
        for name in sorted(n for n in names if n.startswith("xl/worksheets/sheet") and n.endswith(".xml")):
            sheet = _xml(archive, name)
            if sheet is None:
                continue
            texts += [t.text for t in sheet.iter(f"{{{s}}}t") if t.text]  # inline strings
            rels = _rels(archive, name.replace("worksheets/", "worksheets/_rels/") + ".rels")
            for el in sheet.iter(f"{{{s}}}hyperlink"):
                target = rels.get(el.get(f"{{{_NS['r']}}}id"))
                if target:
                    links.append(RawLink(target.strip(), el.get("display") or el.get("ref") or "", "hyperlink",
                                         "r:id", "", el.sourceline or 0))
    return _clip("\n".join(t for t in texts if t and t.strip())), links[:MAX_LINKS]
