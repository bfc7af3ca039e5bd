"""`next-node`: the community-currency node.

next-node up [--demo]   the embedded node: chain, indexer and API on 127.0.0.1, until Ctrl-C
next-node network ...   a network of geth validators on this machine (network_commands.py)
next-node index         index a chain into the database (catch up, or --follow)
next-node serve         serve the API from an index another process keeps up to date
next-node allowlist     Besu's accounts-allowlist from the index
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import uvicorn
from eth_account import Account
from sqlalchemy.exc import OperationalError
from web3 import Web3

from next_contracts.deploy import DeployConfig, DeployError, Deployment
from next_contracts.errors import NextContractsError
from next_contracts.login import LoginError, login
from next_contracts.rpc import connect
from next_contracts.transact import sender_address
from next_node import demo, network_commands
from next_node.api.app import create_app
from next_node.api.ratelimit import parse_networks, parse_rate
from next_node.api.tokens import AuthSettings
from next_node.chain.embedded import CHAIN_ID, MNEMONIC_FILE, ChainSettings, EmbeddedChain, dev_mnemonic
from next_node.chain.failover import RpcFailover
from next_node.chain.guard import listen
from next_node.chain.network import NETWORK_CONFIRMATIONS, NetworkChain
from next_node.chain.signals import stop_signals_as_interrupt
from next_node.config import Settings
from next_node.db.engine import make_engine
from next_node.demo.bonuses import LAPSE_SECONDS, seed_bonuses
from next_node.demo.commons import finish_commons, seed_commons
from next_node.demo.governance import DEMO_GOVERNANCE, open_proposals
from next_node.demo.regions import RECORD as REGIONS_RECORD
from next_node.demo.regions import seed_regions
from next_node.deployment import ensure_deployed
from next_node.errors import ChainExitedError, ChainUnavailableError, ConfigError, ExitStatus, NodeError
from next_node.indexer.supervisor import IndexStatus, Supervisor
from next_node.indexer.sync import Indexer, IndexerSettings
from next_node.progress import catch_up

log = logging.getLogger("next_node")


def _common(
    parser: argparse.ArgumentParser, *, rpc: bool = True, data_dir: Path | None = None, confirmations: int | None = None
) -> None:
    defaults = Settings()
    data_dir = data_dir or defaults.data_dir
    confirmations = defaults.confirmations if confirmations is None else confirmations
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=data_dir,
        help=f"where the chain, deployment record and index live (default: ./{data_dir})",
    )
    parser.add_argument(
        "--database",
        default=defaults.database_url,
        help="SQLAlchemy URL of the index, e.g. postgresql+psycopg://user@host/db "
        "(default: SQLite at DATA_DIR/index.db)",
    )
    parser.add_argument(
        "--api-port",
        type=int,
        default=defaults.api_port,
        help=f"the API's port on 127.0.0.1 (default: {defaults.api_port})",
    )
    if rpc:
        parser.add_argument(
            "--rpc-url",
            default=defaults.rpc_url,
            help=f"the chain's JSON-RPC (default: {defaults.rpc_url}); several, comma-separated (the "
            "validators of a network): each call goes to the first that answers, the others when it is down",
        )
        parser.add_argument(
            "--deployment",
            type=Path,
            default=None,
            help="the deployment record (default: DATA_DIR/deployment.json)",
        )
    parser.add_argument(
        "--batch-blocks",
        type=int,
        default=defaults.batch_blocks,
        help=f"blocks per indexing batch and database transaction (default: {defaults.batch_blocks})",
    )
    parser.add_argument(
        "--confirmations",
        type=int,
        default=confirmations,
        help=f"blocks to stay behind the head (default: {confirmations}; "
        + ("clique replaces a block at the head now and then)" if confirmations else "final at once)"),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="next-node", description="The community-currency node.")
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser(
        "up",
        help="run the embedded node until Ctrl-C",
        description="Starts the embedded chain (one geth node sealing a clique chain, on 127.0.0.1 only), "
        "deploys the ledger on first start, indexes it and serves the API. A second run resumes the same "
        "chain and index.",
    )
    _common(up, rpc=False)
    up.add_argument("--rpc-port", type=int, default=8545, help="the chain's JSON-RPC port on 127.0.0.1 (default: 8545)")
    up.add_argument(
        "--chain-id",
        type=int,
        default=CHAIN_ID,
        help=f"the chain id of a new chain (default: {CHAIN_ID}, 'NXT' in ASCII)",
    )
    up.add_argument(
        "--block-time",
        type=int,
        default=1,
        help="seconds between blocks of a new chain; 0: a block as soon as a transaction waits (default: 1)",
    )
    _first_start(up)
    network_up = network_commands.add_parsers(commands)
    # Several clique signers replace blocks at the head now and then (one signer alone, or QBFT,
    # never does): the index stays behind the deepest reorganisation the partition test measures.
    _common(network_up, rpc=False, data_dir=network_commands.DEFAULT_DIR, confirmations=NETWORK_CONFIRMATIONS)
    _first_start(network_up)

    index = commands.add_parser(
        "index",
        help="index a chain into the database",
        description="Catches the index up with the chain, with a progress bar; "
        "with --follow, keeps following the head until Ctrl-C.",
    )
    _common(index)
    index.add_argument("--follow", action="store_true", help="keep following the head after catching up")

    serve = commands.add_parser(
        "serve",
        help="serve the API from an existing index",
        description="Serves the REST API (docs at /docs) from the index.",
    )
    _common(serve)

    allowlist = commands.add_parser(
        "allowlist",
        help="rewrite Besu's accounts-allowlist from the index (active members and role holders)",
        description="Besu's local permissioning must follow the membership registry: this rewrites the "
        "accounts-allowlist of a permissions_config.toml from the gateway's index (its nodes-allowlist "
        "is kept), whole, then renamed. Run it after each indexing (a timer), then "
        "perm_reloadPermissionsFromFile on each validator.",
    )
    allowlist.add_argument("--data-dir", type=Path, default=Settings().data_dir, help="the node's data directory")
    allowlist.add_argument("--database", default=Settings().database_url, help="the index (default: DATA_DIR/index.db)")
    allowlist.add_argument("--permissions", type=Path, required=True, help="Besu's permissions_config.toml")

    token = commands.add_parser(
        "dev-token",
        help="sign in to a running dev node's API as its operator, and print the token",
        description="Signs in (EIP-4361) to the API with the dev operator's key, the first of the data "
        "directory's dev mnemonic, which holds every staff role on a dev chain; prints the token for "
        "`curl -H 'Authorization: Bearer ...'`. A production deployment has no dev mnemonic.",
    )
    token.add_argument("--data-dir", type=Path, default=Settings().data_dir, help="the dev node's data directory")
    token.add_argument(
        "--api-port", type=int, help="the API's port on 127.0.0.1 (default: the one the node last served, else 8000)"
    )
    return parser


def _first_start(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--deploy-config",
        type=Path,
        help="TOML of roles and fee for the first deployment (default: every role to the first dev account)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="on a new chain, seed a small community: businesses and citizens in two regions, "
        "a council's bonus run, payments, a default written off",
    )


def _indexer_settings(args: argparse.Namespace) -> IndexerSettings:
    return IndexerSettings(batch_blocks=args.batch_blocks, confirmations=args.confirmations)


def _database(args: argparse.Namespace) -> str:
    return args.database or Settings(data_dir=args.data_dir).database


def _auth(args: argparse.Namespace) -> AuthSettings:
    """The domain members sign in to (NEXT_PUBLIC_DOMAIN, default this loopback address and port)
    and the token-signing key, kept in the data directory."""
    domain = os.environ.get("NEXT_PUBLIC_DOMAIN") or f"127.0.0.1:{args.api_port}"
    settings = Settings()
    try:  # the proxies whose X-Forwarded-For the rate limits believe; none by default
        proxies = parse_networks(settings.trusted_proxies)
    except ValueError as error:
        raise ConfigError(f"NEXT_TRUSTED_PROXIES: {error}") from error
    for name in ("login_rate", "relay_rate"):
        try:
            parse_rate(getattr(settings, name))
        except ValueError as error:
            raise ConfigError(f"NEXT_{name.upper()}: {error}") from error
    secret = AuthSettings.secret_from_file(args.data_dir / "auth.key")
    return AuthSettings(
        domain=domain,
        secret=secret,
        trusted_proxies=proxies,
        login_rate=settings.login_rate,
        relay_rate=settings.relay_rate,
    )


def _server(app: object, port: int) -> uvicorn.Server:
    # proxy_headers off: uvicorn would believe X-Forwarded-For from any local peer; the rate
    # limits read it themselves, from NEXT_TRUSTED_PROXIES only (api/ratelimit.py).
    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )
    return uvicorn.Server(config)


@contextlib.contextmanager
def _stops(server: uvicorn.Server) -> Iterator[None]:
    """Within the block, Ctrl-C (and SIGTERM and SIGHUP, which act as Ctrl-C) asks the server to
    stop, even before uvicorn has put its own handler in place: a KeyboardInterrupt raised there
    could land anywhere (once in a weakref callback, which swallowed it: the node ran on)."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        server.should_exit = True

    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _serve(server: uvicorn.Server, sock: socket.socket, stop_if: Callable[[], bool] | None = None) -> None:
    """Runs the API on `sock` (already listening) until Ctrl-C or SIGTERM, the normal way to stop
    (so not an error); `stop_if`, checked twice a second, ends it too (the embedded chain died)."""
    if stop_if is not None:

        def watch() -> None:
            while not server.should_exit:
                if stop_if():
                    server.should_exit = True
                time.sleep(0.5)

        threading.Thread(target=watch, name="stop-if", daemon=True).start()
    server.run(sockets=[sock])


def _deploy_config(path: Path | None) -> DeployConfig | None:
    if path is None:
        return None
    try:
        return DeployConfig.from_toml(path)
    except DeployError as error:  # unreadable, not TOML, or not a deploy config
        raise ConfigError(f"the deploy config {path} cannot be used: {error}") from error


def up(args: argparse.Namespace) -> int:
    settings = ChainSettings(args.data_dir, args.rpc_port, args.chain_id, args.block_time)
    return _run_node(EmbeddedChain(settings), args)


def _run_node(chain: EmbeddedChain | NetworkChain, args: argparse.Namespace) -> int:
    """The chain started, the ledger deployed (first start) or checked, indexed and served until
    Ctrl-C; `chain` is the embedded geth or a network's validators."""
    config = _deploy_config(args.deploy_config)
    auth = _auth(args)  # a bad setting is said before anything starts
    # The API's port is taken first: a port in use is said before the chain starts, and the
    # banner's address answers (connections wait in the backlog) from the moment it is printed.
    api_socket = listen("127.0.0.1", args.api_port)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    (args.data_dir / API_PORT_FILE).write_text(f"{args.api_port}\n")  # for dev-token, and any tool
    # SIGTERM and SIGHUP stop the node as Ctrl-C does: geth stopped cleanly.
    with contextlib.closing(api_socket), stop_signals_as_interrupt(), chain:
        w3 = chain.start()
        if args.demo and config is None:  # a demo votes in two minutes, not in a week
            config = DeployConfig.single_operator(sender_address(chain.operator), governance=DEMO_GOVERNANCE)
        deployment, fresh = ensure_deployed(w3, args.data_dir, chain.operator, config)
        if args.demo and fresh:
            print("seeding the demo community ...", flush=True)
            community = demo.seed(w3, deployment, chain.operator)
            commons_demo = seed_commons(w3, deployment, chain.operator, community)
            bonus_demo = seed_bonuses(w3, deployment, chain.operator, community)
            regions_demo = seed_regions(w3, deployment, chain.operator, community, args.data_dir)
            home = demo.keep_wallet(
                w3,
                deployment,
                chain.operator,
                community,
                args.data_dir / "wallet",
                rpc_url=chain.rpc_url,
                gateway_url=f"http://127.0.0.1:{args.api_port}",
                others={"attestor": commons_demo.attestors["association"]},
                other_regions=(regions_demo.deployment,),
            )
            rewards = finish_commons(w3, deployment, community, commons_demo)
            # Last: their two minutes of voting start when the node is about to say it is ready,
            # not before seeding the rest (which took 196 s on a loaded machine).
            proposals = open_proposals(w3, deployment, community)
            print(f"demo wallet: NEXT_WALLET_HOME={home} next-wallet list  (password {demo.DEMO_PASSWORD})")
            print(
                f"demo bonuses: the council issued runs {bonus_demo.runs[0]} (year-end, 90 days) and "
                f"{bonus_demo.runs[1]} (a festival pass lapsing in {LAPSE_SECONDS} s) to "
                f"{len(bonus_demo.staff)} staff, "
                f"{bonus_demo.spendings} spent them at local businesses: next-wallet allowances citizen; "
                f"next-wallet allowance-runs council. At the garage: {bonus_demo.refusal}"
            )
            print(
                f"demo commons: {len(commons_demo.claims)} claims attested by an association and the council's "
                f"service, {rewards} rewards paid, one contested: next-wallet claims citizen --address ADDRESS; "
                "next-wallet attest attestor ADDRESS environment --evidence FILE"
            )
            print(
                f"demo regions: region {regions_demo.deployment.region} (Val-d'Oise) is a ledger of its own, "
                f"{regions_demo.payments} payments crossed between it and region 1, and {regions_demo.mover} moved "
                f"there with its balance: next-wallet regions; record in {args.data_dir / REGIONS_RECORD}"
            )
            print(
                f"demo assembly: {len(proposals)} proposals open for {DEMO_GOVERNANCE.voting_period} s, "
                f"the members' votes carry the first and defeat the second: next-wallet proposals",
                flush=True,
            )
        engine = make_engine(_database(args))
        # No web3 retries: the supervisor retries the indexer's steps itself, with its back-off.
        indexer_w3 = connect(chain.node_url, trust_env=False, retries=False)
        indexer = Indexer(engine, indexer_w3, deployment, _indexer_settings(args))
        status = IndexStatus(args.confirmations)  # the supervised indexer's state, which /health reports
        if indexer.rebuild is not None:
            print(f"{indexer.rebuild} ...", flush=True)
            catch_up(indexer, status=status)
        # A chain killed with the machine may restart a few blocks behind what was indexed (geth
        # writes its head lazily), and clique replaces a block now and then: the index goes back
        # to the chain's blocks before serving.
        indexer.reconcile()
        stop = threading.Event()
        supervisor = Supervisor(indexer, status, wait=stop.wait)
        thread = threading.Thread(target=supervisor.run, args=(stop.is_set,), name="indexer", daemon=True)
        thread.start()
        app = create_app(engine, deployment, w3, auth, index_status=status)
        try:
            server = _server(app, args.api_port)
            with _stops(server):
                _banner(chain.rpc_url, w3, deployment, fresh, args)
                _serve(server, api_socket, stop_if=lambda: chain.exit_code() is not None)
        except KeyboardInterrupt:
            pass  # Ctrl-C before the server took over the signal: the same normal stop
        finally:
            stop.set()
            thread.join(timeout=30)
            # Before the chain stops: a poll of the chain after that would say, for nothing, that
            # it does not answer (2 stops in 4 of `network up` printed it).
            app.state.chain_watch.stop()
            if chain.exit_code() is None:
                print("stopping the chain ...", flush=True)
        if chain.exit_code() is not None:
            # A node serving a dead chain's index would answer stale data and fail every payment;
            # restarting geth here would hide the crash. Stop, and let the service manager (or the
            # person at `make run`) start the node again: geth resumes from its database.
            raise ChainExitedError(
                f"the chain (geth) exited with {chain.exit_code()} under the node (see {chain.log_file}); "
                "start the node again: it resumes the same chain"
            )
    return 0


def network(args: argparse.Namespace) -> int:
    if args.network_command == "up":
        return _run_node(NetworkChain(args.data_dir, args.follow), args)
    commands = {
        "init": network_commands.init,
        "add": network_commands.add,
        "vote": network_commands.vote,
        "besu": network_commands.besu_files,
        "start": network_commands.one_validator,
        "stop": network_commands.one_validator,
        "restart": network_commands.one_validator,
    }
    return commands[args.network_command](args)


def _banner(rpc_url: str, w3: Web3, deployment: Deployment, fresh: bool, args: argparse.Namespace) -> None:
    print(f"chain     {rpc_url}  (chain id {w3.eth.chain_id}; loopback only)")
    print(f"ledger    {deployment.ledger}  ({'deployed now' if fresh else 'resumed'})")
    print(f"api       http://127.0.0.1:{args.api_port}  (docs: http://127.0.0.1:{args.api_port}/docs)")
    print(f"web app   http://127.0.0.1:{args.api_port}/app/  (members sign in with their keystore, in the browser)")
    print(f"data      {args.data_dir.resolve()}")
    print("Ctrl-C stops the node.", flush=True)


def _chain_url(args: argparse.Namespace) -> str:
    """The JSON-RPC the command follows: the one URL given, or for several (a network's validators)
    a loopback failover in front of them (chain/failover.py), as `network up` has for its own."""
    urls = [url.strip() for url in args.rpc_url.split(",") if url.strip()]
    if len(urls) <= 1:
        return urls[0] if urls else str(args.rpc_url)
    failover = RpcFailover(urls)
    url = failover.start()
    print(f"chain     {url}  (following the first that answers of {', '.join(urls)})", file=sys.stderr, flush=True)
    return url


def _open(args: argparse.Namespace) -> tuple[Indexer, Deployment]:
    deployment = Deployment.read(args.deployment or args.data_dir / "deployment.json")
    w3 = connect(_chain_url(args))
    return Indexer(make_engine(_database(args)), w3, deployment, _indexer_settings(args)), deployment


def index(args: argparse.Namespace) -> int:
    indexer, _ = _open(args)
    if indexer.rebuild is not None:
        print(f"{indexer.rebuild} ...", file=sys.stderr, flush=True)
    events = catch_up(indexer, follow=args.follow)
    print(f"indexed up to block {indexer.cursor()[0]} ({events} events)")
    return 0


def serve(args: argparse.Namespace) -> int:
    deployment = Deployment.read(args.deployment or args.data_dir / "deployment.json")
    server = _server(
        create_app(make_engine(_database(args)), deployment, connect(_chain_url(args)), _auth(args)), args.api_port
    )
    with contextlib.closing(listen("127.0.0.1", args.api_port)) as sock, _stops(server):
        _serve(server, sock)
    return 0


def allowlist(args: argparse.Namespace) -> int:
    from next_node import allowlist as accounts

    if not args.permissions.parent.is_dir():  # said before the database is opened
        raise NodeError(f"no directory {args.permissions.parent} for the permissions file")
    count, nodes = accounts.update(make_engine(_database(args)), args.permissions)
    print(f"{args.permissions}: {count} accounts allowed, {nodes} nodes kept")
    return 0


API_PORT_FILE = "api-port"  # the port `up` serves the API on, in the data directory


def dev_token(args: argparse.Namespace) -> int:
    if not (args.data_dir / MNEMONIC_FILE).exists():
        raise NodeError(f"no dev mnemonic in {args.data_dir}: dev-token is for a dev node's data directory")
    Account.enable_unaudited_hdwallet_features()
    operator = Account.from_mnemonic(dev_mnemonic(args.data_dir))
    recorded = args.data_dir / API_PORT_FILE
    port = args.api_port or (int(recorded.read_text()) if recorded.is_file() else Settings().api_port)
    url = f"http://127.0.0.1:{port}"
    try:
        session = login(url, operator)
    except LoginError as error:
        if error.status is None:  # nothing answered: say what to do, not the HTTP library's words
            raise NodeError(f"no gateway answers at {url}: is the node running? (its port: --api-port)") from error
        raise NodeError(str(error)) from error
    print(session.token)
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        commands = {
            "up": up,
            "network": network,
            "index": index,
            "serve": serve,
            "allowlist": allowlist,
            "dev-token": dev_token,
        }
        return commands[args.command](args)
    except (NodeError, NextContractsError, FileNotFoundError) as error:
        # Every error of this package and of next_contracts (a failed deploy or sign-in) is one
        # line, never a traceback; the exit code says which kind.
        print(f"next-node: {error}", file=sys.stderr)
        return _exit_status(error)
    except OperationalError as error:  # the database cannot be opened or reached
        print(f"next-node: the database cannot be used: {error.orig}", file=sys.stderr)
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED


def _exit_status(error: Exception) -> ExitStatus:
    if isinstance(error, ConfigError):
        return ExitStatus.CONFIG
    if isinstance(error, ChainExitedError):
        return ExitStatus.CHAIN_EXITED
    if isinstance(error, ChainUnavailableError):
        return ExitStatus.CHAIN_UNAVAILABLE
    return ExitStatus.ERROR


if __name__ == "__main__":
    sys.exit(main())
