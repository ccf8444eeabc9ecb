"""The track context: an uploaded recording, its stored blobs, its metadata and who may see it."""
