"""Fixtures of the per-check unit tests: a seeded run in a real SQLite store (tests/checks/seed.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from govaudit.profile import Profile, load_profile
from govaudit.store import open_store
from tests.checks.seed import SITE, SeededSite


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Callable[..., SeededSite]]:
    """`seeded(start_url=SITE, profile=None)`: a fresh run in a real SQLite store under tmp_path."""
    with open_store(tmp_path / "seeded.sqlite") as store:
        def make(start_url: str = SITE, profile: Profile | None = None) -> SeededSite:
            chosen = profile or load_profile(None)
            run_id = store.create_run(site=start_url, start_url=start_url, tool_version="test", profile_hash="",
                                      profile=chosen.public_dump(), rubric="default@1")
            return SeededSite(store, run_id, start_url, chosen)
        yield make
