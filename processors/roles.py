"""Processor roles of the Faust worker: which agents a worker runs, and so its consumer group.

One worker may run everything (``all``, the dev default: one consumer group, ``tuneton-processors``),
or one role per worker, each in its own consumer group, so an operator can reset, pause or scale one
read model without touching the others. The groups are the embedded runtime's names, except the
decider's: it keeps the ``all`` app id, because Faust names its snapshot changelog topics after the app
id and a renamed decider would start without its aggregate state. Never run ``all`` beside single-role
workers: their agents would overlap.
"""

from __future__ import annotations

from processors.render import GROUP as RENDER_GROUP
from projections.registry import PROJECTIONS, SEARCH

ALL = "all"
APP_ID = "tuneton-processors"
GROUPS: dict[str, str] = {
    ALL: APP_ID,
    "decider": APP_ID,
    **{name: projection.group for name, projection in PROJECTIONS.items()},
    SEARCH.name: SEARCH.group,
    "render": RENDER_GROUP,
}


def group_of(role: str) -> str:
    """The Faust app id (= consumer group) of a worker running ``role``."""
    try:
        return GROUPS[role]
    except KeyError:
        raise ValueError(f"unknown worker role {role!r}; known: {', '.join(GROUPS)}") from None


def runs(role: str, part: str) -> bool:
    """Whether a worker of ``role`` runs ``part`` (``decider``, ``render``, ``search`` or a projection)."""
    return role in {ALL, part}
