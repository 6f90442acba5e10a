from govaudit.crawler.charset import decode, detect

TITLE = "舊版公告：裏面的恒常業務"  # 裏 and 恒 need cp950, not plain big5


def _page(meta: str = "") -> bytes:
    return f"<html><head>{meta}<title>{TITLE}</title></head><body>{TITLE * 20}</body></html>".encode("cp950")


def test_big5_meta_decodes_as_cp950():
    text, encoding, replaced = decode(_page('<meta http-equiv="Content-Type" content="text/html; charset=big5">'),
                                      "text/html")
    assert encoding == "cp950" and replaced == 0 and TITLE in text


def test_undeclared_big5_is_detected():
    text, encoding, replaced = decode(_page(), "text/html")
    assert replaced == 0 and TITLE in text, encoding


def test_http_header_wins_over_meta():
    body = '<meta charset="big5"><p>中文</p>'.encode()
    assert detect(body, "text/html; charset=UTF-8") == ("utf-8", "http")


def test_bom_wins():
    assert detect("\ufeff<p>中文</p>".encode("utf-8-sig"), "text/html; charset=big5")[0] == "utf-8"


def test_undecodable_bytes_are_counted_not_fatal():
    text, encoding, replaced = decode(b"<p>\xff\xfe\xfa ok</p>", "text/html; charset=utf-8")
    assert encoding == "utf-8" and replaced >= 1 and "ok" in text


def test_short_undeclared_big5_page():
    body = "<title>舊版公告裏恒</title>".encode("cp950")
    assert decode(body, "text/html")[0] == "<title>舊版公告裏恒</title>"


def test_other_legacy_encodings_are_still_detected():
    body = ("<p>" + "Ceci est une page en français, très ancienne, où l'été était déclaré. " * 20 + "</p>").encode("cp1252")
    text, _, replaced = decode(body, "text/html")
    assert "français" in text and replaced == 0
