"""The only package that imports Qt: the kiosk, display and counter windows."""
import sys


def _keep_singletons_alive() -> None:
    """Work around PySide6 6.12 on Python 3.11, which drops references it does not own:
    every call of a Qt method returning void hands back ``None`` without one (QLabel.setText
    x1000 drops None's count by 1000), and every emit of a signal carrying a bool drops one
    from ``True`` or ``False``. A window running for an hour drives a count to zero and
    CPython aborts ("none_dealloc", "bool_dealloc"). Python 3.12 made these objects
    immortal; do the same here by giving each a count no program can use up. They are
    never freed anyway.
    """
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    for singleton in (None, True, False):
        refcount = ctypes.c_ssize_t.from_address(id(singleton))
        if refcount.value < 1 << 40:
            refcount.value += 1 << 40


_keep_singletons_alive()
