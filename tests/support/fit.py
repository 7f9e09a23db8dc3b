"""Does every text of a window fit? Labels and buttons whose text is cut, and widgets outside the window.

Font metrics against the widget's own width (a text that does not wrap) or height (one that does), and
the widget's rectangle against its window's: what a visitor or an officer would see cut off.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget


def _text_of(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else ""
    if isinstance(widget, QLabel) and widget.textFormat() == Qt.TextFormat.RichText:
        return ""  # rich text lays itself out; its plain words are not one line
    return text.replace("&&", "&") if isinstance(widget, QAbstractButton) else text


def clipped(window: QWidget) -> list[str]:
    """One line per visible label or button of ``window`` whose text does not fit, or that the window cuts."""
    problems = []
    frame = window.rect()
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window) or widget.width() <= 0 or not isinstance(widget, (QLabel, QAbstractButton)):
            continue
        text = _text_of(widget)
        if not text.strip() or (isinstance(widget, QLabel) and widget.pixmap() is not None and not widget.pixmap().isNull()):
            continue
        name = f"{type(widget).__name__} {widget.objectName() or ''} {text[:40]!r}"
        where = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        if not frame.contains(where):
            problems.append(f"{name}: at {where.getRect()} outside the window {frame.getRect()}")
            continue
        metrics = QFontMetrics(widget.font())
        room = widget.contentsRect()
        margin = widget.margin() * 2 if isinstance(widget, QLabel) else 0
        if isinstance(widget, QAbstractButton):
            room = room.adjusted(4, 0, -4, 0)  # the style's own padding
            if not widget.icon().isNull():
                room = room.adjusted(widget.iconSize().width() + 4, 0, 0, 0)
        lines = text.split("\n")
        if isinstance(widget, QLabel) and widget.wordWrap():
            needed = metrics.boundingRect(0, 0, max(1, room.width() - margin), 100_000,
                                          int(Qt.TextFlag.TextWordWrap), text).height()
            if needed > room.height() + 2:
                problems.append(f"{name}: needs {needed} px of height, has {room.height()}")
            longest = max(metrics.horizontalAdvance(word) for word in text.split()) if text.split() else 0
            if longest > room.width() - margin + 1:
                problems.append(f"{name}: a word needs {longest} px, has {room.width() - margin}")
        else:
            needed = max(metrics.horizontalAdvance(line) for line in lines)
            if needed > room.width() - margin + 1:
                problems.append(f"{name}: needs {needed} px, has {room.width() - margin}")
            tall = metrics.lineSpacing() * (len(lines) - 1) + metrics.height()  # lines broken by hand
            if len(lines) > 1 and tall > room.height() + 2:
                problems.append(f"{name}: its {len(lines)} lines need {tall} px of height, have {room.height()}")
    return problems
