"""The only package that imports Qt: the kiosk, display and counter windows."""
