"""Test set-up shared by every test. Qt must be told it has no screen before it is imported."""
import os
import sys
import tempfile
from pathlib import Path

_SCREENS = Path(__file__).resolve().parent / "support" / "screens.json"
# Two offscreen screens: 1920x1080 (kiosk/display) and 1366x768 (counter, small display).
os.environ.setdefault("QT_QPA_PLATFORM", f"offscreen:configfile={_SCREENS}")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia*=false;qt.qpa.*=false")
# python-escpos leaves a folder in the temp dir at every import: keep them in one per-run folder.
_run_tmp = Path(tempfile.mkdtemp(prefix="mpp-kiosk-tests-"))
os.environ["TMPDIR"] = str(_run_tmp)
tempfile.tempdir = str(_run_tmp)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def pytest_configure(config):
    # pytest-qt's qapp makes the QApplication, not kiosk.ui.common.app.make_app: apply its guard here
    try:
        from kiosk.ui.common.pyside_fix import guard_singletons
    except ImportError:  # a run without PySide6 (the Qt-free part)
        return
    guard_singletons()


from support.smtp import smtp  # noqa: E402,F401 - a real local SMTP server for the tests of e-mail (booking messages)
