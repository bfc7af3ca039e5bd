"""A member's profile and the directory from the CLI, through the gateway alone: the member's own
key signs the lines the gateway checks, the gateway keeps them, the directory lists the business."""

from __future__ import annotations

import json

from next_wallet.errors import ExitStatus
from tests.wallet.conftest import admit
from tests.wallet.test_cli import PW, create
from tests.wallet.test_gateway_wallet import gateway_only


def test_a_business_writes_its_profile_and_the_directory_lists_it(wallet, w3, deployment, operator, gateway, tmp_path):
    shop = create(wallet, "shop")
    admit(w3, deployment, operator, shop, kind=1)
    gateway.refresh()
    gateway_only(wallet, tmp_path, gateway.url)
    profile = ("--name", "Boulangerie Dupont", "--town", "Versailles", "--categories", "Boulangerie, bio")
    unsigned = wallet("profile", "shop", *profile, *PW)
    assert unsigned.code == ExitStatus.NOT_SIGNED_IN and "next-wallet login shop" in unsigned.err
    assert wallet("login", "shop", *PW).code == 0
    written = wallet("--json", "profile", "shop", *profile, "--hours", "7h-19h", *PW)
    assert written.code == 0, written.err
    kept = json.loads(written.out)
    assert (kept["name"], kept["kind"]) == ("Boulangerie Dupont", "business")
    assert kept["categories"] == ["boulangerie", "bio"]  # as the gateway keeps them, and the key signed
    # What the gateway keeps is what the key signed: its lines, its signature.
    assert kept["message"].startswith("NExT profile\nAddress: ") and "Hours: 7h-19h" in kept["message"]
    shown = wallet("profile", "shop")
    assert shown.code == 0 and shown.out.startswith("Boulangerie Dupont — Versailles\nboulangerie, bio")
    listed = json.loads(wallet("--json", "directory", "--category", "boulangerie").out)["items"]
    assert [p["address"] for p in listed] == [shop]
    nothing = wallet("--lang", "fr", "directory", "--town", "Nulle-part")
    assert nothing.out.strip() == "aucune entreprise ni collectivité dans l'annuaire pour cette recherche"
    too_long = wallet("profile", "shop", "--name", "x" * 81, *PW)
    assert too_long.code == ExitStatus.GATEWAY_REFUSED and "422" in too_long.err
