"""The progress display of `govaudit run` on a terminal (stderr): one row per phase of the audit, with
its counts, a bar and an ETA where the total is known.

    ✓ crawl      331 pages · 1584 of 1584 links checked                    0:00:31
    ⠙ browser    12/40 pages  ━━━━━━━━╸━━━━━━━━━━━━━━━━━━  30%  0:00:04  ETA 0:00:09
      checks
      reports

It reads the runner's progress events (the crawl's and browser stage's JSON lines, and the runner's own
`phase` events); without a terminal there is no display at all, only the summary line on stdout.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

PHASES = {"crawl": "crawl", "browser": "browser", "checks": "checks", "writing": "reports"}


class _Status(SpinnerColumn):
    """✓ done, a spinner while running, nothing for a phase still to come."""

    def render(self, task: Task) -> RenderableType:
        return super().render(task) if task.started or task.finished else Text(" ")


class _Elapsed(TimeElapsedColumn):
    def render(self, task: Task) -> Text:
        return super().render(task) if task.started else Text("")


class _Eta(ProgressColumn):
    """`ETA 0:00:09` while a phase with a known total runs; nothing otherwise (a crawl's total grows)."""

    def render(self, task: Task) -> RenderableType:
        remaining = task.time_remaining
        if not task.started or task.finished or not task.total or remaining is None:
            return Text("")
        minutes, seconds = divmod(int(remaining), 60)
        return Text(f"ETA {minutes // 60}:{minutes % 60:02d}:{seconds:02d}", style="progress.remaining")


class ProgressDisplay:
    def __init__(self, console: Console):
        self.bar = Progress(_Status(finished_text="[green]✓"), TextColumn("{task.description:<9}"),
                            TextColumn("{task.fields[detail]}"), BarColumn(bar_width=24), TaskProgressColumn(),
                            _Elapsed(), _Eta(), console=console, transient=True)
        self.tasks: dict[str, TaskID] = {}
        self.current: str | None = None
        self.browser_done = 0

    def __enter__(self) -> ProgressDisplay:
        self.bar.__enter__()
        for phase, label in PHASES.items():  # every phase listed from the start: what is still to come
            self.tasks[phase] = self.bar.add_task(label, total=None, start=False, detail="")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)

    def _enter(self, phase: str, total: float | None = None, detail: str = "") -> None:
        if self.current == phase:
            if total is not None:
                self.bar.update(self.tasks[phase], total=total)
            return
        if self.current is not None:
            self._finish(self.current)
        self.current = phase
        task = self.tasks[phase]
        self.bar.start_task(task)
        self.bar.update(task, total=total, detail=detail)

    def _finish(self, phase: str) -> None:
        task = self.tasks[phase]
        done = self.bar.tasks[task].completed
        self.bar.update(task, total=max(done, 1), completed=max(done, 1))
        self.bar.stop_task(task)

    def __call__(self, event: dict) -> None:
        kind = event.get("event")
        if kind == "phase":
            phase = event.get("phase", "")
            if phase in self.tasks:
                if phase == "browser":
                    self.browser_done = 0
                self._enter(phase, event.get("total"), str(event.get("detail") or ""))
        elif kind == "progress":  # the crawl's counts every half second: totals grow as pages are found
            self._enter("crawl")
            seen, checked = int(event.get("seen", 0)), int(event.get("results", 0))
            self.bar.update(self.tasks["crawl"], completed=event.get("pages", 0),
                            detail=f"{event.get('pages', 0)} pages · {checked} of {seen} links checked")
        elif kind == "finished" and "pages_fetched" in event:  # the crawl's own final counts
            self.bar.update(self.tasks["crawl"], completed=event["pages_fetched"],
                            detail=f"{event['pages_fetched']} pages · {event.get('results', 0)} of "
                                   f"{event.get('targets', 0)} links checked")
        elif kind == "browser":
            self.browser_done += 1
            task = self.tasks["browser"]
            total = self.bar.tasks[task].total
            self.bar.update(task, completed=self.browser_done,
                            detail=f"{self.browser_done}/{int(total) if total else '?'} pages")
        elif kind == "checks_done":
            self.bar.update(self.tasks["checks"], completed=event.get("checks", 0),
                            detail=f"{event.get('checks', 0)} checks")
        elif kind == "done":
            if self.current is not None:
                self._finish(self.current)
                self.current = None
