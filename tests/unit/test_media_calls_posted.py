"""No window calls into Qt Multimedia's engine from Python: every such call is posted (kiosk/ui/common/media.py).

A direct ``player.stop()`` (or ``setSource``, ``play``, ``record`` …) holds the GIL inside the FFmpeg
backend, which can deadlock with one of its threads (the CI hang of the display's burst test, traced
with gdb). This test reads the source of kiosk/ui/ and names every direct call left.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
UI = ROOT / "kiosk" / "ui"
MEDIA = UI / "common" / "media.py"

# methods that reach the engine, on the objects that own one
ENGINE_CALLS = {"stop", "play", "pause", "setSource", "setSourceDevice", "setPlaybackRate", "setPosition",
                "record", "start", "setVolume", "setMuted"}
MEDIA_OBJECTS = {"player", "recorder", "camera", "audio_output", "output"}  # leading underscores ignored


def direct_calls(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, owner = node.func.attr, node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else None
        name = name.lstrip("_") if name else None
        if method in ENGINE_CALLS and name in MEDIA_OBJECTS:
            found.append((node.lineno, f"{name}.{method}()"))
    return found


def test_the_check_finds_a_direct_call():
    assert direct_calls("self.player.stop()\nplayer.setSource(url)\nself.timer.stop()\nself._output.setMuted(1)\n") == [
        (1, "player.stop()"), (2, "player.setSource()"), (4, "output.setMuted()")]


def test_no_window_calls_the_media_engine_directly():
    offenders = []
    for path in sorted(UI.rglob("*.py")):
        if path == MEDIA:
            continue
        offenders += [f"{path.relative_to(ROOT)}:{line} {call}" for line, call in direct_calls(path.read_text())]
    assert offenders == [], "post these through kiosk.ui.common.media (PostedPlayer / post):\n" + "\n".join(offenders)
