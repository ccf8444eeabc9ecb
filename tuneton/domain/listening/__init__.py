"""The listening context: one session per listener — the play queue, what plays now, and where.

The session is an aggregate keyed by the listener's user id, so every device of a listener talks to
the same stream: a device that reconnects, or another device that picks up, reads the saved position
from it. Its events double as the listening history (a play starts, progresses, finishes or is
skipped), which the projections turn into "recently played", play counts and "continue listening".
"""
