"""The URLs a piece of CSS references: `url(…)` (quoted or not) and `@import "…"`, read with tinycss2's
tokenizer (CSS Syntax Level 3), so comments, escapes and strings are handled as browsers handle them.

Used for `<style>` blocks, `style="…"` attributes and the site's own stylesheet files.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import tinycss2
from tinycss2 import ast

MAX_CSS_URLS = 5000  # per stylesheet: a generated sheet cannot flood the link table


class CssRef(NamedTuple):
    url: str
    kind: str  # "url" or "import"
    line: int  # 1-based line within the CSS text


def _walk(tokens: Iterable[ast.Node], out: list[CssRef]) -> None:
    expect_import = False
    for token in tokens:
        if len(out) >= MAX_CSS_URLS:
            return
        kind = token.type
        if kind == "whitespace" or kind == "comment":
            continue
        if kind == "url":
            out.append(CssRef(token.value, "import" if expect_import else "url", token.source_line))
        elif kind == "function" and token.lower_name == "url":
            # url("…") with a quoted argument is a function token, not a url token
            args = [t for t in token.arguments if t.type not in ("whitespace", "comment")]
            if args and args[0].type == "string":
                out.append(CssRef(args[0].value, "import" if expect_import else "url", token.source_line))
        elif kind == "string" and expect_import:
            out.append(CssRef(token.value, "import", token.source_line))
        elif kind == "at-keyword":
            expect_import = token.lower_value == "import"
            continue
        elif kind in ("function", "() block", "[] block", "{} block"):
            _walk(token.arguments if kind == "function" else token.content, out)
        expect_import = False


def css_refs(text: str) -> list[CssRef]:
    """Every URL the CSS references, in source order; empty ones left out."""
    out: list[CssRef] = []
    if "url" not in text.lower() and "@import" not in text.lower():
        return out  # most style attributes name no URL: skip the tokenizer
    _walk(tinycss2.parse_component_value_list(text, skip_comments=True), out)
    return [ref for ref in out if ref.url.strip()]
