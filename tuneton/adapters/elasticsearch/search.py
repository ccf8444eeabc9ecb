"""SearchIndex on Elasticsearch 8.x: one index, document id = track id, external versions.

Idempotency is Elasticsearch's own: every write carries ``version_type=external`` with the track
stream's version, so a redelivered or reordered event is rejected with a version conflict (reported
as "stale", not as an error). A removal is written as a tombstone document at its version rather
than deleted, because a deleted id forgets its version after ``index.gc_deletes`` (60 s) and a late
upsert would then bring the track back.

The mapping (``mapping.json`` next to this module) belongs to the adapter, not to the projection: it
is the adapter's vocabulary of fields, derived from port-level :class:`SearchDocument` s by
:func:`tuneton.media.search_text.analyse`. It uses only core field types and no analyzer, so it works
on the integ-test zip (no ``analysis-common``) and on any stock 8.x cluster alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

from elasticsearch import AsyncElasticsearch, BadRequestError, NotFoundError, TransportError

from tuneton.adapters.elasticsearch.query import document_body, search_body, tombstone_body
from tuneton.availability import StoreUnavailable
from tuneton.catalog_values import (
    IndexChange,
    SearchDocument,
    SearchHit,
    SearchPage,
    SearchQuery,
)
from tuneton.domain.errors import TuneTonError
from tuneton.media.search_match import document_highlights
from tuneton.media.search_text import ANALYSIS_VERSION, QueryTerm, query_terms
from tuneton.ports import SearchIndex


class SearchIndexError(TuneTonError):
    """Elasticsearch refused a write or runs an index built by other analysis rules."""


@contextmanager
def _reachable() -> Iterator[None]:
    """Transport failures (refused, reset, timed out) mean the cluster is away: StoreUnavailable."""
    try:
        yield
    except TransportError as error:
        raise StoreUnavailable("search index", repr(error)) from error


def mapping() -> dict[str, Any]:
    """Index settings and mapping, with the current analysis version in ``_meta``."""
    body: dict[str, Any] = json.loads(resources.files(__package__).joinpath("mapping.json").read_text())
    body["mappings"]["_meta"] = {"analysis_version": ANALYSIS_VERSION}
    return body


class ElasticsearchSearchIndex(SearchIndex):
    """Tracks in the Elasticsearch index ``index`` (created on :meth:`start`)."""

    def __init__(self, url: str, *, index: str = "tuneton-tracks", request_timeout_s: float = 10.0) -> None:
        self._url = url
        self._index = index
        self._timeout = request_timeout_s
        self._client: AsyncElasticsearch | None = None

    async def start(self, *, rebuilding: bool = False) -> None:
        """Connect; create the index, or check an existing one was built by the same analysis rules
        (when ``rebuilding``, one that was not is dropped and created anew)."""
        if self._client is None:
            self._client = AsyncElasticsearch(self._url, request_timeout=self._timeout)
        if not await self._es.indices.exists(index=self._index):
            await self._create()
            return
        found = await self._es.indices.get_mapping(index=self._index)
        meta = next(iter(found.body.values()))["mappings"].get("_meta", {})
        if meta.get("analysis_version") != ANALYSIS_VERSION:
            if rebuilding:
                await self.reset()
                return
            await self.close()
            raise SearchIndexError(
                f"index {self._index} was built with analysis version {meta.get('analysis_version')}, "
                f"this code uses {ANALYSIS_VERSION}: rebuild the search projection"
            )

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def write(self, changes: Sequence[IndexChange]) -> list[bool]:
        """One bulk request; version conflicts are stale changes, anything else is an error."""
        if not changes:
            return []
        operations: list[dict[str, Any]] = []
        for change in changes:
            header = {"_index": self._index, "_id": change.track_id, "version": change.version,
                      "version_type": "external"}  # fmt: skip
            body = document_body(change) if isinstance(change, SearchDocument) else tombstone_body(change.track_id)
            operations += [{"index": header}, body]
        with _reachable():
            response = await self._es.bulk(operations=operations)
        applied = []
        for item in response["items"]:
            result = item["index"]
            if result["status"] in (200, 201):
                applied.append(True)
            elif result["status"] == 409:
                applied.append(False)
            else:
                raise SearchIndexError(f"indexing {result['_id']} failed: {result.get('error')}")
        return applied

    async def get(self, track_id: str) -> SearchDocument | None:
        """Real-time GET by id (no refresh needed)."""
        try:
            with _reachable():
                found = await self._es.get(index=self._index, id=track_id)
        except NotFoundError:
            return None
        source = found["_source"]
        return None if source.get("removed") else _document(source, int(found["_version"]))

    async def search(self, query: SearchQuery) -> SearchPage:
        """Run the query; text that analyses to no term matches nothing (only empty text browses)."""
        terms = query_terms(query.text)
        if query.text.strip() and not terms:
            return SearchPage(total=0, hits=())
        with _reachable():
            response = await self._es.search(index=self._index, body=search_body(query, terms))
        hits = tuple(_hit(hit, terms) for hit in response["hits"]["hits"])
        total = response["hits"]["total"]  # counted up to track_total_hits, then relation "gte"
        return SearchPage(total=int(total["value"]), hits=hits, total_exact=total["relation"] == "eq")

    async def refresh(self) -> None:
        """Make every acknowledged write searchable now instead of within the refresh interval."""
        await self._es.indices.refresh(index=self._index)

    async def reset(self) -> None:
        """Drop and recreate the index: every document and every version is forgotten."""
        await self._es.indices.delete(index=self._index, ignore_unavailable=True)
        await self._create()

    async def _create(self) -> None:
        body = mapping()
        try:
            await self._es.indices.create(index=self._index, settings=body["settings"], mappings=body["mappings"])
        except BadRequestError as error:  # created concurrently by another process: fine
            if "resource_already_exists_exception" not in str(error):
                raise
        await self._es.cluster.health(index=self._index, wait_for_status="yellow", timeout="30s")

    @property
    def _es(self) -> AsyncElasticsearch:
        if self._client is None:
            raise SearchIndexError("ElasticsearchSearchIndex used before start()")
        return self._client


def _document(source: dict[str, Any], version: int) -> SearchDocument:
    return SearchDocument(
        track_id=source["track_id"],
        version=version,
        title=source["title"],
        artists=tuple(source.get("artists") or ()),
        album=source.get("album"),
        genre=source.get("genre"),
        year=source.get("year"),
        owner_id=source.get("owner_id"),
        public=bool(source.get("public", True)),
        duration_ms=source.get("duration_ms"),
    )


def _hit(hit: dict[str, Any], terms: list[QueryTerm]) -> SearchHit:
    document = _document(hit["_source"], int(hit["_version"]))
    return SearchHit(
        document=document, score=float(hit["_score"] or 0.0), highlights=document_highlights(document, terms)
    )
