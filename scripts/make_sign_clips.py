"""Make the STAND-IN sign-language clips in assets/sign/ and their mapping.toml and pack.toml.

These are labelled placeholders, not sign language: each frame says so. They let
the display's clip playlist run end to end until an MPP records real BISINDO
clips with its local deaf community (see docs/voice-and-sign.md#sign-packs), which then
replace these files under the same names.

    python scripts/make_sign_clips.py [--out assets/sign]

Needs ffmpeg with libx264 and the DejaVu fonts (fonts-dejavu-core).
"""
from __future__ import annotations

import argparse
import shutil
import string
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
FONT_REGULAR = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

WIDTH, HEIGHT, FPS = 640, 360, 25
BACKGROUND = "0x10243E"
BANNER = "0xF2C200"
STAND_IN_BANNER = "CONTOH — ganti dengan video BISINDO asli"
STAND_IN_NOTE = "STAND-IN / placeholder — bukan bahasa isyarat / not sign language"


@dataclass(frozen=True)
class Clip:
    file: str
    token: str | None  # None: not part of a call (the information loop)
    lines: tuple[tuple[str, int], ...]  # (text, font size) centred top to bottom
    seconds: float


def clip_list() -> list[Clip]:
    clips = [
        Clip("word_nomor_antrean.mp4", "nomor antrean", (("NOMOR ANTREAN", 58),), 1.5),
        Clip("word_silakan_menuju.mp4", "silakan menuju", (("SILAKAN MENUJU", 56),), 1.5),
        Clip("word_loket.mp4", "loket", (("LOKET", 80),), 1.2),
    ]
    clips += [Clip(f"letter_{c.lower()}.mp4", c, ((c, 190),), 1.0) for c in string.ascii_uppercase]
    clips += [Clip(f"digit_{d}.mp4", d, ((d, 190),), 1.0) for d in string.digits]
    clips.append(Clip("info.mp4", None, (
        ("Bahasa Isyarat", 52),
        ("Sign language", 36),
        ("Panggilan antrean juga ditampilkan di sini", 20),
        ("Queue calls are also shown here", 20),
    ), 4.0))
    return clips


def _drawtext(textfile: Path, size: int, y: str, font: Path = FONT, colour: str = "white",
              fade_in_s: float = 0.0) -> str:
    # text comes from a file: no filtergraph escaping of the words themselves
    alpha = f":alpha='min(1,t/{fade_in_s})'" if fade_in_s else ""
    return (f"drawtext=fontfile={font}:textfile={textfile}:expansion=none:fontsize={size}"
            f":fontcolor={colour}:x=(w-text_w)/2:y={y}{alpha}")


def _filter_graph(clip: Clip, folder: Path) -> str:
    def text_file(name: str, text: str) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    filters = [
        f"drawbox=x=0:y=0:w=iw:h=44:color={BANNER}:t=fill",
        _drawtext(text_file("banner.txt", STAND_IN_BANNER), 21, "12", colour="black"),
        _drawtext(text_file("note.txt", STAND_IN_NOTE), 15, "h-58", font=FONT_REGULAR, colour="0xC8D2E0"),
    ]
    total = sum(size for _, size in clip.lines) + 14 * (len(clip.lines) - 1)
    y = 44 + (HEIGHT - 44 - 70 - total) // 2  # centred between the banner and the note
    for i, (text, size) in enumerate(clip.lines):
        filters.append(_drawtext(text_file(f"line{i}.txt", text), size, str(y), fade_in_s=0.25))
        y += size + 14
    # a bar sweeping across the bottom: every frame differs, and the viewer sees the clip run
    return (f"[0]{','.join(filters)}[card];"
            f"[card][1]overlay=x='t/{clip.seconds}*(W-w)':y=H-24:shortest=1")


def make_clip(clip: Clip, out: Path, ffmpeg: str = "ffmpeg") -> None:
    with tempfile.TemporaryDirectory(prefix="sign-clip-") as tmp:
        folder = Path(tmp)
        command = [
            ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"color=c={BACKGROUND}:s={WIDTH}x{HEIGHT}:r={FPS}:d={clip.seconds}",
            "-f", "lavfi", "-i", f"color=c={BANNER}:s=96x10:r={FPS}",
            "-filter_complex", _filter_graph(clip, folder),
            "-an", "-c:v", "libx264", "-preset", "slow", "-crf", "30", "-profile:v", "main",
            "-pix_fmt", "yuv420p", "-g", str(FPS), "-movflags", "+faststart",
            "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
            "-metadata", "comment=STAND-IN placeholder, not sign language",
            str(out),
        ]
        subprocess.run(command, check=True)


def mapping_toml(clips: list[Clip]) -> str:
    lines = [
        "# Sign-language clips: token -> file in assets/sign/. The same table is config.toml's [sign.clips].",
        "# The shipped files are STAND-INS (labelled placeholders); replace them with real BISINDO",
        "# recordings under the same names, see docs/voice-and-sign.md#sign-packs.",
        "",
    ]
    info = [c for c in clips if c.token is None]
    if info:
        lines += [f'info_clip = "{info[0].file}"', ""]
    lines.append("[clips]")
    for clip in clips:
        if clip.token is not None:
            key = f'"{clip.token}"' if not clip.token.isalnum() or clip.token.isdigit() else clip.token
            lines.append(f'{key} = "{clip.file}"')
    return "\n".join(lines) + "\n"


def pack_toml(clips: list[Clip]) -> str:
    """The stand-ins as a sign pack (kiosk/sign_packs.py): the same clips, marked stand_in."""
    lines = [
        "# The shipped STAND-IN sign pack: labelled placeholders, not sign language. The display",
        "# uses it where the configured pack ([sign] pack) has no clip, and labels those clips as",
        "# stand-ins on screen. Made by scripts/make_sign_clips.py; see docs/voice-and-sign.md#sign-packs.",
        "",
        'signer = "none: rendered placeholders, no person is shown"',
        'sign_language = "BISINDO"',
        'region = "none"',
        'licence = "MIT, the same as mpp-kiosk"',
        'date = "2026-01-01"',
        'consent = "not needed: no person is shown"',
        "stand_in = true",
        'numbers = "digits"',
    ]
    return "\n".join(lines) + "\n" + mapping_toml(clips).split("\n\n", 1)[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets" / "sign")
    args = parser.parse_args(argv)
    ffmpeg = shutil.which("ffmpeg")
    missing = [str(p) for p in (FONT, FONT_REGULAR) if not p.is_file()]
    if ffmpeg is None or missing:
        need = ["ffmpeg"] if ffmpeg is None else []
        print(f"make_sign_clips: missing {', '.join(need + missing)}; "
              "install with 'sudo apt-get install ffmpeg fonts-dejavu-core'", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    clips = clip_list()
    total = 0
    for clip in clips:
        target = args.out / clip.file
        make_clip(clip, target, ffmpeg)
        total += target.stat().st_size
    (args.out / "mapping.toml").write_text(mapping_toml(clips), encoding="utf-8")
    (args.out / "pack.toml").write_text(pack_toml(clips), encoding="utf-8")
    print(f"wrote {len(clips)} clips ({total / 1024:.0f} KiB) and mapping.toml to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
