// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Votes} from "@openzeppelin/contracts/governance/utils/Votes.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

import {IMembershipRegistry, MemberKind, MemberStatus} from "./IMembershipRegistry.sol";
import {PackedAccount, PackedAccountLibrary} from "./PackedAccount.sol";

/// @title The membership part of the ledger
/// @notice Membership lives in the same storage slot as the balance (see PackedAccount), so that a
/// payment checks both parties' status without reading anything more: this is why the registry is
/// a base of the ledger and not a contract of its own.
///
/// It is also the cooperative's voting roll (OpenZeppelin's Votes, IERC5805): one vote per active
/// member, checkpointed by timestamp, counted from admission with no delegation step. A member who is
/// frozen or excluded stops counting at that moment, and counts again when unfrozen; key recovery
/// carries the vote to the new key, never doubling it. System accounts (the cooperative's own
/// operating accounts) do not vote: they are run by its staff, whose say is their own membership.
/// Votes cannot be delegated: one member, one vote, cast by the member.
abstract contract MembershipRegistry is IMembershipRegistry, AccessControlDefaultAdminRules, Votes {
    /// @notice Admits members, freezes, unfreezes and excludes them, and migrates lost keys.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    /// @dev A one-field struct, so that the hook can hold a storage pointer and hash the key once.
    struct AccountSlot {
        PackedAccount packed;
    }

    mapping(address account => AccountSlot) private _accounts;
    mapping(address account => bytes32 kycHash) private _kycHashes;
    mapping(address account => address successor) private _successors;
    mapping(MemberKind kind => PackedAccount creditLine) private _defaultCreditLines;
    uint256 private _memberCount;

    /// @inheritdoc IMembershipRegistry
    function admit(address account, MemberKind kind, uint16 region, bytes32 kycHash) external onlyRole(REGISTRAR_ROLE) {
        if (kind == MemberKind.Council) revert MembershipCouncilByVote(account);
        _admit(account, kind, region, kycHash);
    }

    /// @dev Admits `account`, the caller's right checked: by a registrar, or by a vote for a council.
    function _admit(address account, MemberKind kind, uint16 region, bytes32 kycHash) internal {
        _requireAdmissible(account);
        PackedAccount line = _defaultCreditLines[kind];
        _accounts[account].packed = PackedAccountLibrary.pack(
            0,
            line.creditLimit(),
            line.ceiling(),
            MemberStatus.Active,
            kind,
            region
        );
        _kycHashes[account] = kycHash;
        unchecked {
            // Bounded by the number of transactions ever sent.
            ++_memberCount;
        }
        emit MemberAdmitted(account, kind, region, kycHash, line.creditLimit(), line.ceiling());
        if (kind != MemberKind.System) {
            _transferVotingUnits(address(0), account, 1);
        }
    }

    /// @inheritdoc IMembershipRegistry
    function freeze(address account) external onlyRole(REGISTRAR_ROLE) {
        _changeStatus(account, MemberStatus.Active, MemberStatus.Frozen);
    }

    /// @inheritdoc IMembershipRegistry
    function unfreeze(address account) external onlyRole(REGISTRAR_ROLE) {
        _changeStatus(account, MemberStatus.Frozen, MemberStatus.Active);
    }

    /// @inheritdoc IMembershipRegistry
    function exclude(address account) external onlyRole(REGISTRAR_ROLE) {
        MemberStatus status = _accounts[account].packed.status();
        // Active and frozen members can be excluded; `_changeStatus` names any other status.
        MemberStatus expected = status == MemberStatus.Frozen ? MemberStatus.Frozen : MemberStatus.Active;
        _changeStatus(account, expected, MemberStatus.Excluded);
    }

    /// @inheritdoc IMembershipRegistry
    function migrate(address from, address to) external onlyRole(REGISTRAR_ROLE) {
        PackedAccount old = _accounts[from].packed;
        MemberStatus status = old.status();
        if (status != MemberStatus.Active && status != MemberStatus.Frozen) {
            revert MembershipInvalidStatus(from, status);
        }
        _requireAdmissible(to);

        // The balance moves through the movement hook, so that replaying `Transferred` events
        // alone rebuilds every balance; a debt moves as a payment from the new key to the old one.
        int256 balance = old.balance();
        if (balance > 0) {
            _move(from, to, uint256(balance), bytes32(0), false);
        } else if (balance < 0) {
            _move(to, from, uint256(-balance), bytes32(0), false);
        }

        // Everything but the balance moves here; the hook left `from` at 0 and `to` at `balance`.
        _accounts[to].packed = old;
        _accounts[from].packed = PackedAccountLibrary.pack(0, 0, 0, MemberStatus.Migrated, old.kind(), old.region());
        _kycHashes[to] = _kycHashes[from];
        _successors[from] = to;
        emit AccountMigrated(from, to);
        if (status == MemberStatus.Active && old.kind() != MemberKind.System) {
            _transferVotingUnits(from, to, 1); // the same vote, on the new key; the total unchanged
        }
        _migrated(from, to);
    }

    /// @inheritdoc IMembershipRegistry
    function kycHashOf(address account) external view returns (bytes32) {
        return _kycHashes[account];
    }

    /// @inheritdoc IMembershipRegistry
    function successorOf(address account) external view returns (address) {
        return _successors[account];
    }

    /// @inheritdoc IMembershipRegistry
    function memberCount() external view returns (uint256) {
        return _memberCount;
    }

    /// @notice The votes are counted by timestamp (IERC6372), as the governor's proposals are timed.
    /// @return The current block's timestamp.
    function clock() public view override returns (uint48) {
        return Time.timestamp();
    }

    // solhint-disable func-name-mixedcase
    /// @notice The clock's mode, as IERC6372 describes it.
    /// @return "mode=timestamp".
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }
    // solhint-enable func-name-mixedcase

    /// @notice Every member's vote is its own: the delegate of an account is the account itself.
    /// @param account Any address.
    /// @return `account`.
    function delegates(address account) public pure override returns (address) {
        return account;
    }

    /// @notice Refused: votes are not delegated (one member, one vote, cast by the member).
    function delegate(address) public override {
        revert MembershipVotesNotDelegable();
    }

    /// @notice Refused: votes are not delegated (one member, one vote, cast by the member).
    function delegateBySig(address, uint256, uint256, uint8, bytes32, bytes32) public override {
        revert MembershipVotesNotDelegable();
    }

    /// @dev One unit for an active member that is not a system account (Votes asks it only when a
    /// delegation changes, which never happens here; kept true to the rule all the same).
    function _getVotingUnits(address account) internal view override returns (uint256) {
        PackedAccount packed = _accounts[account].packed;
        return packed.status() == MemberStatus.Active && packed.kind() != MemberKind.System ? 1 : 0;
    }

    /// @dev Moves `amount` from `from` to `to`; a payment (`isPayment`) also pays its fee to the
    /// reserve and must follow the rules of payment. The ledger implements it; it is the only place
    /// where balances change.
    function _move(address from, address to, uint256 amount, bytes32 ref, bool isPayment) internal virtual;

    /// @dev Called at the end of a key migration, for what other parts keep by key.
    function _migrated(address from, address to) internal virtual;

    function _account(address account) internal view returns (PackedAccount) {
        return _accounts[account].packed;
    }

    function _accountSlot(address account) internal view returns (AccountSlot storage) {
        return _accounts[account];
    }

    function _defaultCreditLine(MemberKind kind) internal view returns (PackedAccount) {
        return _defaultCreditLines[kind];
    }

    function _setDefaultCreditLine(MemberKind kind, uint256 creditLimit, uint256 ceiling) internal {
        _defaultCreditLines[kind] = PackedAccountLibrary.pack(0, creditLimit, ceiling, MemberStatus.None, kind, 0);
    }

    /// @dev The address that stands for the reserve; it can never be a member.
    function _reserveAccount() internal view virtual returns (address);

    function _requireAdmissible(address account) private view {
        if (account == address(0) || account == _reserveAccount()) {
            revert MembershipInvalidAccount(account);
        }
        MemberStatus status = _accounts[account].packed.status();
        if (status != MemberStatus.None) {
            revert MembershipInvalidStatus(account, status);
        }
    }

    /// @dev An active member leaves for another region: `Moved`, its vote gone with it.
    function _leave(address account) internal {
        _changeStatus(account, MemberStatus.Active, MemberStatus.Moved);
    }

    /// @dev A member that moved away and comes back starts afresh: its old slot (balance 0) is cleared.
    function _forgetMoved(address account) internal {
        if (_accounts[account].packed.status() == MemberStatus.Moved) delete _accounts[account];
    }

    function _changeStatus(address account, MemberStatus expected, MemberStatus next) private {
        AccountSlot storage slot = _accounts[account];
        PackedAccount packed = slot.packed;
        MemberStatus status = packed.status();
        if (status != expected) {
            revert MembershipInvalidStatus(account, status);
        }
        slot.packed = packed.withStatus(next);
        emit MemberStatusChanged(account, status, next);
        if (packed.kind() != MemberKind.System) {
            if (status == MemberStatus.Active) {
                _transferVotingUnits(account, address(0), 1); // frozen or excluded: no vote from now
            } else if (next == MemberStatus.Active) {
                _transferVotingUnits(address(0), account, 1); // unfrozen: its vote back
            }
        }
    }
}
