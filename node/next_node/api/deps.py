"""Request dependencies: a database session, and the node's context (deployment, chain)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session
from web3 import Web3

from next_contracts.deploy import Deployment


@dataclass(frozen=True)
class Context:
    engine: Engine
    deployment: Deployment
    w3: Web3


def get_context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


def get_session(context: Annotated[Context, Depends(get_context)]) -> Iterator[Session]:
    with Session(context.engine) as session:
        yield session


ContextDep = Annotated[Context, Depends(get_context)]
SessionDep = Annotated[Session, Depends(get_session)]
