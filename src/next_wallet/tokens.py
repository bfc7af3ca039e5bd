"""Gateway access tokens, one file per address in the wallet's home, readable by its owner only."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from next_contracts.login import Session
from next_wallet.config import home


def _path(address: str) -> Path:
    return home() / "tokens" / f"{address.lower()}.json"


def save(session: Session, gateway_url: str) -> Path:
    path = _path(session.address)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Created 0600 before anything is written: the token is never readable by others, even briefly.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump({"token": session.token, "expires_at": session.expires_at, "gateway": gateway_url}, file)
    os.chmod(path, 0o600)  # an older file keeps its mode through O_TRUNC
    return path


def load(address: str, gateway_url: str) -> str | None:
    """The address's token for this gateway, unless missing or expired."""
    try:
        data = json.loads(_path(address).read_text())
    except (OSError, ValueError):
        return None
    expires = datetime.fromisoformat(str(data.get("expires_at", "")).replace("Z", "+00:00"))
    if data.get("gateway") != gateway_url or expires <= datetime.now(UTC):
        return None
    return str(data["token"])
