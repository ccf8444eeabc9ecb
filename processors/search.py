"""The search projector step: track events become index changes for the SearchIndex port.

Like :mod:`processors.projector`, but the destination is a search engine, not a read-store
transaction: there is no checkpoint table next to the documents. Instead every change carries its
event's stream version and the index applies it as an *external version* (Elasticsearch
``version_type=external``; a version column on SQLite), so a redelivered batch, a replay after a
crash, or a duplicate event is stale and changes nothing. The consumer commits its offsets only after
the index acknowledged the batch; an index failure is retried in place (:mod:`processors.sinks`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from processors.dlq import dead_letter
from projections.registry import IndexProjection
from tuneton.catalog_values import IndexChange, SearchDocument
from tuneton.domain.readmodel import EventMeta
from tuneton.events.codec import AvroCodec
from tuneton.ports import LogRecord, OutgoingRecord

log = logging.getLogger(__name__)
CurrentDocument = Callable[[str], Awaitable[SearchDocument | None]]


@dataclass(kw_only=True)
class PreparedChanges:
    """A batch ready to write: index changes in log order, and dead letters for the poison in it."""

    changes: list[IndexChange] = field(default_factory=list)
    dead_letters: list[OutgoingRecord] = field(default_factory=list)


class SearchStep:
    """Decodes track events and folds them into index changes; reads the index, never writes it."""

    def __init__(self, codec: AvroCodec, projection: IndexProjection) -> None:
        self._codec = codec
        self.projection = projection

    async def prepare(self, records: Sequence[LogRecord], current: CurrentDocument) -> PreparedChanges:
        """Changes for a batch. ``current`` reads a track's indexed document; changes earlier in the
        batch are seen by later events of the same track (the index has not seen them yet).

        Only a record's own faults (it does not decode, the projection refuses it) make it a dead
        letter. A failing ``current`` (the index is unreachable) propagates: the caller retries the
        whole batch, because the records are fine and must not be parked for the index's trouble.
        """
        prepared = PreparedChanges()
        documents: dict[str, SearchDocument | None] = {}
        for record in records:
            try:
                envelope = await self._codec.decode_event(record.topic, record.value)
            except Exception as error:  # noqa: BLE001 - undecodable: this record's fault
                self._park(prepared, record, error)
                continue
            track_id = envelope.aggregate_id
            if track_id not in documents:
                documents[track_id] = await current(track_id)  # outside the poison handling, on purpose
            meta = EventMeta(
                aggregate_id=track_id,
                aggregate_version=envelope.aggregate_version,
                occurred_at=envelope.occurred_at,
                actor_id=envelope.actor_id,
            )
            try:
                change = self.projection.project(documents[track_id], envelope.event, meta)
            except Exception as error:  # noqa: BLE001 - the pure projection refused it: this record's fault
                self._park(prepared, record, error)
                continue
            if change is not None:
                prepared.changes.append(change)
                documents[track_id] = change if isinstance(change, SearchDocument) else None
        return prepared

    def _park(self, prepared: PreparedChanges, record: LogRecord, error: Exception) -> None:
        log.warning("dead-lettering %s:%s@%s: %r", record.topic, record.partition, record.offset, error)
        prepared.dead_letters.append(dead_letter(self._codec, record, processor=self.projection.group, error=error))
