"""Turn a domain command into an envelope, submit it, and map the verdict onto HTTP."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastapi import status
from fastapi.responses import JSONResponse

from commands.schemas import CommandAccepted, Rejection, RetryLater
from tuneton.domain.errors import RejectionKind
from tuneton.events.consistency import ConsistencyToken
from tuneton.events.envelope import CommandEnvelope, CommandOutcome, OutcomeStatus
from tuneton.events.topics import aggregate_of_command
from tuneton.web.responses import UNAUTHORIZED, WITH_BODY, Responses, unprocessable

if TYPE_CHECKING:
    from commands.deps import Call  # deps -> ingest -> dispatch: a run-time import would be a cycle

_STATUS = {
    RejectionKind.INVALID.value: status.HTTP_422_UNPROCESSABLE_CONTENT,
    RejectionKind.CONFLICT.value: status.HTTP_409_CONFLICT,
    RejectionKind.FORBIDDEN.value: status.HTTP_403_FORBIDDEN,
    RejectionKind.NOT_FOUND.value: status.HTTP_404_NOT_FOUND,
}

REJECTION_RESPONSES: Responses = {
    **UNAUTHORIZED,
    **WITH_BODY,
    **{
        code: {"model": Rejection, "description": f"Rejected by the decider ({kind})."}
        for kind, code in _STATUS.items()
    },
    422: unprocessable(Rejection, "Rejected by the decider (invalid), or the request does not match the schema."),
}
REJECTION_RESPONSES[503] = {
    "model": RetryLater,
    "description": "The log did not take the command, or no verdict came, within the command timeout "
    "(broker trouble). Retry after `Retry-After` seconds with the same Idempotency-Key: the command is "
    "decided at most once and the retry gets its outcome.",
    "headers": {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}},
}


def now_ms() -> datetime:
    """Now, to the millisecond the wire format keeps (``timestamp-millis``): an envelope handed over in
    memory then equals its decoded record, and so do the events it causes (``DecodedEvents``)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def envelope_for(command: Any, *, aggregate_id: str, actor_id: str, command_id: str) -> CommandEnvelope:
    """The envelope that carries ``command`` to the decider, issued now, with a fresh correlation id."""
    return CommandEnvelope(
        command_id=command_id,
        aggregate_type=aggregate_of_command(command).name,
        aggregate_id=aggregate_id,
        actor_id=actor_id,
        issued_at=now_ms(),
        correlation_id=str(uuid.uuid4()),
        command=command,
    )


async def dispatch(
    call: Call, command: Any, *, aggregate_id: str, item_id: str | None = None
) -> CommandAccepted | JSONResponse:
    """Submit ``command`` as ``call.user`` under ``call.command_id``; the acceptance, or a JSON rejection."""
    envelope = envelope_for(command, aggregate_id=aggregate_id, actor_id=call.user, command_id=call.command_id)
    outcome = await call.bus.submit(envelope)  # no verdict in time: the 503 handlers in commands.errors answer
    return verdict(outcome, item_id=item_id)


def verdict(outcome: CommandOutcome, *, item_id: str | None = None) -> CommandAccepted | JSONResponse:
    """The HTTP answer for a decider outcome: the acceptance, or the rejection with its status code."""
    if outcome.status is OutcomeStatus.REJECTED:
        rejection = Rejection(
            reason=outcome.reason or "rejected",
            kind=outcome.kind or RejectionKind.CONFLICT.value,
            message=outcome.message or "",
            details=json.loads(outcome.details_json or "{}"),
            command_id=outcome.command_id,
        )
        return JSONResponse(rejection.model_dump(), status_code=_STATUS.get(rejection.kind, 409))
    token = ConsistencyToken(
        aggregate_type=outcome.aggregate_type, aggregate_id=outcome.aggregate_id, version=outcome.aggregate_version
    )
    return CommandAccepted(
        command_id=outcome.command_id,
        aggregate_id=outcome.aggregate_id,
        version=outcome.aggregate_version,
        events=outcome.event_count,
        consistency_token=token.encode(),
        item_id=item_id,
    )
