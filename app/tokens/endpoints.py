from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.auth.dependencies import CurrentPerson, CurrentPrincipal
from app.kit.deps import DbSession
from app.tokens import service
from app.tokens.schemas import TokenCreate, TokenCreated, TokenList, TokenOut

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreated,
    operation_id="create_token",
)
async def create_token(
    body: TokenCreate, principal: CurrentPerson, session: DbSession
) -> TokenCreated:
    """Create an API token for the caller's enterprise. The secret is in this response only."""
    token, secret = await service.create(session, principal, body)
    return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=secret)


@router.get("", response_model=TokenList, operation_id="list_tokens")
async def list_tokens(principal: CurrentPrincipal, session: DbSession) -> TokenList:
    """The enterprise's tokens (never their secrets)."""
    tokens = await service.list_tokens(session, principal)
    return TokenList(items=[TokenOut.model_validate(t) for t in tokens])


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="revoke_token")
async def revoke_token(token_id: uuid.UUID, principal: CurrentPerson, session: DbSession) -> None:
    """Revoke a token: programs using it get 401 from the next request on."""
    await service.revoke(session, principal, token_id)
