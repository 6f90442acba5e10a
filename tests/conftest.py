"""Shared fixtures: real servers on 127.0.0.1, a real store (a SQLite file, and a PostgreSQL server of the
session), and one demo audit per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from govaudit import runner
from govaudit.demo.server import DemoServer
from govaudit.profile import Profile, load_profile
from govaudit.store import Store, open_store
from tests.demoaudit import DemoAudit, run_demo
from tests.pgserver import PgServer
from tests.siteserver import Route, SiteServer


@pytest.fixture
def site_server() -> Iterator[Callable[[dict[str, Route]], SiteServer]]:
    """Serve a route table on an ephemeral loopback port: `site = site_server(routes)`; stopped at teardown."""
    with ExitStack() as stack:
        yield lambda routes: stack.enter_context(SiteServer(routes))


@pytest.fixture
def demo_server() -> Iterator[DemoServer]:
    """The bundled demo site and its "external" hosts (127.0.0.2-9), all on ephemeral ports."""
    with DemoServer() as server:
        yield server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL server for the session (per xdist worker), started when a test first needs it."""
    with PgServer() as server:
        yield server


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store on each backend: a SQLite file under tmp_path, a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An empty store, on each backend."""
    with open_store(store_url) as opened:
        yield opened


@pytest.fixture(scope="session")
def demo_audit(tmp_path_factory: pytest.TempPathFactory) -> DemoAudit:
    """One full demo audit for the session (the slowest fixture of the suite), shared by the tests that
    only read its outputs."""
    base = tmp_path_factory.mktemp("demo")
    proc, results, truth = run_demo(base / "demo.sqlite", base / "out")
    return DemoAudit(base, base / "demo.sqlite", base / "out", proc, results, truth)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Under pytest-xdist (--dist loadgroup) the tests sharing the demo audit go to one worker: a session
    # fixture is per worker, so spreading them would run the audit once per worker.
    for item in items:
        if "demo_audit" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("demo_audit"))


@pytest.fixture(scope="session")
def full_site_audit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Profile]:
    """One offline audit of the site-quality test site (every site element present), for the tests that only
    read its database: (database, profile)."""
    from tests.test_site_quality import FULL_SITE  # noqa: PLC0415  (the site lives beside its own tests)

    tmp = tmp_path_factory.mktemp("full-site")
    profile = load_profile(None).with_overrides(links={"timeout": 5})
    with SiteServer(FULL_SITE) as server:
        runner.audit(server.url, profile, db=tmp / "a.sqlite", out=tmp / "out", offline=True)
    return tmp / "a.sqlite", profile
