"""Catalog tools on top of the ingest service: bulk import of a music folder and the demo catalog."""
