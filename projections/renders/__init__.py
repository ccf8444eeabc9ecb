"""The renders read model: one row per asset key with the current attempt's status, progress and result."""
