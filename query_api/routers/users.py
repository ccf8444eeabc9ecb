"""Profile reads."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from query_api.deps import CONSISTENT_RESPONSES, Consistent, ReadStoreDep, RequiredUser
from query_api.readers import users as reader
from query_api.schemas import Problem, UserPublic, from_millis
from tuneton.web.responses import UNAUTHORIZED

router = APIRouter(tags=["user queries"], dependencies=[Consistent], responses=CONSISTENT_RESPONSES)


@router.get("/v1/users/me", response_model=UserPublic, responses={404: {"model": Problem}, **UNAUTHORIZED})
async def me(store: ReadStoreDep, user: RequiredUser) -> UserPublic:
    """The caller's profile (404 until they registered)."""
    row = await reader.user(store, user)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not registered")
    return UserPublic(
        **{**row, "registered_at": from_millis(row["registered_at"]), "updated_at": from_millis(row["updated_at"])}
    )
