"""Does an image look like the official 無障礙標章 artwork? Perceptual hashes (imagehash.phash) compared
with the references in config/mark_art.yaml, which cite where each artwork came from.

The crawler hashes the home page's images after the crawl (crawler/certificate.py) and stores the hash on
each image's link result (details["art"]); checks/accessibility_mark.py matches them here, so a new
reference applies to stored runs without crawling again.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

MAX_PIXELS = 4_000_000  # a mark is 88×31; a bigger image is not decoded at all (and is not the mark)


@dataclass(frozen=True)
class Reference:
    id: str
    level: str
    phash: str
    source: str


@dataclass(frozen=True)
class ArtMatch:
    reference: Reference | None  # the nearest reference (None without any)
    distance: int  # bits of 64 between the image's hash and the nearest reference's
    matches: bool  # within max_distance


@cache
def references() -> tuple[tuple[Reference, ...], int]:
    """The reference artworks and the largest distance that still matches."""
    data = yaml.safe_load(resources.files("govaudit.config").joinpath("mark_art.yaml").read_text(encoding="utf-8"))
    refs = tuple(Reference(str(r["id"]), str(r.get("level", "")), str(r["phash"]), str(r.get("source", "")))
                 for r in data.get("references") or [])
    return refs, int(data.get("max_distance", 8))


def image_hash(data: bytes) -> str:
    """The perceptual hash (hex) of a raster image; ValueError for what Pillow cannot read (SVG, HTML, a
    truncated file) or an image too large to be the mark."""
    import imagehash  # noqa: PLC0415  (numpy and scipy: loaded by the one step that hashes)
    from PIL import Image, UnidentifiedImageError  # noqa: PLC0415

    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_PIXELS:
                raise ValueError(f"{im.width}×{im.height} is too large to be the mark")
            im.seek(0)  # an animated GIF: its first frame
            rgba = im.convert("RGBA")
    except UnidentifiedImageError:
        # (Pillow's message names the in-memory file by its address: the same answer would read differently
        # every night, and an unchanged night's results would not be seen as unchanged)
        raise ValueError("not a raster image Pillow reads: it cannot identify the image file") from None
    except (OSError, EOFError, SyntaxError) as exc:
        raise ValueError(f"not a raster image Pillow reads: {exc}"[:200]) from None
    # transparent parts drawn on white, as a footer shows them
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return str(imagehash.phash(flat))


def distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def match(phash: str) -> ArtMatch:
    """The nearest reference artwork to a hash, and whether it is near enough to be the mark."""
    refs, limit = references()
    if not refs:
        return ArtMatch(None, 64, False)
    best = min(refs, key=lambda r: distance(phash, r.phash))
    d = distance(phash, best.phash)
    return ArtMatch(best, d, d <= limit)


def art_view(art: Any) -> dict[str, Any] | None:
    """A stored details["art"] entry judged against the references, as the badge shows it."""
    if not isinstance(art, dict):
        return None
    phash = art.get("phash")
    if not isinstance(phash, str) or not phash:
        return {"checked": False, "error": str(art.get("error") or "")}
    found = match(phash)
    return {"checked": True, "phash": phash, "matches": found.matches, "distance": found.distance,
            "reference": found.reference.id if found.reference else None}
