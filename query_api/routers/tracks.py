"""Track reads: one track by id, browsing (by artist, by album, recently added), and search.

Visibility: a private track exists only for its uploader; unlisted tracks are readable by id but
never listed; public ones are listed and found by everybody. Search hits come from the search index
(eventually consistent with the events); by-id and browse from the tracks read model, which honours
``?consistency=`` tokens.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, status

from query_api.deps import CONSISTENT_RESPONSES, Consistent, Limit, Offset, OptionalUser, ReadStoreDep, SearchIndexDep
from query_api.media_links import MediaLinksDep
from query_api.readers import tracks as reader
from query_api.schemas import Problem, SearchResults, TrackPublic, TracksPublic
from query_api.track_views import readable, search_hit_public, track_public
from tuneton.auth.errors import AuthError
from tuneton.catalog_values import MAX_SEARCH_LIMIT, MAX_SEARCH_WINDOW, SearchQuery
from tuneton.web.responses import UNAUTHORIZED, unprocessable

router = APIRouter(tags=["track queries"])
TrackId = Annotated[str, Path(min_length=1, max_length=128)]
Filter = Annotated[str | None, Query(min_length=1, max_length=1024)]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such track."},
    **CONSISTENT_RESPONSES,
}


@router.get("/v1/tracks/{track_id}", response_model=TrackPublic, responses=_NOT_FOUND, dependencies=[Consistent])
async def get_track(track_id: TrackId, store: ReadStoreDep, user: OptionalUser, links: MediaLinksDep) -> TrackPublic:
    """One track: metadata, duration, cover URLs per size, renditions and the original."""
    row = await reader.track(store, track_id)
    if not readable(row, user):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such track")
    assert row is not None
    return track_public(row, links)


@router.get(
    "/v1/tracks",
    response_model=TracksPublic,
    dependencies=[Consistent],
    responses={**CONSISTENT_RESPONSES, **UNAUTHORIZED},
)
async def browse_tracks(
    store: ReadStoreDep,
    user: OptionalUser,
    links: MediaLinksDep,
    artist: Filter = None,
    album: Filter = None,
    mine: Annotated[bool, Query(description="Only the caller's uploads (any visibility).")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> TracksPublic:
    """Browse: an album in disc/track order, an artist's tracks by album, or the newest first.

    ``artist``/``album`` compare normalised names ("ac/dc" browses "AC/DC"); both may be combined.
    """
    if mine and user is None:
        raise AuthError("missing_credentials", "mine=true needs a signed-in caller")
    rows, total = await reader.browse(
        store, viewer=user, artist=artist, album=album, mine=mine, limit=limit, offset=offset
    )
    return TracksPublic(data=[track_public(row, links) for row in rows], count=total)


@router.get("/v1/search", response_model=SearchResults, responses={422: unprocessable()})
async def search_tracks(
    index: SearchIndexDep,
    store: ReadStoreDep,
    user: OptionalUser,
    links: MediaLinksDep,
    q: Annotated[str, Query(max_length=200, description="As-you-type text; empty lists by title.")] = "",
    artist: Filter = None,
    album: Filter = None,
    genre: Filter = None,
    year_from: Annotated[int | None, Query(ge=0, le=9999)] = None,
    year_to: Annotated[int | None, Query(ge=0, le=9999)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_SEARCH_WINDOW - 1)] = 0,
) -> SearchResults:
    """Search titles, artists and albums in any script, with typo tolerance, filters and highlights."""
    if offset + limit > MAX_SEARCH_WINDOW:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"offset + limit must not exceed {MAX_SEARCH_WINDOW}"
        )
    query = SearchQuery(
        text=q,
        artist=artist,
        album=album,
        genre=genre,
        year_from=year_from,
        year_to=year_to,
        viewer_id=user,
        offset=offset,
        limit=limit,
    )
    page = await index.search(query)
    rows = await reader.tracks_by_id(store, [hit.document.track_id for hit in page.hits])
    hits = [search_hit_public(hit, rows.get(hit.document.track_id), links) for hit in page.hits]
    return SearchResults(total=page.total, total_exact=page.total_exact, data=hits)
