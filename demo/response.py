"""What a demo host answers: one immutable record shared by the generator, the servers and the truth."""

from __future__ import annotations

from dataclasses import dataclass

from govaudit.demo.files import LargeZip

HTML = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str = HTML
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    stream: LargeZip | None = None  # sent chunk by chunk instead of `body`

    @property
    def length(self) -> int:
        return self.stream.size if self.stream else len(self.body)

    @property
    def location(self) -> str | None:
        return next((value for name, value in self.headers if name == "Location"), None)


def error_page(status: int, title: str, message: str) -> Response:
    """A bare error page; also what the soft-404 host answers with status 200."""
    body = (
        '<!DOCTYPE html>\n<html lang="zh-Hant-TW">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n<p>{message}</p>\n"
        '<p><a href="/">回首頁</a></p>\n</body>\n</html>\n'
    )
    return Response(status, body=body.encode("utf-8"))


NOT_FOUND = error_page(404, "找不到網頁", "很抱歉，您要瀏覽的網頁不存在或已移除。")
