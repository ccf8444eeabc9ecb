"""The render context: a request to re-key/re-tempo a track, its progress, and the rendered asset.

A render aggregate is identified by its *asset key* (a hash of the source's bytes, the parameters and
the engine version, see ``tuneton.audio.params.asset_key``), so equal requests share one stream:
the decider coalesces requests while one is in flight and answers requests for a finished asset at
once (a cache hit), and the render processor's reports (progress, completion, failure) are commands
to the same decider, which keeps it the single writer of the stream.
"""
