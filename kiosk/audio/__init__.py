"""Voice announcements: phrase text (phrases), speech synthesis to WAV (speech). No Qt here."""
