"""Work around PySide6 6.12.0 on Python 3.11: a Qt method that returns nothing hands back
``None`` without taking a reference, and ``Signal.emit`` does the same with ``True``. After a
few thousand such calls (minutes of a ticker or a clock) CPython aborts with 'none_dealloc' or
'bool_dealloc'. Python 3.12 made these objects immortal; here we do the same by hand, once per
process, and only where the bug is measured: another PySide6 version is left alone.
"""
from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)
_applied = False


class _Probe(QObject):
    fired = Signal()


def leaks_singletons() -> bool:
    """True when 64 void Qt calls / emits drop None's or True's reference count."""
    probe = _Probe()
    lost = []
    for singleton, call in ((None, lambda: probe.setObjectName("probe")), (True, probe.fired.emit)):
        before = sys.getrefcount(singleton)
        for _ in range(64):
            call()
        lost.append(before - sys.getrefcount(singleton))
    return max(lost) >= 32


def guard_singletons() -> bool:
    """Apply the guard if this PySide6 needs it; True when it was applied (now or before)."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython" or not leaks_singletons():
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every PyObject: 2**40 extra references outlast years of calls
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40
    _applied = True
    import PySide6

    log.info("PySide6 %s loses references to None/True; guard applied", PySide6.__version__)
    return True
