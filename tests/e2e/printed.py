"""What a thermal printer would put on paper, read back from the ESC/POS bytes it was sent."""
from __future__ import annotations

from PIL import Image

GS_V_0 = b"\x1dv0"  # GS v 0 m xL xH yL yH d1…dk: a raster bit image, 1 = black dot


def raster_images(data: bytes) -> list[Image.Image]:
    """Every ``GS v 0`` image in ``data``, in order, as a 1-bit PIL image.

    The stream is walked command by command: after a header the next search starts
    past that image's dot data, which may itself contain the header's bytes.
    """
    images = []
    at = 0
    while (at := data.find(GS_V_0, at)) >= 0:
        header = data[at + 3:at + 8]
        if len(header) < 5:
            raise ValueError(f"GS v 0 at byte {at}: the header is cut short")
        mode, width_bytes, height = header[0], int.from_bytes(header[1:3], "little"), int.from_bytes(header[3:5], "little")
        if mode not in (0, 1, 2, 3, 48, 49, 50, 51):
            raise ValueError(f"GS v 0 at byte {at}: unknown mode {mode}")
        start = at + 8
        size = width_bytes * height
        dots = data[start:start + size]
        if len(dots) < size:
            raise ValueError(f"GS v 0 at byte {at}: {width_bytes}x{height} needs {size} bytes, got {len(dots)}")
        # a set bit is a black dot; PIL's "1" mode stores 1 as white: invert while unpacking
        images.append(Image.frombytes("1", (width_bytes * 8, height), dots, "raw", "1;I"))
        at = start + size
    return images


def printed_qr_texts(data: bytes) -> list[str]:
    """The text of every QR code printed as a raster image (several slices of one image are stacked first)."""
    import zxingcpp

    images = raster_images(data)
    if not images:
        return []
    width = max(image.width for image in images)
    paper = Image.new("1", (width, sum(image.height for image in images)), 1)
    top = 0
    for image in images:
        paper.paste(image, (0, top))
        top += image.height
    # a white margin all round, as the paper gives a phone's camera
    framed = Image.new("L", (paper.width + 64, paper.height + 64), 255)
    framed.paste(paper.convert("L"), (32, 32))
    # as printed, dark on light and upright: a wrongly decoded raster must not pass by luck
    results = zxingcpp.read_barcodes(framed, formats=zxingcpp.BarcodeFormat.QRCode, try_invert=False,
                                     try_rotate=False)
    return [result.text for result in results]
