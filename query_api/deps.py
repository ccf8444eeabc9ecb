"""Dependencies of the query API (identity comes from ``tuneton.auth.http``, shared with the command API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request, status

from query_api.consistency import ReadModelBehind, wait_for
from tuneton.auth.http import CurrentUser, OptionalUser
from tuneton.events.consistency import BadConsistencyToken, ConsistencyToken
from tuneton.ports import BlobStore, ReadStore, SearchIndex
from tuneton.web.responses import BAD_CONSISTENCY, Responses

__all__ = [
    "BlobStoreDep", "Consistent", "CurrentUser", "ItemsLimit", "Limit", "Offset", "OptionalUser", "ReadStoreDep",
    "RequiredUser", "SearchIndexDep",
]  # fmt: skip


async def get_read_store(request: Request) -> ReadStore:
    """The process's read store (created by the composition root)."""
    store: ReadStore = request.app.state.read_store
    return store


async def get_blob_store(request: Request) -> BlobStore:
    """The blob store covers and audio are served from."""
    blobs: BlobStore = request.app.state.blob_store
    return blobs


async def get_search_index(request: Request) -> SearchIndex:
    """The track search index."""
    index: SearchIndex = request.app.state.search_index
    return index


async def consistent(
    request: Request,
    store: Annotated[ReadStore, Depends(get_read_store)],
    consistency: Annotated[
        str | None, Query(description="Consistency token from a command: wait until the read reflects it.")
    ] = None,
    x_consistency_token: Annotated[str | None, Header()] = None,
) -> None:
    """Wait (bounded) for the read model to reach the given token; 400 if bad, 503 if still behind."""
    raw = consistency or x_consistency_token
    if raw is None:
        return
    try:
        token = ConsistencyToken.decode(raw)
    except BadConsistencyToken as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    try:
        await wait_for(store, token, budget_s=request.app.state.settings.consistency_wait_s)
    except ReadModelBehind as behind:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(behind), headers={"Retry-After": "1"}) from None


ReadStoreDep = Annotated[ReadStore, Depends(get_read_store)]
BlobStoreDep = Annotated[BlobStore, Depends(get_blob_store)]
SearchIndexDep = Annotated[SearchIndex, Depends(get_search_index)]
RequiredUser = CurrentUser
Consistent = Depends(consistent)
CONSISTENT_RESPONSES: Responses = BAD_CONSISTENCY  # what ``Consistent`` may answer, for each route using it
# Far beyond any listing, and well inside every integer type the value meets on its way (SQLite's and
# PostgreSQL's 64-bit OFFSET, JavaScript's 2^53): an offset of 2^63 was a 500 (SQLite integer overflow).
MAX_OFFSET = 1_000_000_000
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
ItemsLimit = Annotated[int, Query(ge=1, le=10_000)]
