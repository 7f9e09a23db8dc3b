"""The touch kiosk: the window, its screens, widgets, keyboard and search."""
