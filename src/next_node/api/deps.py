"""Request dependencies: a database session, and the node's context (deployment, chain)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session
from web3 import Web3

from next_contracts import LEDGER, load_artifact
from next_contracts.deploy import Deployment
from next_contracts.messages import language_of_header

if TYPE_CHECKING:
    from next_node.api.principals import PrincipalCache
    from next_node.api.tokens import AuthSettings
    from next_node.chain.watch import AsyncChainClient
    from next_node.db.shared import Nonces


@dataclass(frozen=True)
class Context:
    engine: Engine
    deployment: Deployment
    w3: Web3
    auth: AuthSettings
    nonces: Nonces
    principals: PrincipalCache
    chain: AsyncChainClient  # the async JSON-RPC client of routes on the event loop (the relay)
    ledger: Any = field(init=False)  # web3's contract object for the ledger

    def __post_init__(self) -> None:
        ledger = self.w3.eth.contract(Web3.to_checksum_address(self.deployment.ledger), abi=load_artifact(LEDGER).abi)
        object.__setattr__(self, "ledger", ledger)


async def get_context(request: Request) -> Context:  # async: no worker thread just to read it
    context: Context = request.app.state.context
    return context


def get_session(context: Annotated[Context, Depends(get_context)]) -> Iterator[Session]:
    with Session(context.engine) as session:
        yield session


ContextDep = Annotated[Context, Depends(get_context)]
SessionDep = Annotated[Session, Depends(get_session)]


def language(request: Request) -> str:
    """The language a client reads, of those the gateway speaks (its Accept-Language, in order of
    preference; English by default): what a refusal's sentence is said in."""
    return language_of_header(request.headers.get("accept-language"))


LanguageDep = Annotated[str, Depends(language)]
