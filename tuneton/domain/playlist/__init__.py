"""The playlist context: ordered, owned lists of tracks with a visibility setting."""
