"""The `govaudit` command (and `python -m govaudit`): a `run` starts its crawl process before anything
heavy is imported (govaudit/stage.py), so that the crawl process imports Scrapy and Twisted while this one
imports the rest of govaudit and reads the profile; then the command line proper (govaudit/cli.py)."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["run"]:
        from govaudit import stage  # noqa: PLC0415 (light: it imports nothing of the audit)

        stage.start_early()
    from govaudit import cli  # noqa: PLC0415

    cli.main()
