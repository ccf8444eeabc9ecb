"""Profile commands for the calling user."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from commands.deps import CommandCall
from commands.dispatch import REJECTION_RESPONSES, dispatch
from commands.schemas import CommandAccepted, ProfilePatch, ProfileUpsert
from tuneton.domain.user import commands as c

router = APIRouter(prefix="/v1/users", tags=["user commands"], responses=REJECTION_RESPONSES)


@router.put("/me", response_model=CommandAccepted)
async def register_me(body: ProfileUpsert, call: CommandCall) -> CommandAccepted | JSONResponse:
    """Register the caller, or refresh their profile (no event when nothing changed)."""
    command = c.RegisterUser(
        user_id=call.user, display_name=body.display_name, username=body.username, language_code=body.language_code
    )
    return await dispatch(call, command, aggregate_id=call.user)


@router.patch("/me", response_model=CommandAccepted)
async def update_me(body: ProfilePatch, call: CommandCall) -> CommandAccepted | JSONResponse:
    """Change some profile fields."""
    command = c.UpdateProfile(
        user_id=call.user, display_name=body.display_name, username=body.username, language_code=body.language_code
    )
    return await dispatch(call, command, aggregate_id=call.user)
