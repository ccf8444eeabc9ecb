"""Filesystem adapters for the embedded default (blobs under the data dir)."""
