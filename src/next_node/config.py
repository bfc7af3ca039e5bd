"""The gateway's settings, from the environment (NEXT_*) or the command line."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEXT_")

    data_dir: Path = Path("data")
    rpc_url: str = "http://127.0.0.1:8545"
    database_url: str | None = None  # default: SQLite in the data directory
    deployment_file: Path | None = None  # default: deployment.json in the data directory
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    batch_blocks: int = 2_000
    confirmations: int = 0
    # Comma-separated IPs or CIDRs of the reverse proxies in front of the API, whose X-Forwarded-For
    # names the client for the rate limits; empty: the TCP peer is the client, the header is ignored.
    trusted_proxies: str = ""
    # The rate limits, per IP and per address, in the `limits` notation ("120/minute").
    login_rate: str = "20/minute"
    relay_rate: str = "120/minute"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'index.db').resolve()}"

    @property
    def deployment_path(self) -> Path:
        return self.deployment_file or self.data_dir / "deployment.json"
