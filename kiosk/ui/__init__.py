"""The only package that imports Qt, in rooms: kiosk/, display/, counter/ and common/.

Importing this package imports no Qt: the Qt-free models (counter/model.py, kiosk/retry.py,
display/board.py) load without PySide6. The PySide6 guard (common/pyside_fix.py) is applied by
the app factory, common/app.make_app(), before any window exists.
"""
