"""The gateway's per-user rate-limit key: which user a request's credentials prove, asked by nginx.

nginx cannot verify an access token or Telegram initData (Debian's nginx has no njs), and a key it
reads from an unverified credential can be forged: a caller mints fresh garbage to spread over many
buckets, or copies another user's claim to drain theirs. So the gateway asks the app
(``auth_request``, cached per credential for a few seconds; infra/gateway/nginx.conf.template): this
route answers 204 with ``X-Tuneton-Rate-Key`` for a *verified* identity, and 204 without it for none
or an invalid one — those fall back to the per-IP limit, and the API itself answers them 401.

The key is a digest of the user id: it is the same for every token of one user, different for two
users, and neither names the user in nginx's cache files nor needs a header-safe user id. It is
never used to authorize anything: every route checks the credential itself.
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import Annotated

from fastapi import APIRouter, Header, status
from fastapi.responses import Response

from tuneton.auth.errors import AuthError
from tuneton.auth.http import AuthenticatorDep

RATE_KEY_HEADER = "X-Tuneton-Rate-Key"
IDENTITY_PATH = "/_gateway/identity"  # the gateway answers it 404 from outside (infra/gateway)

router = APIRouter()


def rate_key(user_id: str) -> str:
    """The bucket of ``user_id``: a fixed-length digest (header-safe, not the id itself)."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:32]


@router.get(IDENTITY_PATH, include_in_schema=False, status_code=status.HTTP_204_NO_CONTENT)
async def gateway_identity(
    authenticator: AuthenticatorDep,
    authorization: Annotated[str | None, Header()] = None,
    x_tuneton_user: Annotated[str | None, Header()] = None,
) -> Response:
    """204, with the caller's rate-limit key when their credentials are valid (never 401: see the module)."""
    headers: dict[str, str] = {}
    if authorization is not None or x_tuneton_user is not None:
        # Invalid credentials get no key: the per-IP limit applies, and the API answers the request 401.
        with contextlib.suppress(AuthError):
            headers[RATE_KEY_HEADER] = rate_key(authenticator.identify(authorization, x_tuneton_user))
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=headers)
