"""The gateway's FastAPI application. OpenAPI docs at /docs and /redoc, served offline (docs.py);
every request body bounded before it is parsed (bodylimit.py)."""

from __future__ import annotations

import weakref
from typing import Any

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from web3 import Web3

from next_contracts.deploy import Deployment
from next_node.api import (
    accounts,
    allowances,
    audit_routes,
    auth,
    bonus_runs,
    chain,
    commons,
    economy,
    governance,
    payments,
    profiles,
    projects,
    proposal_drafts,
    receipts,
    references,
    regions,
    relay,
    stats,
    wallet_rpc,
)
from next_node.api.batch_check import router as batch_check_router
from next_node.api.batch_file import router as batch_file_router
from next_node.api.bodylimit import BodyLimit
from next_node.api.deps import Context
from next_node.api.docs import install_docs
from next_node.api.errors import SafeJSONResponse, install_error_handlers
from next_node.api.metrics import install_metrics
from next_node.api.metrics import router as metrics_router
from next_node.api.principals import PrincipalCache
from next_node.api.ratelimit import new_limiter
from next_node.api.tokens import AuthSettings
from next_node.api.webapp import install_webapp
from next_node.chain.watch import AsyncChainClient, ChainWatch
from next_node.db.shared import Nonces
from next_node.indexer.supervisor import IndexStatus


def bare_app() -> FastAPI:
    """The app's frame: its description, and how it answers."""
    return FastAPI(
        title="NExT gateway",
        version="0.1.0",
        description="The community currency's ledger, indexed: accounts, transfers, members, public "
        "figures, and a relay for members' signed transactions. Amounts are in hundredths of a unit. "
        "A member signs in with Sign-In with Ethereum (GET /auth/nonce, POST /auth/login) and sees its "
        "own account; registrars, the credit committee and auditors see every account; the public "
        "sees aggregates (next_node/api/access.py).",
        docs_url=None,
        redoc_url=None,
        default_response_class=SafeJSONResponse,
    )


def include_routes(app: FastAPI) -> None:
    """Every route of the API."""
    routers = (auth.router, accounts.router, stats.router, economy.router, chain.router, payments.router)
    for router in (
        *routers,
        governance.router,
        proposal_drafts.router,
        projects.router,
        allowances.router,
        bonus_runs.router,
        commons.router,
        regions.router,
        receipts.router,
        profiles.router,
        references.router,
        audit_routes.router,
    ):
        app.include_router(router)
    app.include_router(batch_check_router)
    app.include_router(batch_file_router)
    app.include_router(relay.router)
    app.include_router(wallet_rpc.router)
    app.include_router(metrics_router)


def openapi_schema() -> dict[str, Any]:
    """The API's OpenAPI schema without a chain or a database: what the web app's types are
    generated from (scripts/webapp_types.py); a test holds it equal to the served one."""
    app = bare_app()
    include_routes(app)
    return app.openapi()


def create_app(
    engine: Engine,
    deployment: Deployment,
    w3: Web3,
    auth_settings: AuthSettings | None = None,
    index_status: IndexStatus | None = None,
) -> FastAPI:
    """The app; `index_status` is the state of an indexer in the same process (`next-node up`),
    which /health reports (without it, /health compares the index's cursor with the chain)."""
    app = bare_app()
    # The API's chain calls are bounded by a watch of the chain: a short timeout, no retries, and
    # none at all while the chain does not answer (chain/watch.py); /health reads the watch.
    watch = ChainWatch(w3.provider.endpoint_uri).start()  # type: ignore[attr-defined]
    weakref.finalize(app, watch.stop)
    app.state.chain_watch = watch
    app.state.context = Context(
        engine=engine,
        deployment=deployment,
        w3=watch.client(),
        auth=auth_settings or AuthSettings(),
        nonces=Nonces(engine),  # in the database: shared by the gateway processes on it
        principals=PrincipalCache(),
        chain=AsyncChainClient(watch),
    )
    app.state.limiter = new_limiter(engine)
    app.state.index_status = index_status
    include_routes(app)
    install_metrics(app)
    install_docs(app)
    install_webapp(app)
    app.add_middleware(BodyLimit)

    install_error_handlers(app)
    return app
