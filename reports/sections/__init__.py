"""Report sections contributed by checks, one module each, found by name (no central list to edit).

A section module defines:
  NAME   – the results.json key it presents and its template, templates/sections/NAME.html.j2
  ORDER  – position among sections (smaller first)
  LABELS – {"zh-TW": {...}, "en": {...}}: its own labels, "title" at least (zh-TW first, en complete)
  build(results: dict) -> dict | None – its view model from the results document; None hides it

The template is included with `sec` (the view build() returned), `S` (its labels in the report's language) and the
report's macros and labels. Templates autoescape; no inline style attributes or scripts (CSP).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any


def sections(results: dict) -> list[dict[str, Any]]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        view = module.build(results)
        if view is not None:
            found.append({"name": module.NAME, "order": module.ORDER, "view": view, "labels": module.LABELS})
    return sorted(found, key=lambda s: (s["order"], s["name"]))
