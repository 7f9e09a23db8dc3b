"""A sign clip recorded elsewhere (a phone's video) checked with ffprobe and made into the display's format.

The display plays silent H.264 MP4 at 640x360, 25 fps, ``+faststart`` (the
format of the shipped stand-ins, scripts/make_sign_clips.py). A recording must be
a playable video between MIN_SECONDS and MAX_SECONDS long whose shorter side is
at least MIN_SHORT_SIDE pixels; a portrait phone video is pillarboxed, not cut.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kiosk.problems import ProblemsError

WIDTH, HEIGHT, FPS = 640, 360, 25
MIN_SECONDS = 0.4
MAX_SECONDS = 8.0
MIN_SHORT_SIDE = 360
TIMEOUT_S = 120


class ClipError(ProblemsError):
    """A clip that cannot be used: every problem, each a sentence."""
    joiner = " "

    @property
    def source(self) -> Path:
        return self.path


@dataclass(frozen=True)
class VideoFacts:
    width: int
    height: int
    seconds: float


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ClipError(Path(name), [f"{name} is not installed; install it with 'sudo apt-get install ffmpeg'."])
    return found


def probe(source: Path) -> tuple[VideoFacts | None, list[str]]:
    """The video's size and duration, or the sentences that say why it is not a usable clip."""
    source = Path(source)
    if not source.is_file():
        return None, [f"{source} does not exist."]
    result = subprocess.run(
        [_tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(source)],
        check=False, capture_output=True, text=True, timeout=TIMEOUT_S)
    if result.returncode != 0:
        return None, [f"{source.name} cannot be read as a video: {result.stderr.strip()[:200] or 'ffprobe failed'}."]
    facts = json.loads(result.stdout or "{}")
    videos = [s for s in facts.get("streams", []) if s.get("codec_type") == "video"
              and s.get("disposition", {}).get("attached_pic") != 1]
    if not videos:
        return None, [f"{source.name} has no video track."]
    video = videos[0]
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    rotation = _rotation(video)
    if rotation in (90, 270):
        width, height = height, width
    try:
        seconds = float(facts.get("format", {}).get("duration") or video.get("duration") or 0)
    except ValueError:
        seconds = 0.0
    problems = []
    if seconds <= 0:
        problems.append(f"{source.name} has no duration; it may be damaged.")
    elif seconds < MIN_SECONDS:
        problems.append(f"{source.name} lasts {seconds:.2f} s; a sign clip lasts at least {MIN_SECONDS} s.")
    elif seconds > MAX_SECONDS:
        problems.append(f"{source.name} lasts {seconds:.1f} s; a sign clip lasts at most {MAX_SECONDS:g} s "
                        f"(trim it to the sign, or record the phrase in shorter parts).")
    if min(width, height) < MIN_SHORT_SIDE:
        problems.append(f"{source.name} is {width}x{height}; the shorter side must be at least {MIN_SHORT_SIDE} "
                        f"pixels for the signer's hands to be legible.")
    return VideoFacts(width, height, seconds), problems


def _rotation(video: dict) -> int:
    for side in video.get("side_data_list", []) or []:
        if "rotation" in side:
            return abs(int(side["rotation"])) % 360
    return abs(int(video.get("tags", {}).get("rotate", 0) or 0)) % 360


def check_clip(source: Path) -> list[str]:
    _facts, problems = probe(source)
    return problems


def transcode(source: Path, target: Path) -> VideoFacts:
    """Check ``source`` and write it to ``target`` in the display's format; raises ClipError with every problem."""
    source, target = Path(source), Path(target)
    facts, problems = probe(source)
    if problems:
        raise ClipError(source, problems)
    partial = target.with_name(target.stem + ".partial.mp4")
    scale = (f"scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=decrease,"
             f"pad={WIDTH}:{HEIGHT}:(ow-iw)/2:(oh-ih)/2:color=0x10243E,fps={FPS},format=yuv420p")
    result = subprocess.run(
        [_tool("ffmpeg"), "-hide_banner", "-loglevel", "error", "-y", "-i", str(source),
         "-an", "-vf", scale, "-c:v", "libx264", "-preset", "medium", "-crf", "26", "-profile:v", "main",
         "-g", str(FPS), "-movflags", "+faststart", "-map_metadata", "-1", str(partial)],
        check=False, capture_output=True, text=True, timeout=TIMEOUT_S)
    if result.returncode != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        reason = result.stderr.strip()[:200] or "ffmpeg failed"
        raise ClipError(source, [f"{source.name} could not be decoded to the end: {reason}."])
    os.replace(partial, target)
    return facts
