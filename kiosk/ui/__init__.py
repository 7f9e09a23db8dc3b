"""The only package that imports Qt: the kiosk, display and counter windows."""
import sys


def _keep_none_alive() -> None:
    """Work around PySide6 6.12 on Python 3.11: every call of a Qt method returning void
    hands back ``None`` without a reference (measured: QLabel.setText x1000 drops None's
    refcount by 1000), so a window running for an hour drives it to zero and CPython
    aborts with "none_dealloc". Python 3.12 made None immortal; do the same here by
    giving it a reference count no program can use up. None is never freed anyway.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    refcount = ctypes.c_ssize_t.from_address(id(None))
    if refcount.value < 1 << 40:
        refcount.value += 1 << 40


_keep_none_alive()
