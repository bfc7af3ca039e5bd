"""Production files for Hyperledger Besu validators (QBFT), from a network's layout.

Besu cannot run on this machine (it is on no registry reachable here), so these files follow
Besu's formats as its sources define them, and the tests hold them to the vectors of those sources:
- the genesis: London forks only (the contracts' EVM), `zeroBaseFee` (members hold no coin), the
  BFT mix hash, and QBFT's extraData, RLP([vanity, [validators], vote, round, [seals]]) with no
  vote, round 0 and no seal in block 0 (Besu's QbftExtraDataCodec);
- per validator a `config.toml` (loopback RPC, `min-gas-price=0`, full sync with every past state
  kept, no discovery, static peers) and its node key, which is also its validator key in QBFT;
- local permissioning, since Besu dropped the on-chain kind in 2025: `nodes-allowlist` (the
  validators) and `accounts-allowlist` (who may send transactions: active members and staff, from
  the gateway's index, `next-node allowlist`), in one `permissions_config.toml` that Besu reloads
  with `perm_reloadPermissionsFromFile`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rlp
from eth_utils.address import to_canonical_address, to_checksum_address

from next_node.chain.clique import GAS_LIMIT, LONDON_FORKS

VANITY = bytes(32)
# Besu's IBFT 2.0 and QBFT put this constant in mixHash ("Istanbul" BFT's magic).
BFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"
VOTE_ADD, VOTE_DROP = b"\xff", b""
EPOCH = 30_000
REQUEST_TIMEOUT_SECONDS = 4
PERMISSIONS_FILE = "permissions_config.toml"


@dataclass(frozen=True)
class QbftExtra:
    vanity: bytes
    validators: tuple[str, ...]
    vote: tuple[str, bool] | None  # (candidate, add) or none
    round: int
    seals: tuple[bytes, ...]  # 65 bytes each: r, s, recovery id


def encode_extra(extra: QbftExtra) -> bytes:
    """QBFT's extraData, as Besu's QbftExtraDataCodec writes it (the round as an integer scalar)."""
    vote: list[bytes] = (
        [] if extra.vote is None else [to_canonical_address(extra.vote[0]), VOTE_ADD if extra.vote[1] else VOTE_DROP]
    )
    return bytes(
        rlp.encode(
            [
                extra.vanity,
                [to_canonical_address(v) for v in extra.validators],
                vote,
                extra.round,
                list(extra.seals),
            ]
        )
    )


def decode_extra(data: bytes) -> QbftExtra:
    vanity, validators, vote, round_bytes, seals = rlp.decode(data)
    if len(vanity) != 32:
        raise ValueError(f"a vanity of {len(vanity)} bytes, not 32")
    if round_bytes[:1] == b"\x00":
        raise ValueError("the round has a leading zero byte (Besu reads an integer scalar)")
    candidate = None if not vote else (to_checksum_address(vote[0]), vote[1] == VOTE_ADD)
    return QbftExtra(
        vanity=vanity,
        validators=tuple(to_checksum_address(v) for v in validators),
        vote=candidate,
        round=int.from_bytes(round_bytes, "big"),
        seals=tuple(seals),
    )


def genesis(
    chain_id: int, validators: Sequence[str], *, block_period: int = 1, timestamp: int | None = None
) -> dict[str, Any]:
    """A QBFT genesis for Besu with the cooperative's settings (London, free gas)."""
    config: dict[str, Any] = {"chainId": chain_id, **dict.fromkeys(LONDON_FORKS, 0)}
    config["zeroBaseFee"] = True
    config["qbft"] = {
        "blockperiodseconds": block_period,
        "epochlength": EPOCH,
        "requesttimeoutseconds": REQUEST_TIMEOUT_SECONDS,
    }
    extra = QbftExtra(VANITY, tuple(sorted(validators, key=str.lower)), None, 0, ())
    return {
        "config": config,
        "nonce": "0x0",
        "timestamp": hex(int(time.time()) if timestamp is None else timestamp),
        "gasLimit": hex(GAS_LIMIT),
        "difficulty": "0x1",
        "mixHash": BFT_MIX_HASH,
        "coinbase": "0x" + "00" * 20,
        "baseFeePerGas": "0x0",
        "alloc": {},
        "extraData": "0x" + encode_extra(extra).hex(),
    }


@dataclass(frozen=True)
class BesuValidator:
    name: str
    node_key: bytes  # its identity on the peer network, and its validator key in QBFT
    address: str
    host: str
    p2p_port: int
    rpc_port: int
    enode: str


def config_toml(validator: BesuValidator, *, dns: bool = False) -> str:
    """One validator's Besu configuration. Its paths are relative to its own directory: Besu starts
    inside it (`cd validator-N && besu --config-file=config.toml`, or the unit `besu.service` beside
    it, whose WorkingDirectory it is). `dns`: some peer is named by a host name, which Besu takes in
    an enode URL only with DNS enabled (its Xdns options; an IP address needs none)."""
    settings: dict[str, object] = {
        "data-path": "data",
        "genesis-file": "../genesis.json",
        "node-private-key-file": "key",
        "p2p-host": validator.host,
        "p2p-port": validator.p2p_port,
        "discovery-enabled": False,  # peers come from static-nodes.json, all of them allowed
        "static-nodes-file": "../static-nodes.json",
        "rpc-http-enabled": True,
        "rpc-http-host": "127.0.0.1",  # the gateway runs beside it; nothing else reaches the RPC
        "rpc-http-port": validator.rpc_port,
        "rpc-http-api": ["ETH", "NET", "WEB3", "QBFT", "PERM"],
        "host-allowlist": ["localhost", "127.0.0.1"],
        "min-gas-price": 0,  # free gas: members hold no native coin
        "sync-mode": "FULL",
        "data-storage-format": "FOREST",  # every past state kept: an audit at any block
        "permissions-nodes-config-file-enabled": True,
        "permissions-accounts-config-file-enabled": True,
        "permissions-nodes-config-file": f"../{PERMISSIONS_FILE}",
        "permissions-accounts-config-file": f"../{PERMISSIONS_FILE}",
    }
    if dns:
        settings |= {"Xdns-enabled": True, "Xdns-update-enabled": True}
    return "".join(f"{key}={_toml(value)}\n" for key, value in settings.items())


def service_unit(validator: BesuValidator, directory: Path) -> str:
    """A systemd unit for one validator: Besu started inside its directory, restarted when it dies."""
    home = (directory / validator.name).resolve()
    return (
        "[Unit]\n"
        f"Description=NExT validator {validator.name} (Hyperledger Besu, QBFT)\n"
        "After=network-online.target\nWants=network-online.target\n\n"
        "[Service]\n"
        f"WorkingDirectory={home}\n"
        "ExecStart=/usr/bin/env besu --config-file=config.toml\n"
        "Restart=always\nRestartSec=5\nLimitNOFILE=65536\n\n"
        "[Install]\nWantedBy=multi-user.target\n"
    )


def is_ip_address(host: str) -> bool:
    from ipaddress import ip_address

    try:
        ip_address(host)
    except ValueError:
        return False
    return True


def permissions_toml(nodes: Iterable[str], accounts: Iterable[str]) -> str:
    """Besu's local permissioning file: who may peer, who may send transactions."""
    return (
        f"nodes-allowlist={_toml(sorted(nodes))}\naccounts-allowlist={_toml(sorted({a.lower() for a in accounts}))}\n"
    )


def write_permissions(path: Path, nodes: Iterable[str], accounts: Iterable[str]) -> None:
    """Written whole, then renamed over the old file: Besu never reads half of it."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(permissions_toml(nodes, accounts))
    os.replace(temporary, path)


def read_permissions(path: Path) -> tuple[list[str], list[str]]:
    import tomllib

    data = tomllib.loads(path.read_text())
    return list(data.get("nodes-allowlist", [])), list(data.get("accounts-allowlist", []))


def write_network(directory: Path, validators: Sequence[BesuValidator], chain_id: int, accounts: Iterable[str], *,
                  block_period: int = 1) -> None:  # fmt: skip
    """The whole network: genesis, static nodes, permissions, and a directory per validator."""
    directory.mkdir(parents=True, exist_ok=True)
    spec = genesis(chain_id, [v.address for v in validators], block_period=block_period)
    (directory / "genesis.json").write_text(json.dumps(spec, indent=2) + "\n")
    enodes = [v.enode for v in validators]
    (directory / "static-nodes.json").write_text(json.dumps(enodes, indent=2) + "\n")
    # The validators' own addresses are allowed from the first block, beside `accounts` (the
    # deployer's, and the index's members when there is one): with none, Besu takes no sender and
    # the ledger could never be deployed.
    write_permissions(directory / PERMISSIONS_FILE, enodes, [*accounts, *(v.address for v in validators)])
    dns = not all(is_ip_address(v.host) for v in validators)
    for validator in validators:
        home = directory / validator.name
        home.mkdir(exist_ok=True)
        key = home / "key"
        key.touch(mode=0o600)
        key.write_text("0x" + validator.node_key.hex())
        (home / "config.toml").write_text(config_toml(validator, dns=dns))
        (home / "besu.service").write_text(service_unit(validator, directory))


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value))


def new_validators(hosts: Sequence[str], p2p_port: int = 30303, rpc_port: int = 8545) -> list[BesuValidator]:
    """A fresh key per validator, one per host (on one host, ports follow each other)."""
    from eth_keys.datatypes import PrivateKey

    from next_node.chain.geth import enode

    validators = []
    for i, host in enumerate(hosts):
        key = os.urandom(32)
        shift = i if hosts.count(host) > 1 else 0
        validators.append(
            BesuValidator(
                name=f"validator-{i}",
                node_key=key,
                address=PrivateKey(key).public_key.to_checksum_address(),
                host=host,
                p2p_port=p2p_port + shift,
                rpc_port=rpc_port + shift,
                enode=enode(key, p2p_port + shift, host),
            )
        )
    return validators
