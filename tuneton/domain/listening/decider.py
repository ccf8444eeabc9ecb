"""Decide and evolve for the listening session: pure functions, no I/O.

Rules a listener would expect (docs/listening.md has the full table):

* the queue plays in rank order; shuffle re-ranks only the items *after* the current one, so
  previous walks back through what actually played, and repeat-all loops the same (stable) order;
* next at the end stops, or wraps with repeat all; a track that ends repeats with repeat one, but
  next always moves on; previous restarts the track once more than 3 s of it played;
* the last device to press play (play now, play a collection, resume) takes over: the session
  answers the other device's reports with ``DeviceSuperseded``; skips and queue edits are remote
  control and keep playing where it plays;
* every change of the current item closes the running play (``TrackSkipped``/``TrackFinished``)
  before the next one starts, so the history is a clean sequence of plays.
"""

from __future__ import annotations

from dataclasses import replace

from tuneton.domain.context import CommandContext
from tuneton.domain.errors import InvalidValue
from tuneton.domain.listening import commands as c
from tuneton.domain.listening import events as e
from tuneton.domain.listening import playback as p
from tuneton.domain.listening import queueing as q
from tuneton.domain.listening.errors import NotSessionOwner
from tuneton.domain.listening.order import inserted
from tuneton.domain.listening.state import Session
from tuneton.domain.listening.values import QueuedItem, RepeatMode

__all__ = ["Session", "decide", "evolve"]


def decide(state: Session | None, command: c.ListeningCommand, ctx: CommandContext) -> list[e.ListeningEvent]:
    """Return the events ``command`` causes, or raise a ``DomainError``."""
    if command.session_id != ctx.actor_id:
        raise NotSessionOwner("a listening session belongs to its listener", session_id=command.session_id)
    session = state or Session()
    at = int(ctx.issued_at.timestamp() * 1000)
    match command:
        case c.SetRepeat():
            mode = _repeat(command.mode)
            return [] if mode is session.repeat else [e.RepeatChanged(mode=mode)]
        case _ if isinstance(command, q.QUEUE_COMMANDS):
            return q.decide_queue(session, command, at)
        case _:
            return p.decide_playback(session, command, at)


def evolve(state: Session | None, event: e.ListeningEvent) -> Session:
    """Fold one event into the state (a session exists from its first event on)."""
    session = state or Session()
    match event:
        case e.ItemsQueued():
            queue = session.queue
            for item in event.items:
                queue = inserted(queue, item)
            return replace(session, queue=queue)
        case e.ItemDequeued():
            return replace(session, queue=tuple(i for i in session.queue if i.item_id != event.item_id))
        case e.QueueItemMoved():
            return replace(session, queue=_reranked(session.queue, {event.item_id: event.rank}))
        case e.QueueReplaced():
            replaced: tuple[QueuedItem, ...] = ()
            for item in event.items:
                replaced = inserted(replaced, item)
            return replace(session, queue=replaced, unshuffled=event.original_order if session.shuffle else ())
        case e.ShuffleChanged():
            before = tuple(i.item_id for i in session.queue) if event.enabled else ()
            ranks = {r.item_id: r.rank for r in event.ranks}
            queue = _reranked(session.queue, ranks)
            return replace(session, queue=queue, shuffle=event.enabled, seed=event.seed, unshuffled=before)
        case e.RepeatChanged():
            return replace(session, repeat=event.mode)
        case _:
            return p.evolve_playback(session, event)


def _reranked(queue: tuple[QueuedItem, ...], ranks: dict[str, str]) -> tuple[QueuedItem, ...]:
    moved = (replace(i, rank=ranks.get(i.item_id, i.rank)) for i in queue)
    return tuple(sorted(moved, key=lambda i: (i.rank, i.item_id)))


def _repeat(value: str) -> RepeatMode:
    try:
        return RepeatMode(value)
    except ValueError:
        raise InvalidValue(f"repeat must be one of {[m.value for m in RepeatMode]}", field="repeat") from None
