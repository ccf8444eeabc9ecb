"""The users read model: one row per listener profile."""
