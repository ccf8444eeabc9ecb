"""Refuse the second use of a one-time credential (a Login Widget payload, a refresh token).

Kept in this process's memory until the credential would expire anyway. With several API processes a
payload could be used once per process; docs/auth.md says why that is acceptable for now (the access
token it buys is short-lived) and what would replace it (a shared store).
"""

from __future__ import annotations

import heapq
import time

from tuneton.auth.errors import AuthError


class ReplayGuard:
    """Remembers used credential ids until their expiry; at most ``capacity`` at once."""

    def __init__(self, *, capacity: int = 100_000) -> None:
        self._until: dict[str, float] = {}
        self._expiries: list[tuple[float, str]] = []
        self._capacity = capacity

    def use(self, credential_id: str, *, expires_at: float, now: float | None = None) -> None:
        """Record the use of ``credential_id``, or raise ``AuthError(replayed)`` if it was used before."""
        at = time.time() if now is None else now
        self._forget(at)
        if credential_id in self._until:
            raise AuthError("replayed", "this sign-in payload or refresh token was already used")
        if len(self._until) >= self._capacity:
            raise AuthError("busy", "too many sign-ins at once; try again shortly")
        self._until[credential_id] = expires_at
        heapq.heappush(self._expiries, (expires_at, credential_id))

    def _forget(self, now: float) -> None:
        while self._expiries and self._expiries[0][0] < now:
            _, old = heapq.heappop(self._expiries)
            self._until.pop(old, None)
