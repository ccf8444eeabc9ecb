"""Understanding uploaded files: what they are (probe), what they say (tags), what they look like (covers).

Everything here works on a file already spooled to local disk and never trusts the client's file name:
the content decides. Errors are rooted in :class:`tuneton.media.errors.MediaError` and carry a stable
machine-readable ``reason`` that the upload endpoint turns into a precise 4xx.
"""
