"""Where the tests find the checkout: the sources, node_modules and the pinned compiler's wrapper.
The packages know no checkout; the tests, which run from one, do."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLC_BIN = ROOT / "scripts" / "solc" / "bin"
