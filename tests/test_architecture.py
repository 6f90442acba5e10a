"""The layers hold: an import graph of the installed package, read from source with `ast`.

Every `import` / `from … import` counts wherever it is (module level or inside a function: a lazy
import is still a dependency), except under `if TYPE_CHECKING:`, which never runs. Relative imports are
resolved. The rules (design.md, "Layout"): stages import only downward (core ← crawler, checks,
reports ← app), never each other; the demo site imports the core at most; nothing imports the
repository folders by their top-level names; and no module imports itself around a cycle.
"""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CORE, APP, DEMO = "core", "app", "demo"
STAGES = {"govaudit.crawler": "crawler", "govaudit.checks": "checks", "govaudit.reports": "reports"}
# Data only (profiles, rubrics, code tables): read through importlib.resources, part of the core.
DATA = {"govaudit.config": CORE}
# The composition root: the modules that run an audit and so may import every stage. Nothing else may
# import them (a check sends no mail, a writer runs no audit).
APP_MODULES = {
    "govaudit.__main__": "`python -m govaudit`: the CLI",
    "govaudit.launch": "the govaudit command's entry point: starts a run's crawl process, then the CLI",
    "govaudit.cli": "the commands; starts the demo site and prints PDFs (reports)",
    "govaudit.runner": "one audit: starts the crawl and browser stages, runs checks and writers",
    "govaudit.notify": "mail and webhooks after a run: only the runner sends them",
    "govaudit.parallel": "runs checks in processes for the runner",
    "govaudit.retention": "prunes old runs after an audit (runner) or on demand (cli)",
    "govaudit.recheck": "re-checks a run's failing links now: starts the crawl stage, re-runs the checks (cli)",
    "govaudit.fleet.cli": "the fleet and worker commands: enqueue, run a worker, write the summary",
    "govaudit.fleet.worker": "the Celery app and task: runs an audit per site",
    "govaudit.fleet.audit": "the process one fleet task starts: calls the runner",
    "govaudit.fleet.zygote": "preloaded by a worker's forkserver: warms the runner for the audits it forks",
}
# Modules of a stage folder that belong to the core. The Check base is the plug-in API every layer may
# name (govaudit.analyzers finds page analyzers by it); it moves to govaudit/plugins.py, and this entry goes.
CORE_MODULES: dict[str, str] = {}  # modules inside a stage folder that belong to the core (none today)
# Not app, although the app uses it: govaudit.registry reads entry points and imports no stage module,
# so the stages may use it (checks.content asks it for other checks, govaudit.analyzers for page_facts).
FORBIDDEN_ROOTS = frozenset({"crawler", "checks", "reports", "config", "demo"})
# Allowed targets per layer, besides the layer itself.
ALLOWED = {CORE: {CORE}, "crawler": {CORE}, "checks": {CORE}, "reports": {CORE}, DEMO: {CORE}}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the absolute name imported (a module, or a name in a module)
    line: int


def installed_packages() -> dict[str, Path]:
    """Package name → its source directory, as the install maps it (pyproject's package list)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = {}
    for name in config["tool"]["setuptools"]["packages"]:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.submodule_search_locations, f"{name} is not installed"
        found[name] = Path(next(iter(spec.submodule_search_locations)))
    return found


def module_files(packages: Mapping[str, Path]) -> dict[str, Path]:
    files = {}
    for package, folder in packages.items():
        for path in sorted(folder.glob("*.py")):
            files[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return files


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node below `node`, skipping the body of `if TYPE_CHECKING:` (its else branch runs)."""
    for child in ast.iter_child_nodes(node):
        yield child
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            for branch in child.orelse:
                yield branch
                yield from _nodes(branch)
        else:
            yield from _nodes(child)


def imports_of(module: str, source: str, *, is_package: bool) -> list[Import]:
    """Absolute names `module` imports; `from X import y` gives X.y (y may be a submodule or a name)."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in _nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                origin = f"{base}.{node.module}" if node.module else base
            else:
                origin = node.module or ""
            found += [Import(module, f"{origin}.{alias.name}", node.lineno) for alias in node.names]
    return found


def resolve(target: str, modules: Iterable[str]) -> str | None:
    """The module `target` names: itself, or the longest known module it lies in; None if outside."""
    known = set(modules)
    name = target
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(files: Mapping[str, Path]) -> tuple[dict[str, set[str]], list[Import]]:
    """(module → modules it imports, every import read), for the modules in `files`."""
    graph: dict[str, set[str]] = {module: set() for module in files}
    every = []
    for module, path in files.items():
        for imp in imports_of(module, path.read_text(encoding="utf-8"), is_package=path.stem == "__init__"):
            every.append(imp)
            target = resolve(imp.target, files)
            if target is not None and target != module:
                graph[module].add(target)
    return graph, every


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle as [a, b, …, a], or None (depth-first search, iterative)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for root in sorted(graph):
        if root in state:
            continue
        path = [root]
        stack = [iter(sorted(graph.get(root, ())))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def layer_of(module: str) -> str:
    if module in APP_MODULES:
        return APP
    if module in CORE_MODULES:
        return CORE
    for package, layer in {**STAGES, **DATA, "govaudit.demo": DEMO}.items():
        if module == package or module.startswith(package + "."):
            return layer
    return CORE


def layer_violations(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Each import against the layers: upward (core → stage or app, stage → app) or sideways."""
    wrong = []
    for source, targets in sorted(graph.items()):
        have = layer_of(source)
        if have == APP:
            continue
        for target in sorted(targets):
            want = layer_of(target)
            if want != have and want not in ALLOWED[have]:
                wrong.append(f"{source} ({have}) imports {target} ({want})")
    return wrong


def _graph() -> tuple[dict[str, set[str]], list[Import]]:
    files = module_files(installed_packages())
    assert len(files) > 80 and "govaudit.crawler.spider" in files, "the package was not found"
    return import_graph(files)


def test_no_import_cycle() -> None:
    graph, _ = _graph()
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle or ())


def test_layers_import_only_downward() -> None:
    graph, _ = _graph()
    assert layer_violations(graph) == []


def test_no_import_of_the_repository_folders() -> None:
    _, imports = _graph()
    wrong = [f"{i.source}:{i.line} imports {i.target}" for i in imports if i.target.split(".")[0] in FORBIDDEN_ROOTS]
    assert wrong == []


def test_every_listed_module_exists() -> None:
    graph, _ = _graph()
    assert set(APP_MODULES) <= set(graph), "a module listed as app is gone: update APP_MODULES"
    assert set(CORE_MODULES) <= set(graph), "a module listed as core is gone: update CORE_MODULES"


# -- the test can fail ----------------------------------------------------------------------------------

def test_find_cycle_reports_a_synthetic_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_reads_lazy_and_relative_imports_and_skips_type_checking() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import sibling\n"
        "from ..core import thing\n"
        "if TYPE_CHECKING:\n    import govaudit.cli\n"
        "def f():\n    import govaudit.crawler.spider\n"
    )
    targets = {i.target for i in imports_of("govaudit.checks.x", source, is_package=False)}
    assert {"govaudit.checks.sibling", "govaudit.core.thing", "govaudit.crawler.spider"} <= targets
    assert "govaudit.cli" not in targets


def test_layer_violations_catch_upward_and_sideways_imports() -> None:
    graph = {
        "govaudit.models": {"govaudit.crawler.spider"},  # core → stage
        "govaudit.checks.pii": {"govaudit.crawler.attachments", "govaudit.models"},  # sideways
        "govaudit.reports.model": {"govaudit.runner"},  # stage → app
        "govaudit.demo.site": {"govaudit.checks.pii"},  # demo → stage
        "govaudit.runner": {"govaudit.crawler.spider", "govaudit.reports.model"},  # the app may
    }
    assert layer_violations(graph) == [
        "govaudit.checks.pii (checks) imports govaudit.crawler.attachments (crawler)",
        "govaudit.demo.site (demo) imports govaudit.checks.pii (checks)",
        "govaudit.models (core) imports govaudit.crawler.spider (crawler)",
        "govaudit.reports.model (reports) imports govaudit.runner (app)",
    ]
