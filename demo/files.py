"""Tiny but valid binary files (PNG, PDF, ODF, OOXML, ZIP), built byte-for-byte deterministically.

Every zip member gets the same fixed timestamp and attributes, so the same text always gives the
same bytes; the auditor's ODF, text-layer and download checks run on real formats.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

ZIP_TIME = (2020, 1, 1, 0, 0, 0)

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".zip": "application/zip",
    ".png": "image/png",
}


# --- PNG -------------------------------------------------------------------------------------------


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png(width: int, height: int, fill: tuple[int, int, int], border: tuple[int, int, int]) -> bytes:
    """An RGB image of one colour with a one-pixel frame: enough to be a real, decodable badge/logo."""
    edge = bytes(border) * width
    inner = bytes(border) + bytes(fill) * (width - 2) + bytes(border)
    rows = [edge if y in (0, height - 1) else inner for y in range(height)]
    raw = b"".join(b"\x00" + row for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw, 9))
        + _png_chunk(b"IEND", b"")
    )


# --- PDF -------------------------------------------------------------------------------------------


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _to_unicode_cmap(chars: list[str]) -> bytes:
    # The font's encoding is UCS-2, so each code maps to itself; spelling that out lets any
    # extractor recover the text layer without knowing Adobe's predefined CMaps.
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    for start in range(0, len(chars), 100):
        block = chars[start : start + 100]
        lines.append(f"{len(block)} beginbfchar")
        lines += [f"<{_utf16_hex(c)}> <{_utf16_hex(c)}>" for c in block]
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode("ascii")


def pdf(title: str, lines: list[str], link: str | None = None) -> bytes:
    """A one-page A4 PDF with a real (extractable) Traditional Chinese text layer.

    Uses the standard non-embedded CJK font MSung-Light, so the file stays a few KB. With `link`,
    the URL is printed and also made a clickable URI annotation.
    """
    shown = [title, *lines] + ([link] if link else [])
    if any(ord(c) > 0xFFFF for c in "".join(shown)):
        raise ValueError("PDF text must stay in the Basic Multilingual Plane (UCS-2 font encoding)")
    ops = ["BT", "/F1 16 Tf", "72 780 Td", "22 TL", f"<{_utf16_hex(title)}> Tj", "/F1 11 Tf"]
    ops += [f"T* <{_utf16_hex(line)}> Tj" for line in shown[1:]]
    ops.append("ET")
    stream = "\n".join(ops).encode("ascii")
    cmap = _to_unicode_cmap(sorted(set("".join(shown))))
    annots = ""
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R /Lang (zh-Hant-TW) >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"",  # the page, filled in below once the annotation is known
        b"<< /Type /Font /Subtype /Type0 /BaseFont /MSung-Light /Encoding /UniCNS-UCS2-H"
        b" /DescendantFonts [5 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /MSung-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (CNS1) /Supplement 0 >>"
        b" /FontDescriptor 6 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /MSung-Light /Flags 6 /FontBBox [-160 -249 1015 888]"
        b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        f"<< /Title <FEFF{_utf16_hex(title)}> /Producer (govaudit demo) >>".encode("ascii"),
    ]
    if link:
        y = 780 - 22 * (len(shown) - 1)
        objects.append(
            f"<< /Type /Annot /Subtype /Link /Rect [72 {y - 4} 520 {y + 12}] /Border [0 0 0]"
            f" /A << /S /URI /URI ({link}) >> >>".encode("ascii")
        )
        annots = f" /Annots [{len(objects)} 0 R]"
    objects[2] = (
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 8 0 R"
        f" /Resources << /Font << /F1 4 0 R >> >>{annots} >>"
    ).encode("ascii")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 9 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- ZIP-based office formats ----------------------------------------------------------------------


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            # ODF requires the first member, "mimetype", to be stored uncompressed.
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)
_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _odf(mimetype: str, body: str, title: str) -> bytes:
    content = f'{_XML}<office:document-content {_ODF_NS} office:version="1.2"><office:body>{body}'
    content += "</office:body></office:document-content>"
    meta = (
        f'{_XML}<office:document-meta {_ODF_NS} office:version="1.2"><office:meta>'
        f"<dc:title>{escape(title)}</dc:title><meta:generator>govaudit demo</meta:generator>"
        "</office:meta></office:document-meta>"
    )
    manifest = (
        f"{_XML}<manifest:manifest "
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    return _zip(
        [
            ("mimetype", mimetype.encode("ascii")),
            ("META-INF/manifest.xml", manifest.encode("utf-8")),
            ("content.xml", content.encode("utf-8")),
            ("meta.xml", meta.encode("utf-8")),
        ]
    )


def odt(title: str, paragraphs: list[str]) -> bytes:
    body = f'<office:text><text:h text:outline-level="1">{escape(title)}</text:h>'
    body += "".join(f"<text:p>{escape(p)}</text:p>" for p in paragraphs) + "</office:text>"
    return _odf(CONTENT_TYPES[".odt"], body, title)


def ods(title: str, rows: list[list[str | int]]) -> bytes:
    """A one-sheet spreadsheet; ints become numeric cells so the statistics stay machine-readable."""

    def cell(value: str | int) -> str:
        if isinstance(value, int):
            return (
                f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>"
            )
        return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'

    table = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows
    )
    body = f'<office:spreadsheet><table:table table:name="{escape(title[:31])}">{table}'
    body += "</table:table></office:spreadsheet>"
    return _odf(CONTENT_TYPES[".ods"], body, title)


def docx(title: str, paragraphs: list[str]) -> bytes:
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paras = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in [title, *paragraphs])
    document = f"{_XML}<w:document {w}><w:body>{paras}<w:sectPr/></w:body></w:document>"
    types = (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>'
    )
    rels = (
        f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
        'metadata/core-properties" Target="docProps/core.xml"/></Relationships>'
    )
    core = (
        f"{_XML}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{escape(title)}</dc:title></cp:coreProperties>'
    )
    return _zip(
        [
            ("[Content_Types].xml", types.encode("utf-8")),
            ("_rels/.rels", rels.encode("utf-8")),
            ("word/document.xml", document.encode("utf-8")),
            ("docProps/core.xml", core.encode("utf-8")),
        ]
    )


# --- A large archive, streamed ---------------------------------------------------------------------


@dataclass(frozen=True)
class LargeZip:
    """A valid single-member stored ZIP of `data_size` zero bytes, produced chunk by chunk.

    The local header sets the data-descriptor flag, so the CRC is computed while streaming and
    written after the data: nothing of the file is ever held in memory.
    """

    member: str
    data_size: int

    CHUNK = 1 << 16

    @property
    def name(self) -> bytes:
        return self.member.encode("ascii")

    @property
    def size(self) -> int:
        return 30 + len(self.name) + self.data_size + 16 + 46 + len(self.name) + 22

    def chunks(self) -> Iterator[bytes]:
        dos_time, dos_date = 0, (ZIP_TIME[0] - 1980) << 9 | ZIP_TIME[1] << 5 | ZIP_TIME[2]
        n, size = len(self.name), self.data_size
        yield struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x08, 0, dos_time, dos_date, 0, 0, 0, n, 0)
        yield self.name
        crc, zeros, left = 0, bytes(self.CHUNK), size
        while left:
            piece = zeros[: min(left, self.CHUNK)]
            crc = zlib.crc32(piece, crc)
            left -= len(piece)
            yield piece
        yield struct.pack("<IIII", 0x08074B50, crc, size, size)
        yield (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0x08,
                0,
                dos_time,
                dos_date,
                crc,
                size,
                size,
                n,
                0,
                0,
                0,
                0,
                0,
                0,
            )
            + self.name
        )
        central_offset = 30 + n + size + 16
        yield struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, 46 + n, central_offset, 0)
