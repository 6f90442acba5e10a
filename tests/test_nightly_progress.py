"""The progress display on a terminal: one row per phase (crawl, browser, checks, reports) with its
counts, an ETA where the total is known, ✓ when done; phases to come are listed, not spinning."""

from __future__ import annotations

import io

from rich.console import Console

from govaudit.display import ProgressDisplay


def _screen(display: ProgressDisplay) -> list[str]:
    shot = Console(file=io.StringIO(), width=160, record=True, color_system=None)
    shot.print(display.bar.make_tasks_table(display.bar.tasks))
    return [line.rstrip() for line in shot.export_text().splitlines()]


def test_phases_counts_and_eta():
    terminal = Console(file=io.StringIO(), force_terminal=True, width=160)
    with ProgressDisplay(terminal) as display:
        display({"event": "phase", "phase": "crawl"})
        display({"event": "progress", "pages": 12, "results": 30, "seen": 80, "page_errors": 0})
        crawl, browser, checks, reports = _screen(display)
        assert crawl.split()[1:8] == ["crawl", "12", "pages", "·", "30", "of", "80"]
        assert browser.split() == ["browser"] + browser.split()[1:] and "ETA" not in browser
        assert "%" not in browser and "0:00" not in browser  # still to come: no time, no share

        display({"event": "finished", "pages_fetched": 331, "results": 1584, "targets": 1584})
        display({"event": "phase", "phase": "browser", "total": 4, "detail": "0/4 pages"})
        display({"event": "browser", "url": "http://127.0.0.1/a", "error": ""})
        crawl, browser, checks, reports = _screen(display)
        assert crawl.startswith("✓ crawl") and "331 pages · 1584 of 1584 links checked" in crawl
        assert "100%" in crawl and "1/4 pages" in browser and "25%" in browser

        display({"event": "phase", "phase": "checks", "total": 12, "detail": "12 checks"})
        display({"event": "checks_done", "checks": 12})
        display({"event": "phase", "phase": "writing"})
        crawl, browser, checks, reports = _screen(display)
        assert browser.startswith("✓ browser") and checks.startswith("✓ checks") and "12 checks" in checks
        display({"event": "done"})
        assert _screen(display)[3].startswith("✓ reports")
