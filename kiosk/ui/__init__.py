"""The only package that imports Qt: the kiosk, display and counter windows."""
from kiosk.ui.pyside_fix import guard_singletons

# Before any window exists, in every process that uses one (see pyside_fix).
guard_singletons()
