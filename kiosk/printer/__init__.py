"""The thermal ticket: one layout model (layout.py), written as ESC/POS bytes
(escpos_render.py) to a printer backend (backends.py) or drawn as a PNG (preview.py).

No Qt here; printing blocks, so the kiosk window calls it from a worker thread.
"""
