"""A streaming look-ahead peak limiter: no output sample ever exceeds the ceiling.

Pitch shifting changes how partials add up, so a track mastered to -0.1 dBFS can come out 2-3 dB
hotter. Clipping would distort; this limiter lowers the gain just before a peak and lets it recover
slowly. It works on a grid of ``BLOCK`` frames:

* ``need[k]``: the gain (dB) that brings block ``k``'s peak to the ceiling (0 dB if it is below);
* release: ``fwd[k] = min(need[k], fwd[k-1] + release_step)`` (a running minimum, vectorised);
* attack: ``gain[k] = min over m in 0..LOOKAHEAD of fwd[k+m] + m * attack_step`` (ramps down early);
* within block ``k`` the gain moves linearly between knots ``min(gain[k-1], gain[k])`` and
  ``min(gain[k], gain[k+1])``, both <= ``gain[k]`` <= ``need[k]``: the ceiling holds for every sample.

State (pending frames, last gains) carries across calls, so segment boundaries are seamless; the
limiter delays its output by at most ``(LOOKAHEAD + 3) * BLOCK`` frames and :meth:`Limiter.flush`
returns the rest, so the total length is unchanged.
"""

from __future__ import annotations

import numpy as np

BLOCK = 32
LOOKAHEAD = 8  # blocks: 256 frames, 5.8 ms at 44.1 kHz
DEFAULT_CEILING_DB = -1.0  # headroom for the lossy encoder's inter-sample peaks
ATTACK_DB_PER_BLOCK = 3.0
RELEASE_DB_PER_S = 60.0  # 6 dB back in 100 ms


class Limiter:
    """Look-ahead peak limiter for ``(channels, frames)`` float32 blocks.

    Parameters
    ----------
    sr : int
        Sample rate in Hz (sets the release speed).
    channels : int
        Channel count; the gain is shared, so the stereo image never shifts.
    ceiling_db : float <= 0
        Peak ceiling in dBFS.
    """

    def __init__(self, *, sr: int, channels: int, ceiling_db: float = DEFAULT_CEILING_DB) -> None:
        self._ceiling = float(10.0 ** (ceiling_db / 20.0))
        self._release = RELEASE_DB_PER_S * BLOCK / sr
        self._pending = np.zeros((channels, 0), np.float32)
        self._fwd = np.zeros(0)  # forward (release) gains of the pending complete blocks
        self._fwd_last = 0.0
        self._gain_last = 1.0  # linear gain of the last block returned
        self.reduction_db = 0.0  # deepest gain reduction so far (for logs and tests)

    def process(self, block: np.ndarray) -> np.ndarray:
        """Feed frames; return the frames whose gain is final (fewer at first: the look-ahead)."""
        self._pending = np.concatenate([self._pending, block.astype(np.float32, copy=False)], axis=1)
        self._extend_forward()
        ready = len(self._fwd) - LOOKAHEAD - 1
        if ready <= 0:
            return np.zeros((self._pending.shape[0], 0), np.float32)
        return self._emit(ready)

    def flush(self) -> np.ndarray:
        """Return everything still held back; the limiter is then empty."""
        remaining = self._pending.shape[1]
        silence = np.zeros((self._pending.shape[0], (LOOKAHEAD + 3) * BLOCK), np.float32)
        out = self.process(silence)
        tail: np.ndarray = out[:, :remaining]
        self._pending = np.zeros((self._pending.shape[0], 0), np.float32)
        self._fwd = np.zeros(0)
        return tail

    def _extend_forward(self) -> None:
        done = len(self._fwd)
        complete = self._pending.shape[1] // BLOCK
        if complete <= done:
            return
        blocks = self._pending[:, done * BLOCK : complete * BLOCK].reshape(self._pending.shape[0], -1, BLOCK)
        peak = np.abs(blocks).max(axis=(0, 2)).astype(np.float64)
        need = np.minimum(0.0, 20.0 * np.log10(self._ceiling / np.maximum(peak, 1e-12)))
        steps = np.arange(1, len(need) + 1) * self._release
        # fwd[i] = min(fwd_last + (i+1)*r, min_{j<=i} need[j] + (i-j)*r), computed as a cumulative minimum
        fwd = np.minimum(self._fwd_last + steps, steps + np.minimum.accumulate(need - steps))
        fwd = np.minimum(fwd, 0.0)
        self._fwd_last = float(fwd[-1])
        self._fwd = np.concatenate([self._fwd, fwd])

    def _emit(self, ready: int) -> np.ndarray:
        fwd = self._fwd
        gain_db = fwd[: ready + 1].copy()
        for m in range(1, LOOKAHEAD + 1):
            gain_db = np.minimum(gain_db, fwd[m : m + ready + 1] + m * ATTACK_DB_PER_BLOCK)
        gain = 10.0 ** (gain_db / 20.0)
        knots = np.minimum(np.concatenate([[self._gain_last], gain[:-1]]), gain)  # knot k: start of block k
        ramp = np.arange(BLOCK) / BLOCK
        per_frame = (knots[:-1, None] + (knots[1:] - knots[:-1])[:, None] * ramp[None, :]).reshape(-1)
        frames = ready * BLOCK
        out: np.ndarray = (self._pending[:, :frames] * per_frame[None, :].astype(np.float32)).astype(np.float32)
        self.reduction_db = min(self.reduction_db, float(gain_db.min()))
        self._gain_last = float(gain[ready - 1])
        self._pending = self._pending[:, frames:]
        self._fwd = fwd[ready:]
        return out
