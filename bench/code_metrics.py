"""Module sizes and the largest functions of the package (for issue notes and reviews):
`python -m bench.code_metrics [ROOT]`. Counts source lines with ast; tests, bench and .venv are left out."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SKIP = {".venv", "bench", "tests", "build", "typecheck"}


def measure(root: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    modules, functions = [], []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in SKIP or "__pycache__" in rel.parts or rel.parts[0].startswith("."):
            continue
        source = path.read_text(encoding="utf-8")
        modules.append((len(source.splitlines()), str(rel)))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                functions.append(((node.end_lineno or node.lineno) - node.lineno + 1, f"{rel}:{node.name}"))
    return sorted(modules, reverse=True), sorted(functions, reverse=True)


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    modules, functions = measure(root)
    print("largest modules:")
    for lines, name in modules[:10]:
        print(f"  {lines:5d} {name}")
    print("largest functions:")
    for lines, name in functions[:12]:
        print(f"  {lines:5d} {name}")
    print(f"{len(modules)} modules, {sum(n for n, _ in modules)} lines")


if __name__ == "__main__":
    main()
