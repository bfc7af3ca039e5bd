"""The Besu QBFT production files, held to Besu's own formats and the vectors of its sources (Besu
cannot run here), and the accounts-allowlist kept from the index."""

from __future__ import annotations

import json
import subprocess
import tomllib

import rlp
from eth_account import Account
from eth_utils.address import to_checksum_address

from next_contracts import LEDGER, load_artifact
from next_node.chain import besu
from next_node.chain.besu import QbftExtra, decode_extra, encode_extra
from next_node.db.engine import make_engine
from tests.node.helpers import index_to_head
from tests.node.node_process import NODE
from tests.support.chain import call

# hyperledger/besu, consensus/qbft/src/test/.../QbftExtraDataCodecTest.java, RAW_HEX_ENCODING_STRING:
# vanity 0x01..0x20, validators 0x..01 and 0x..02, a vote to add 0x..01, round 0xFEDCBA, and two
# commit seals (r=1, s=10, v=0) and (r=10, s=1, v=0).
BESU_VECTOR = (
    "f8f0a00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20ea940000000000000000"
    "000000000000000000000001940000000000000000000000000000000000000002d7940000000000000000"
    "00000000000000000000000181ff83fedcbaf886b841000000000000000000000000000000000000000000"
    "0000000000000000000001000000000000000000000000000000000000000000000000000000000000000a"
    "00b841000000000000000000000000000000000000000000000000000000000000000a0000000000000000"
    "00000000000000000000000000000000000000000000000100"
)


def _seal(r: int, s: int, v: int) -> bytes:
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def _address(n: int) -> str:
    return to_checksum_address(n.to_bytes(20, "big"))


def test_the_extra_data_codec_matches_besus_vector():
    extra = QbftExtra(
        vanity=bytes(range(1, 33)),
        validators=(_address(1), _address(2)),
        vote=(_address(1), True),
        round=0xFEDCBA,
        seals=(_seal(1, 10, 0), _seal(10, 1, 0)),
    )
    assert encode_extra(extra).hex() == BESU_VECTOR
    assert decode_extra(bytes.fromhex(BESU_VECTOR)) == extra


def test_a_drop_vote_and_no_vote_are_written_as_besu_writes_them():
    drop = QbftExtra(bytes(32), (), (_address(1), False), 0, ())
    # Besu: a drop vote is [recipient, RLP null] (0x80); no vote is an empty list; round 0 is 0x80.
    assert rlp.decode(encode_extra(drop))[2] == [bytes.fromhex("00" * 19 + "01"), b""]
    assert encode_extra(drop).hex().endswith("d6940000000000000000000000000000000000000001" + "80" + "80c0")
    assert decode_extra(encode_extra(drop)) == drop
    none = QbftExtra(bytes(32), (), None, 0, ())
    assert encode_extra(none).hex().endswith("c0" + "c0" + "80" + "c0")


def test_a_round_with_a_leading_zero_is_refused_as_besu_refuses_it():
    raw = rlp.encode([bytes(32), [], [], b"\x00\xdc\xba", []])
    try:
        decode_extra(raw)
    except ValueError as error:
        assert "leading zero" in str(error)
    else:
        raise AssertionError("a round of 00dcba was read")


def test_besu_files_for_a_network_of_four(tmp_path):
    out = tmp_path / "besu"
    hosts = ["--hosts", "10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4"]
    nobody = subprocess.run([*NODE, "network", "besu", "--out", str(out), *hosts], capture_output=True, text=True)
    assert nobody.returncode == 1 and "give --allow ADDRESS" in nobody.stderr  # no sender: no ledger
    deployer = Account.create().address
    result = subprocess.run(
        [*NODE, "network", "besu", "--out", str(out), *hosts, "--allow", deployer], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    genesis = json.loads((out / "genesis.json").read_text())
    config = genesis["config"]
    assert config["londonBlock"] == 0 and "shanghaiTime" not in config and config["zeroBaseFee"] is True
    assert config["qbft"] == {"blockperiodseconds": 1, "epochlength": 30000, "requesttimeoutseconds": 4}
    assert genesis["mixHash"] == besu.BFT_MIX_HASH and genesis["baseFeePerGas"] == "0x0"
    extra = decode_extra(bytes.fromhex(genesis["extraData"][2:]))
    assert (extra.vanity, extra.vote, extra.round, extra.seals) == (bytes(32), None, 0, ())
    assert genesis["extraData"].endswith("c080c0")  # no vote, round 0, no seal: Besu's genesis form
    static = json.loads((out / "static-nodes.json").read_text())
    permissions = tomllib.loads((out / "permissions_config.toml").read_text())
    assert sorted(static) == permissions["nodes-allowlist"]
    addresses = []
    for i, host in enumerate(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]):
        home = out / f"validator-{i}"
        settings = tomllib.loads((home / "config.toml").read_text())
        assert settings["p2p-host"] == host and settings["p2p-port"] == 30303
        assert settings["rpc-http-host"] == "127.0.0.1" and settings["min-gas-price"] == 0
        assert settings["discovery-enabled"] is False and settings["sync-mode"] == "FULL"
        assert settings["permissions-accounts-config-file-enabled"] is True
        assert "Xdns-enabled" not in settings  # IP addresses: no DNS needed
        unit = (home / "besu.service").read_text()
        assert f"WorkingDirectory={home.resolve()}\n" in unit and "--config-file=config.toml" in unit
        assert (home / "key").stat().st_mode & 0o777 == 0o600
        key = bytes.fromhex((home / "key").read_text()[2:])
        address = Account.from_key(key).address
        addresses.append(address)
        # The node key is the validator key; the enode names its public key and host.
        from eth_keys.datatypes import PrivateKey

        assert f"enode://{PrivateKey(key).public_key.to_bytes().hex()}@{host}:30303" in static
    assert sorted(extra.validators, key=str.lower) == sorted(addresses, key=str.lower)
    # The deployer and the validators may send from the first block.
    assert sorted(permissions["accounts-allowlist"]) == sorted(a.lower() for a in [deployer, *addresses])
    named = tmp_path / "named"
    by_name = ["--hosts", "val-a.example.org,val-b.example.org", "--allow", deployer]
    written = subprocess.run([*NODE, "network", "besu", "--out", str(named), *by_name], capture_output=True)
    assert written.returncode == 0
    settings = tomllib.loads((named / "validator-0" / "config.toml").read_text())
    assert settings["Xdns-enabled"] is True and settings["Xdns-update-enabled"] is True  # names in enode URLs
    again = subprocess.run([*NODE, "network", "besu", "--out", str(out), "--hosts", "10.0.0.1"], capture_output=True,
                           text=True)  # fmt: skip
    assert again.returncode == 1 and "is not empty" in again.stderr


def test_the_allowlist_follows_the_membership_registry(chain, w3, deployment, operator, tmp_path):
    ledger = w3.eth.contract(deployment.ledger, abi=load_artifact(LEDGER).abi)
    alice, bob, carol, clerk = (Account.create() for _ in range(4))
    for member in (alice, bob, carol):
        call(w3, operator, ledger.functions.admit(member.address, 0, 1, b"\x01" * 32))
    call(w3, operator, ledger.functions.freeze(bob.address))
    call(w3, operator, ledger.functions.exclude(carol.address))
    registrar = ledger.functions.REGISTRAR_ROLE().call()
    call(w3, operator, ledger.functions.grantRole(registrar, clerk.address))
    database = f"sqlite:///{tmp_path / 'index.db'}"
    index_to_head(make_engine(database), w3, deployment)
    permissions = tmp_path / "permissions_config.toml"
    permissions.write_text('nodes-allowlist=["enode://ab@10.0.0.1:30303"]\naccounts-allowlist=["0xdead"]\n')
    run = [*NODE, "allowlist", "--database", database, "--permissions", str(permissions)]
    subprocess.run(run, check=True, capture_output=True)
    allowed = tomllib.loads(permissions.read_text())
    assert allowed["nodes-allowlist"] == ["enode://ab@10.0.0.1:30303"]
    assert (
        alice.address.lower() in allowed["accounts-allowlist"]
        and clerk.address.lower() in allowed["accounts-allowlist"]
    )
    assert operator.lower() in allowed["accounts-allowlist"]  # the operator holds every role here
    assert bob.address.lower() not in allowed["accounts-allowlist"]  # frozen
    assert carol.address.lower() not in allowed["accounts-allowlist"]  # excluded
    assert "0xdead" not in allowed["accounts-allowlist"]
    call(w3, operator, ledger.functions.revokeRole(registrar, clerk.address))
    index_to_head(make_engine(database), w3, deployment)
    subprocess.run(run, check=True, capture_output=True)
    assert clerk.address.lower() not in tomllib.loads(permissions.read_text())["accounts-allowlist"]


def test_the_allowlist_refuses_an_empty_index_a_bad_file_and_a_missing_folder(tmp_path):
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    permissions = tmp_path / "permissions_config.toml"
    permissions.write_text('nodes-allowlist=["enode://ab@10.0.0.1:30303"]\naccounts-allowlist=["0xdead"]\n')
    before = permissions.read_text()
    result = subprocess.run([*NODE, "allowlist", "--database", empty, "--permissions", str(permissions)],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 1 and "holds no ledger yet" in result.stderr
    assert permissions.read_text() == before  # an empty index never empties Besu's list
    missing = subprocess.run([*NODE, "allowlist", "--permissions", str(tmp_path / "nope" / "p.toml")],
                             capture_output=True, text=True)  # fmt: skip
    assert missing.returncode == 1 and "no directory" in missing.stderr and "Traceback" not in missing.stderr
    vote = subprocess.run([*NODE, "network", "vote", "--data-dir", str(tmp_path), "--add", "nonsense"],
                          capture_output=True, text=True)  # fmt: skip
    assert vote.returncode == 2 and "is not an address" in vote.stderr
