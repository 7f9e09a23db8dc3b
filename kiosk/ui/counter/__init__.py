"""The counter (loket) window, its widgets and its Qt-free model."""
