"""A link as a document writes it, before it is resolved: what the page parser (crawler.extract) and
the attachment reader (govaudit.attachments) both give."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class RawLink:
    url: str  # as written in the attribute
    text: str
    tag: str
    attr: str
    rel: str
    line: int
