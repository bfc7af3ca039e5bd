"""The gas table of the figures (docs/figures.md) is the committed snapshot's, figure for figure (a
figure re-measured into snapshots/gas.json must not leave an older one in the docs), and so is the
README's headline."""

from __future__ import annotations

import json
import re

from tests.paths import ROOT

# the table's row label -> snapshots/gas.json key
ROWS = {
    "OpenZeppelin ERC20 `transfer` (reference)": "erc20_transfer",
    "`pay` with a 32-byte reference": "pay",
    "`pay` with a zero reference": "pay_zero_ref",
    "`payBatch`, per recipient (200 recipients)": "pay_batch_per_recipient",
    "`payBatch` of 200": "pay_batch_200",
    "`admit` (the vote checkpointed: see below)": "admit",
    "`migrate` (the vote moved to the new key)": "migrate",
    "`writeOff`": "write_off",
    "OpenZeppelin Governor `castVote` over ERC20Votes (reference)": "erc20votes_vote",
    "`castVote` of a member on the cooperative's governor": "vote",
    "a payment from a bonus allowance (`spend` at a local shop)": "allowance_pay",
    "a payment across two regions (`payAcross`, see Regions)": "pay_across",
}


def _gas_table() -> dict[str, str]:
    text = (ROOT / "docs" / "figures.md").read_text()
    section = text[text.index("## Gas (`make bench-gas`)") :]
    section = section[: section.index("\n## ")]
    return {m[1].strip(): m[2].strip() for m in re.finditer(r"^\| (.+?) \| (.+?) \|$", section, re.M)}


def test_the_gas_table_is_the_snapshot():
    snapshot = json.loads((ROOT / "snapshots" / "gas.json").read_text())
    table = _gas_table()
    for label, key in ROWS.items():
        assert table[label] == f"{snapshot[key]:,}", f"docs/figures.md's {label} is not snapshots/gas.json's {key}"
    ratio = snapshot["pay"] / snapshot["erc20_transfer"]
    assert table["**`gas_ratio_pay_vs_erc20`**"] == f"**{ratio:.3f}**"
    allowance_ratio = snapshot["allowance_pay"] / snapshot["pay"]
    assert table["**`gas_ratio_allowance_pay_vs_pay`**"] == f"**{allowance_ratio:.3f}**"
    across_ratio = snapshot["pay_across"] / snapshot["pay"]
    assert table["**`gas_ratio_cross_region_vs_pay`**"] == f"**{across_ratio:.3f}**"
    vote_ratio = snapshot["vote"] / snapshot["erc20votes_vote"]
    assert table["**`gas_ratio_vote_vs_erc20votes`**"] == f"**{vote_ratio:.3f}**"
    headline = (ROOT / "README.md").read_text()
    assert f"| gas of `pay` against an ERC-20 transfer (`make bench-gas`) | {ratio:.3f} |" in headline
