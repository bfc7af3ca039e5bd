"""The lines a member signs for its profile (EIP-191, as the sign-in): the gateway rebuilds them to
check the signature and keeps them with it, so that no operator can put a name in a member's
mouth. The wallet signs the same lines (`next-wallet profile`), the web app too (webapp/src/views/people.js)."""

from __future__ import annotations

from collections.abc import Sequence

from eth_utils.address import to_checksum_address


def categories_of(words: Sequence[str]) -> list[str]:
    """Categories as they are kept and signed: trimmed, lower case, each once, in order."""
    return list(dict.fromkeys(word.strip().lower() for word in words))


def profile_message(
    address: str,
    chain_id: int,
    *,
    name: str,
    town: str,
    categories: Sequence[str],
    description: str,
    hours: str,
    public: bool,
    signed_at: int,
) -> str:
    return "\n".join(
        [
            "NExT profile",
            f"Address: {to_checksum_address(address)}",
            f"Chain ID: {chain_id}",
            f"Name: {name}",
            f"Town: {town}",
            f"Categories: {', '.join(categories)}",
            f"Description: {description}",
            f"Hours: {hours}",
            f"Public: {'yes' if public else 'no'}",
            f"Signed at: {signed_at}",
        ]
    )
