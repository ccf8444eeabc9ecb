"""The queue half of the session: adding, removing, moving, replacing, shuffling.

Inserted items get order keys between their neighbours (``tuneton.domain.playlist.ordering``), so an
edit writes one key and never renumbers the queue. Shuffle re-ranks only the items after the current
one: what already played stays behind it, which is what previous walks back through.
"""

from __future__ import annotations

from tuneton.domain.errors import InvalidValue
from tuneton.domain.listening import commands as c
from tuneton.domain.listening import events as e
from tuneton.domain.listening.errors import DuplicateQueueItem, QueueFull
from tuneton.domain.listening.order import reranked, shuffled
from tuneton.domain.listening.playback import following, index, item, start, switch
from tuneton.domain.listening.state import Session
from tuneton.domain.listening.values import QueuedItem, QueueEntry, RepeatMode
from tuneton.domain.playlist.ordering import key_between, keys_between
from tuneton.domain.text import clean_text

MAX_QUEUE = 1_000
MAX_ID = 128
QUEUE_COMMANDS = (
    c.PlayNow, c.PlayNext, c.AddToQueue, c.RemoveFromQueue, c.MoveInQueue, c.ClearQueue, c.PlayCollection, c.SetShuffle,
)  # fmt: skip


def decide_queue(session: Session, command: c.ListeningCommand, at: int) -> list[e.ListeningEvent]:
    """Events of a queue edit (and of the plays it starts or ends)."""
    match command:
        case c.PlayNow():
            queued = _queued(session, (command.entry,), *_after_current(session))[0]
            return [e.ItemsQueued(items=(queued,)), *switch(session, queued, at, command.device_id)]
        case c.PlayNext():
            return [e.ItemsQueued(items=_queued(session, (command.entry,), *_after_current(session)))]
        case c.AddToQueue():
            last = session.queue[-1].rank if session.queue else None
            return [e.ItemsQueued(items=_queued(session, command.entries, last, None))]
        case c.RemoveFromQueue():
            return _remove(session, command.item_id, at)
        case c.MoveInQueue():
            return _move(session, command)
        case c.ClearQueue():
            kept = () if session.now is None else (item(session, session.now.item_id),)
            if session.queue == kept:
                return []
            return [e.QueueReplaced(items=kept, original_order=tuple(i.item_id for i in kept))]
        case c.PlayCollection():
            return _play_collection(session, command, at)
        case c.SetShuffle():
            return _shuffle(session, command)
    raise TypeError(f"not a queue command: {type(command).__name__}")


def _queued(
    session: Session, entries: tuple[QueueEntry, ...], lower: str | None, upper: str | None
) -> tuple[QueuedItem, ...]:
    """``entries`` as items ranked in order between ``lower`` and ``upper``, after checking them."""
    _check(entries, taken={i.item_id for i in session.queue}, room=MAX_QUEUE - len(session.queue))
    keys = keys_between(lower, upper, len(entries))
    return tuple(
        QueuedItem(item_id=entry.item_id, track_id=entry.track_id, duration_ms=entry.duration_ms, rank=key)
        for entry, key in zip(entries, keys, strict=True)
    )


def _check(entries: tuple[QueueEntry, ...], *, taken: set[str], room: int) -> None:
    if not entries:
        raise InvalidValue("name at least one track", field="entries")
    if len(entries) > room:
        raise QueueFull(f"a queue holds at most {MAX_QUEUE} items", max_items=MAX_QUEUE)
    ids = [entry.item_id for entry in entries]
    clashing = next((i for n, i in enumerate(ids) if i in taken or i in ids[:n]), None)
    if clashing is not None:
        raise DuplicateQueueItem("item id already used in this queue", item_id=clashing)
    for entry in entries:
        clean_text(entry.item_id, field="item_id", max_length=MAX_ID)
        clean_text(entry.track_id, field="track_id", max_length=MAX_ID)
        if entry.duration_ms < 0:
            raise InvalidValue("duration_ms must not be negative", field="duration_ms")


def _after_current(session: Session) -> tuple[str | None, str | None]:
    """Order keys around the slot right after the current item (the front when nothing plays)."""
    queue = session.queue
    if session.now is None:
        return None, queue[0].rank if queue else None
    current = index(queue, session.now.item_id)
    return queue[current].rank, queue[current + 1].rank if current + 1 < len(queue) else None


def _remove(session: Session, item_id: str, at: int) -> list[e.ListeningEvent]:
    index(session.queue, item_id)
    if session.now is None or session.now.item_id != item_id:
        return [e.ItemDequeued(item_id=item_id)]
    target = following(session, wrap=session.repeat is RepeatMode.ALL, without=item_id)
    closing = switch(session, None, at, session.now.device_id)
    started = [] if target is None else [start(session, target, session.now.device_id, at)]
    return [*closing, e.ItemDequeued(item_id=item_id), *started]


def _move(session: Session, command: c.MoveInQueue) -> list[e.ListeningEvent]:
    queue = session.queue
    at = index(queue, command.item_id)
    others = queue[:at] + queue[at + 1 :]
    if command.after_item_id is None:
        if at == 0:
            return []
        return [e.QueueItemMoved(item_id=command.item_id, rank=key_between(None, others[0].rank))]
    if command.after_item_id == command.item_id or (at > 0 and queue[at - 1].item_id == command.after_item_id):
        return []
    after = index(others, command.after_item_id)
    upper = others[after + 1].rank if after + 1 < len(others) else None
    return [e.QueueItemMoved(item_id=command.item_id, rank=key_between(others[after].rank, upper))]


def _play_collection(session: Session, command: c.PlayCollection, at: int) -> list[e.ListeningEvent]:
    entries = command.entries
    _check(entries, taken=set(), room=MAX_QUEUE)
    if not 0 <= command.start_index < len(entries):
        raise InvalidValue(f"start_index must be within 0..{len(entries) - 1}", field="start_index")
    chosen = entries[command.start_index]
    if session.shuffle:
        rest = [entry for n, entry in enumerate(entries) if n != command.start_index]
        entries = (chosen, *shuffled(rest, command.seed))
    fresh = Session(shuffle=session.shuffle, repeat=session.repeat, plays=session.plays, device_id=session.device_id)
    items = _queued(fresh, entries, None, None)
    first = next(i for i in items if i.item_id == chosen.item_id)
    replaced = e.QueueReplaced(
        items=items, original_order=tuple(entry.item_id for entry in command.entries), source=command.source
    )
    closing = switch(session, None, at, command.device_id) if session.now is not None else []
    return [*closing, replaced, start(session, first, command.device_id, at)]


def _shuffle(session: Session, command: c.SetShuffle) -> list[e.ListeningEvent]:
    if command.enabled == session.shuffle:
        return []
    queue = session.queue
    current = -1 if session.now is None else index(queue, session.now.item_id)
    upcoming = [i.item_id for i in queue[current + 1 :]]
    if command.enabled:
        order = shuffled(upcoming, command.seed)
    else:
        known = {item_id: n for n, item_id in enumerate(session.unshuffled)}
        order = sorted(upcoming, key=lambda item_id: known.get(item_id, len(known)))
    after = None if current < 0 else queue[current].rank
    return [
        e.ShuffleChanged(
            enabled=command.enabled, seed=command.seed if command.enabled else 0, ranks=reranked(order, after)
        )
    ]
