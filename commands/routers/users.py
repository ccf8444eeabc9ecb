"""Profile commands for the calling user."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from commands.deps import BusDep, CommandId, CurrentUser
from commands.dispatch import REJECTION_RESPONSES, dispatch
from commands.schemas import CommandAccepted, ProfilePatch, ProfileUpsert
from tuneton.domain.user import commands as c

router = APIRouter(prefix="/v1/users", tags=["user commands"], responses=REJECTION_RESPONSES)


@router.put("/me", response_model=CommandAccepted)
async def register_me(
    body: ProfileUpsert, bus: BusDep, user: CurrentUser, command_id: CommandId
) -> CommandAccepted | JSONResponse:
    """Register the caller, or refresh their profile (no event when nothing changed)."""
    command = c.RegisterUser(
        user_id=user, display_name=body.display_name, username=body.username, language_code=body.language_code
    )
    return await dispatch(bus, command, aggregate_id=user, actor_id=user, command_id=command_id)


@router.patch("/me", response_model=CommandAccepted)
async def update_me(
    body: ProfilePatch, bus: BusDep, user: CurrentUser, command_id: CommandId
) -> CommandAccepted | JSONResponse:
    """Change some profile fields."""
    command = c.UpdateProfile(
        user_id=user, display_name=body.display_name, username=body.username, language_code=body.language_code
    )
    return await dispatch(bus, command, aggregate_id=user, actor_id=user, command_id=command_id)
