"""Domain code never imports Qt: every module under kiosk/ outside kiosk/ui/ is read (AST, not run)."""
from __future__ import annotations

import ast
from pathlib import Path

KIOSK = Path(__file__).resolve().parents[2] / "kiosk"
QT_PACKAGES = ("PySide6", "shiboken6", "PyQt5", "PyQt6")


def qt_imports(source: str, filename: str = "<source>") -> list[str]:
    """The Qt modules a source imports, at any depth (functions, try blocks, __import__/import_module)."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called in ("__import__", "import_module"):
                names = [node.args[0].value]
        found += [name for name in names if name.split(".")[0] in QT_PACKAGES]
    return found


def domain_modules() -> list[Path]:
    return sorted(p for p in KIOSK.rglob("*.py") if "ui" not in p.relative_to(KIOSK).parts[:1])


def test_the_checker_sees_every_way_of_importing_qt():
    sources = [
        "import PySide6",
        "from PySide6.QtWidgets import QApplication",
        "import PySide6.QtCore as core",
        "def later():\n    from PySide6 import QtGui",
        "try:\n    import shiboken6\nexcept ImportError:\n    pass",
        "import importlib\nimportlib.import_module('PySide6.QtMultimedia')",
        "__import__('PyQt6')",
    ]
    for source in sources:
        assert qt_imports(source), source
    assert qt_imports("import sqlite3\nfrom kiosk.engine import QueueEngine\nfrom . import ui") == []
    assert qt_imports("text = 'import PySide6'  # a string is not an import") == []


def test_domain_code_does_not_import_qt():
    modules = domain_modules()
    assert KIOSK / "engine.py" in modules and KIOSK / "config.py" in modules
    assert not any("ui" == p.relative_to(KIOSK).parts[0] for p in modules)
    offenders = {
        str(path.relative_to(KIOSK.parent)): imports
        for path in modules
        if (imports := qt_imports(path.read_text(encoding="utf-8"), str(path)))
    }
    assert offenders == {}, f"Qt imported outside kiosk/ui/: {offenders}"


QT_FREE_UI = ("kiosk.ui.counter.model", "kiosk.ui.display.board", "kiosk.ui.kiosk.retry", "kiosk.ui.kiosk.speech_model")


def test_the_qt_free_models_of_the_windows_import_without_pyside6():
    """The rules of each window live next to it but load in a process where PySide6 cannot be imported."""
    import subprocess
    import sys

    script = ("import sys\n"
              "for name in ('PySide6', 'shiboken6'):\n"
              "    sys.modules[name] = None  # any import of it raises ImportError\n"
              f"import importlib\nfor module in {QT_FREE_UI!r}:\n    importlib.import_module(module)\n"
              "print(sorted(m for m in sys.modules if m.startswith('kiosk.ui')))\n")
    out = subprocess.run([sys.executable, "-c", script], cwd=KIOSK.parent, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "kiosk.ui.counter.model" in out.stdout and "kiosk.ui.display.board" in out.stdout
    for module in QT_FREE_UI:
        path = KIOSK.parent / (module.replace(".", "/") + ".py")
        assert qt_imports(path.read_text(encoding="utf-8"), str(path)) == [], module
