"""Shared fixtures: real servers on 127.0.0.1, a real store (a SQLite file, and a PostgreSQL server of the
session), and one demo audit per session. GOVAUDIT_TEST_STORE=postgres runs every test's stores on
PostgreSQL (tests/testdb.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from govaudit import runner
from govaudit.demo.server import DemoServer
from govaudit.profile import Profile, load_profile
from govaudit.store import Store, open_store
from tests import testdb
from tests.demoaudit import DemoAudit, run_demo
from tests.pgserver import PgServer
from tests.siteserver import Route, SiteServer
from tests.testdb import POSTGRES, Databases, db_at


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
def pg_server() -> PgServer:
    """A real PostgreSQL server for the session (per xdist worker), started when a test first needs it."""
    return testdb.pg_server()


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[Databases]:
    """This test's databases on the backend under test: `db_url()` / `db_url("name")`, a SQLite path under
    tmp_path or a new PostgreSQL database (dropped after the test)."""
    databases = Databases(tmp_path)
    yield databases
    databases.close()


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    # Function-scoped fixtures are set up after wider ones: what db_at makes from here on is this test's.
    testdb.current = Databases(Path("/nonexistent"))
    yield
    testdb.current.close()
    testdb.current = None


# The store-contract tests run on both backends in the default (SQLite) suite; the PostgreSQL suite has
# only the one.
BACKENDS = ("postgres",) if POSTGRES else ("sqlite", "postgres")


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store on each backend: a SQLite file under tmp_path, a new PostgreSQL database."""
    databases = Databases(tmp_path, request.param)
    db = databases("store")
    yield db if isinstance(db, str) else f"sqlite:///{db}"
    databases.close()


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
    db = db_at(base / "demo.sqlite")
    proc, results, truth = run_demo(db, base / "out")
    return DemoAudit(base, db, base / "out", proc, results, truth)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): the test looks at the SQLite file itself (skipped"
                                       " when GOVAUDIT_TEST_STORE=postgres)")


def pytest_sessionfinish() -> None:
    testdb.stop_pg_server()  # no process outlives the tests


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        # Under pytest-xdist (--dist loadgroup) the tests sharing the demo audit go to one worker: a session
        # fixture is per worker, so spreading them would run the audit once per worker.
        if "demo_audit" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("demo_audit"))
        only = item.get_closest_marker("sqlite_only")
        if POSTGRES and only is not None:
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {only.kwargs.get('reason', '')}"))


@pytest.fixture(scope="session")
def full_site_audit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path | str, Profile]:
    """One offline audit of the site-quality test site (every site element present), for the tests that only
    read its database: (database, profile)."""
    from tests.test_site_quality import FULL_SITE  # noqa: PLC0415  (the site lives beside its own tests)

    tmp = tmp_path_factory.mktemp("full-site")
    profile = load_profile(None).with_overrides(links={"timeout": 5})
    db = db_at(tmp / "a.sqlite")
    with SiteServer(FULL_SITE) as server:
        runner.audit(server.url, profile, db=db, out=tmp / "out", offline=True)
    return db, profile
