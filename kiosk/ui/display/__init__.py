"""The lobby display: the window, the announcer and the sign panel."""
