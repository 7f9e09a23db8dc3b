"""The PNG preview: drawn from the same layout, its QR decodes, and `mpp-kiosk preview-ticket` writes it."""
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from printer_samples import STATUS_URL, make_ticket, write_mini_config

from kiosk.printer.layout import CHAR_HEIGHT_DOTS, CHAR_WIDTH_DOTS, TextLine
from kiosk.printer.preview import main, placed_lines, render_png

ROOT = Path(__file__).resolve().parents[2]


def decoded(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("paper, width", [(80, 576), (58, 384)])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_preview_is_paper_wide_and_its_qr_decodes_to_the_status_url(paper, width, lang):
    image = render_png(make_ticket(paper_mm=paper, lang=lang, priority=True))
    assert image.width == width
    assert image.height > 2 * width if paper == 58 else image.height > width
    assert decoded(image) == [STATUS_URL]


def ink_box(image: Image.Image, top: int, height: int) -> tuple[int, int, int, int] | None:
    """Bounding box of the dark pixels within one line's band of the image."""
    band = image.convert("L").crop((0, top, image.width, top + height))
    return band.point(lambda p: 255 if p < 128 else 0).getbbox()


@pytest.mark.parametrize("paper", [80, 58])
def test_preview_draws_the_code_big_and_centred(paper):
    ticket = make_ticket(paper_mm=paper)
    image = render_png(ticket)
    code, top, height = next(p for p in placed_lines(ticket) if isinstance(p[0], TextLine) and p[0].text == "A-012")
    left, upper, right, lower = ink_box(image, top, height)
    cell_w, cell_h = CHAR_WIDTH_DOTS * code.size, CHAR_HEIGHT_DOTS * code.size
    assert right - left > len(code.text) * cell_w * 0.8  # it fills its five cells
    assert lower - upper > cell_h * 0.5  # and is tall: 6 x 24 dots per cell
    assert abs((left + right) / 2 - image.width / 2) < cell_w / 2  # centred
    assert left >= CHAR_WIDTH_DOTS - 2 and right <= image.width - CHAR_WIDTH_DOTS + 2  # inside the margins


def test_preview_every_text_line_stays_inside_the_paper():
    ticket = make_ticket(paper_mm=58, lang="en", priority=True,
                         service_name="Legalisasi dokumen kependudukan dan pencatatan sipil")
    image = render_png(ticket)
    for element, top, height in placed_lines(ticket):
        if isinstance(element, TextLine) and element.text.strip() and not element.invert:
            left, _, right, _ = ink_box(image, top, height)
            assert left >= 4 and right <= image.width - 4, element


def band_rows(image: Image.Image, min_run: int) -> int:
    """Rows holding an unbroken dark run at least min_run pixels long."""
    gray = image.convert("L")
    data, width = gray.tobytes(), gray.width

    def longest_run(row: bytes) -> int:
        best = run = 0
        for p in row:
            run = run + 1 if p < 128 else 0
            best = max(best, run)
        return best

    return sum(1 for y in range(gray.height) if longest_run(data[y * width:(y + 1) * width]) >= min_run)


def test_preview_inverted_priority_band_is_black():
    # ' PRIORITAS ' at size 2 is 11 cells of 24 dots: a 264-dot black band; nothing else is that wide
    assert band_rows(render_png(make_ticket(priority=True)), 255) >= 8
    assert band_rows(render_png(make_ticket()), 255) == 0


def test_preview_main_writes_png_for_a_small_config(tmp_path, capsys):
    config = write_mini_config(tmp_path, paper_mm=58)
    out = tmp_path / "out" / "ticket.png"
    assert main(Namespace(config=config, service="kartu-keluarga", out=out, lang="en")) == 0
    image = Image.open(out)
    assert image.width == 384
    assert decoded(image) == ["http://10.0.0.5:8600/t/SAMPLE-PREVIEW"]
    assert str(out) in capsys.readouterr().out


def test_preview_unknown_service_hints_and_exits_2(tmp_path, capsys):
    config = write_mini_config(tmp_path)
    assert main(Namespace(config=config, service="ktp", out=tmp_path / "t.png", lang="id")) == 2
    err = capsys.readouterr().err
    assert "no service 'ktp'" in err and "did you mean 'ktp-rekam'" in err
    assert not (tmp_path / "t.png").exists()


def test_preview_broken_config_exits_1_with_the_problem(tmp_path, capsys):
    config = write_mini_config(tmp_path)
    config.write_text(config.read_text().replace("paper_mm = ", "papr_mm = "), encoding="utf-8")
    assert main(Namespace(config=config, service=None, out=tmp_path / "t.png", lang="id")) == 1
    assert "printer.papr_mm: unknown key — did you mean 'paper_mm'?" in capsys.readouterr().err
    assert not (tmp_path / "t.png").exists()


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kiosk", "preview-ticket", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_cli_preview_ticket_on_a_small_config(tmp_path):
    config = write_mini_config(tmp_path, paper_mm=80)
    result = run_cli("--config", str(config), "--out", "preview.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    image = Image.open(tmp_path / "preview.png")
    assert image.width == 576
    assert decoded(image) == ["http://10.0.0.5:8600/t/SAMPLE-PREVIEW"]
    assert "B-001" in result.stdout


def test_cli_preview_ticket_on_the_shipped_config(tmp_path):
    result = run_cli("--config", str(ROOT / "config.toml"), "--out", str(tmp_path / "t.png"), "--lang", "en",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    from kiosk.config import load_config

    config = load_config(ROOT / "config.toml")
    image = Image.open(tmp_path / "t.png")
    assert image.width == {80: 576, 58: 384}[config.printer.paper_mm]
    assert decoded(image) == [f"{config.lobby.public_url}/t/SAMPLE-PREVIEW"]


def test_cli_unknown_service_exit_code(tmp_path):
    config = write_mini_config(tmp_path)
    result = run_cli("--config", str(config), "--service", "kartu-keluarg", "--out", "t.png", cwd=tmp_path)
    assert result.returncode == 2
    assert "did you mean 'kartu-keluarga'" in result.stderr
    assert "Traceback" not in result.stderr
