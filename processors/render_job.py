"""What runs inside a render process: the audio pipeline, with its failures turned into plain data.

Kept apart from :mod:`processors.render` so a pool process imports only the DSP stack. Errors come
back as a :class:`JobOutcome` rather than raised, because our exception classes take keyword-rich
constructors that do not survive pickling across the process boundary.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tuneton.audio import pipeline
from tuneton.audio.engines import get_engine
from tuneton.audio.errors import AudioError, DecodeError, ParameterError
from tuneton.audio.params import RenderParams

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@dataclass(frozen=True, kw_only=True)
class JobOutcome:
    """Result of one render job: frames and rate when ``ok``, else a failure kind and detail."""

    ok: bool
    frames: int = 0
    sr: int = pipeline.SAMPLE_RATE
    failure: str | None = None  # "undecodable_source" | "out_of_range" | "internal"
    detail: str = ""
    lufs: float | None = None  # measured on the encoded output


def run_render_job(source: str, out_dir: str, params: RenderParams, engine: str, frames_hint: int) -> JobOutcome:
    """Render ``source`` into ``out_dir``; never raises."""
    try:
        rendered = pipeline.render_file(
            Path(source), Path(out_dir), params=params, engine_name=engine, frames_hint=frames_hint
        )
    except DecodeError as error:
        return JobOutcome(ok=False, failure="undecodable_source", detail=error.reason[:500])
    except ParameterError as error:
        return JobOutcome(ok=False, failure="out_of_range", detail=str(error)[:500])
    except AudioError as error:
        return JobOutcome(ok=False, failure="internal", detail=str(error)[:500])
    except Exception as error:
        log.exception("render job crashed")
        return JobOutcome(ok=False, failure="internal", detail=f"{type(error).__name__}: {error}"[:500])
    return JobOutcome(ok=True, frames=rendered.frames, sr=rendered.sr, lufs=rendered.lufs)


def die_with_parent() -> None:
    """Pool initializer: on Linux, have the kernel kill this process when its parent dies.

    A SIGKILLed worker must not leave renders running into a scratch directory that its restarted
    self will reuse (and the CPU they burn belongs to the redelivered render).
    """
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def warm_up(engine: str) -> str:
    """Import the DSP stack and run a tiny render, so a fresh pool process answers its first job fast."""
    y = np.zeros((2, 4410), np.float32)
    get_engine(engine).render(y, sr=pipeline.SAMPLE_RATE, params=RenderParams(pitch_cents=100))
    return engine
