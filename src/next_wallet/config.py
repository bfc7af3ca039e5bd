"""The wallet's home: a config file (where the node and gateway are, which chain to expect) and a
folder of keystores. $NEXT_WALLET_HOME, else ~/.next-wallet."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from eth_utils.address import to_checksum_address

from next_wallet.errors import WalletError


def home() -> Path:
    return Path(os.environ.get("NEXT_WALLET_HOME", Path.home() / ".next-wallet"))


@dataclass(frozen=True)
class Config:
    rpc_url: str | None  # None: everything goes through the gateway
    chain_id: int
    ledger: str
    gateway_url: str | None = None
    governor: str | None = None  # the ledger's governor, for the governance commands
    commons: str | None = None  # the commons rewards, for attestors and claims

    @classmethod
    def load(cls, path: Path | None = None) -> Config:
        path = path or home() / "config.toml"
        if not path.exists():
            raise WalletError.said("wallet.config.none", path=path)
        try:
            data = tomllib.loads(path.read_text())
            return cls(
                rpc_url=data.get("rpc_url") or None,
                chain_id=int(data["chain_id"]),
                ledger=to_checksum_address(data["ledger"]),
                gateway_url=data.get("gateway_url") or None,
                governor=to_checksum_address(data["governor"]) if data.get("governor") else None,
                commons=to_checksum_address(data["commons"]) if data.get("commons") else None,
            )
        except (KeyError, ValueError, tomllib.TOMLDecodeError) as error:
            raise WalletError.said("wallet.config.invalid", path=path, error=error) from error

    def save(self, path: Path | None = None) -> Path:
        path = path or home() / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lines = [f"{key} = {json.dumps(value)}" for key, value in asdict(self).items() if value is not None]
        path.write_text("\n".join(lines) + "\n")
        return path
