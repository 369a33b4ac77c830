"""Apps are boundaries: generation may import templates_app, gallery and accounts; templates_app
only gallery and accounts; gallery only accounts; accounts none of them, directly or through
config. The contract is import-linter's, in pyproject.toml ([tool.importlinter])."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_no_app_imports_an_app_above_it(monkeypatch):
    monkeypatch.chdir(ROOT)  # where pyproject.toml and the packages are
    assert lint_imports(no_cache=True, no_logo=True) == 0
