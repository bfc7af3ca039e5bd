// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IMembershipRegistry, MemberKind, MemberStatus} from "./IMembershipRegistry.sol";
import {PackedAccount, PackedAccountLibrary} from "./PackedAccount.sol";

/// @title The membership part of the ledger
/// @notice Membership lives in the same storage slot as the balance (see PackedAccount), so that a
/// payment checks both parties' status without reading anything more: this is why the registry is
/// a base of the ledger and not a contract of its own.
abstract contract MembershipRegistry is IMembershipRegistry, AccessControl {
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

    /// @dev Moves `amount` from `from` to `to`; a payment (`isPayment`) also pays its fee to the
    /// reserve and must follow the rules of payment. The ledger implements it; it is the only place
    /// where balances change.
    function _move(address from, address to, uint256 amount, bytes32 ref, bool isPayment) internal virtual;

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

    function _changeStatus(address account, MemberStatus expected, MemberStatus next) private {
        AccountSlot storage slot = _accounts[account];
        PackedAccount packed = slot.packed;
        MemberStatus status = packed.status();
        if (status != expected) {
            revert MembershipInvalidStatus(account, status);
        }
        slot.packed = packed.withStatus(next);
        emit MemberStatusChanged(account, status, next);
    }
}
