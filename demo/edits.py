"""Change a running demo site between audits, as an agency's editors would between two nights: add a link
to a page, serve something at an address that answered 404, put a page back as it was.

The server answers every request from the Site's response table, so an edit is live at once. The ground
truth (DemoServer.ground_truth) describes the site as built and is not updated by edits.
"""

from __future__ import annotations

from govaudit.demo.response import HTML, Response
from govaudit.demo.server import DemoServer


class SiteEdits:
    def __init__(self, server: DemoServer) -> None:
        if server.site is None:
            raise RuntimeError("start the DemoServer before editing its site")
        self.site = server.site
        self._original: dict[str, Response | None] = {}

    def _keep(self, path: str) -> None:
        self._original.setdefault(path, self.site.resources.get(path))

    def add_link(self, path: str, href: str, text: str) -> None:
        """Add a link at the end of the page's body (href as written in the page)."""
        page = self.site.resources[path]
        if not page.content_type.startswith("text/html") or b"</body>" not in page.body:
            raise ValueError(f"{path} is not an HTML page of the demo site")
        self._keep(path)
        link = f'<p><a href="{href}">{text}</a></p>\n</body>'.encode()
        self.site.resources[path] = Response(page.status, page.content_type, page.body.replace(b"</body>", link, 1),
                                             page.headers)

    def serve(self, path: str, body: bytes, content_type: str = HTML) -> None:
        """Answer 200 with `body` at `path` (e.g. a removed page is back)."""
        self._keep(path)
        self.site.resources[path] = Response(200, content_type, body)

    def restore(self, path: str) -> None:
        """Put the page back as it was built (an address that was not served answers 404 again)."""
        original = self._original.pop(path)
        if original is None:
            del self.site.resources[path]
        else:
            self.site.resources[path] = original
