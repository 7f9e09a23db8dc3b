"""What every window shares: the app factory, the event stream, tasks and the theme."""
