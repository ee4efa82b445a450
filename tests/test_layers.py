"""Imports run one way (web -> domain wings -> models -> ground floor), and migrations never
import live code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from finder.paths import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
MIGRATIONS = ROOT / "finder" / "migrations"


def finder_imports(path: Path) -> set[str]:
    """The finder names a Python file imports (`from finder import x` counts as finder.x)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "finder":
                names |= {f"finder.{alias.name}" for alias in node.names}
            else:
                names.add(node.module)
    return {n for n in names if n == "finder" or n.startswith("finder.")}


def test_import_contracts_are_kept() -> None:
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(ROOT / ".importlinter")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"import contracts broken:\n{done.stdout}\n{done.stderr}"
    assert "0 broken" in done.stdout


def test_migrations_import_only_the_models_and_the_database() -> None:
    # Alembic's environment compares the schema with the models; a revision is frozen as it
    # ran, so it imports nothing of finder at all (the models it would see change later).
    env = MIGRATIONS / "env.py"
    assert finder_imports(env) <= {"finder.models", "finder.db"}
    revisions = sorted((MIGRATIONS / "versions").glob("*.py"))
    assert revisions
    assert {p.name: finder_imports(p) for p in revisions} == {p.name: set() for p in revisions}
    template = (MIGRATIONS / "script.py.mako").read_text(encoding="utf-8")
    assert "finder" not in template
