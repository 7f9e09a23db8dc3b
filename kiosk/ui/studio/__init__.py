"""The studio: record a voice or sign pack fragment by fragment (window.py; its Qt-free model in model.py)."""
