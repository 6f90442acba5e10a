"""Why `max_distance` in config/mark_art.yaml is 8: perceptual-hash distances (of 64 bits) from the
official 無障礙標章 artwork to the same artwork re-encoded as agencies serve it, and to badges and banners
that are not the mark. No network; deterministic (seeded). Run: `.venv/bin/python -m bench.mark_art`."""

from __future__ import annotations

import io
import random
from importlib import resources

from PIL import Image, ImageDraw

from govaudit import markart

SAMPLES = 500  # random 88×31 badges with the mark's colours and words


def _bytes(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _badge(rng: random.Random, words: str) -> Image.Image:
    image = Image.new("RGB", (88, 31), rng.choice(["#4a8504", "#005a9c", "#ffffff", "#274602", "#ffcc00"]))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randrange(2, 9)):
        x, y = rng.randrange(88), rng.randrange(31)
        draw.rectangle((x, y, x + rng.randrange(40), y + rng.randrange(20)),
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    draw.text((rng.randrange(30), rng.randrange(16)), words, fill="white")
    return image


def main() -> None:
    art = resources.files("govaudit.config").joinpath("mark_art/moda-aa-2.1.png").read_bytes()
    mark = Image.open(io.BytesIO(art)).convert("RGB")
    (ref,), limit = markart.references()
    same = {
        "PNG as stored": art,
        "JPEG quality 60": _bytes(mark, "JPEG", quality=60),
        "JPEG quality 30": _bytes(mark, "JPEG", quality=30),
        "GIF, 32 colours": _bytes(mark.convert("P", palette=Image.Palette.ADAPTIVE, colors=32), "GIF"),
        "127×45 (MODA's own size)": _bytes(mark.resize((127, 45)), "PNG"),
        "120×43 (resized by a site)": _bytes(mark.resize((120, 43)), "PNG"),
        "on transparent, RGBA": _bytes(mark.convert("RGBA"), "PNG"),
    }
    print(f"reference {ref.id} {ref.phash}; max_distance {limit}")
    for name, data in same.items():
        print(f"  same artwork  {markart.distance(markart.image_hash(data), ref.phash):2d}  {name}")
    rng = random.Random(17)
    others = {
        "mirrored": mark.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        "left two thirds, stretched": mark.crop((0, 0, 60, 31)).resize((88, 31)),
        "flat green, 無障礙專區": _badge(random.Random(1), "無障礙專區"),
    }
    for name, image in others.items():
        print(f"  not the mark  {markart.distance(markart.image_hash(_bytes(image, 'PNG')), ref.phash):2d}  {name}")
    distances = sorted(markart.distance(markart.image_hash(_bytes(_badge(rng, w), "PNG")), ref.phash)
                       for w in ("ACCESSIBILITY", "無障礙標章2.1", "W3C WAI-AA", "Level AA") * (SAMPLES // 4))
    print(f"  {len(distances)} random badges: min {distances[0]}, 1st percentile {distances[len(distances) // 100]},"
          f" median {distances[len(distances) // 2]}; within {limit}: {sum(d <= limit for d in distances)}")


if __name__ == "__main__":
    main()
