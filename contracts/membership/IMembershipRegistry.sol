// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice What a member is. Businesses and councils get larger credit lines than individuals;
/// system accounts are the cooperative's own operating accounts.
enum MemberKind {
    Individual,
    Business,
    Council,
    System
}

/// @notice Where a member stands. `None` is an address that was never admitted. `Migrated` is an
/// address whose account was moved to a new key by key recovery: it is disabled for good, and is
/// kept apart from `Excluded` so that a lost key is never mistaken for a default. `Moved` is an
/// account that moved to another region's ledger (see IRegionalClearing): it lives on there.
enum MemberStatus {
    None,
    Active,
    Frozen,
    Excluded,
    Migrated,
    Moved
}

/// @title The membership registry of the exchange cooperative
/// @notice A registrar admits members with a kind, a region and the hash of a KYC reference (no
/// personal data is stored on-chain), freezes, unfreezes and excludes them, and moves an account to
/// a new key when a member loses theirs.
interface IMembershipRegistry {
    /// @notice `account` cannot hold a membership: the zero address or the reserve's own address.
    error MembershipInvalidAccount(address account);

    /// @notice The operation needs `account` in another status than the `status` it has.
    error MembershipInvalidStatus(address account, MemberStatus status);

    /// @notice Votes are not delegated: each active member casts its own one vote.
    error MembershipVotesNotDelegable();

    /// @notice A council is admitted by the members' vote (`admitCouncil`), not by a registrar.
    error MembershipCouncilByVote(address account);

    /// @notice Emitted when a registrar admits `account`, with the credit line its kind starts with.
    /// @param account The new member's address.
    /// @param kind What the member is (individual, business, council, system).
    /// @param region The member's region number.
    /// @param kycHash A hash of the off-chain KYC reference.
    /// @param creditLimit How far below zero the account may go, from its kind's default.
    /// @param ceiling The highest balance the account may hold, from its kind's default.
    event MemberAdmitted(
        address indexed account,
        MemberKind kind,
        uint16 region,
        bytes32 kycHash,
        uint256 creditLimit,
        uint256 ceiling
    );

    /// @notice Emitted on every status change: freeze, unfreeze, exclusion.
    /// @param account The member whose status changed.
    /// @param previousStatus Its status before.
    /// @param newStatus Its status now.
    event MemberStatusChanged(address indexed account, MemberStatus previousStatus, MemberStatus newStatus);

    /// @notice Emitted when key recovery moved the whole account of `from` (balance, credit line,
    /// kind, region, status, KYC hash) to `to`; `from` is `Migrated` from then on. The balance
    /// itself moves through a `Transferred` event emitted just before this one.
    /// @param from The lost key's address, `Migrated` from now on.
    /// @param to The fresh address that holds the account now.
    event AccountMigrated(address indexed from, address indexed to);

    /// @notice Admits `account` as an active member; its credit line is the default of its kind.
    /// Any kind but a council, which the members admit by vote.
    /// @param account The address to admit: not the zero address, the reserve, or a key used before.
    /// @param kind What the member is; its kind's default credit line applies.
    /// @param region The member's region number.
    /// @param kycHash A hash of the off-chain KYC reference; never the reference itself.
    function admit(address account, MemberKind kind, uint16 region, bytes32 kycHash) external;

    /// @notice Freezes an active member: it can neither pay nor be paid until unfrozen.
    /// @param account The active member to freeze.
    function freeze(address account) external;

    /// @notice Returns a frozen member to active.
    /// @param account The frozen member to make active again.
    function unfreeze(address account) external;

    /// @notice Excludes an active or frozen member for good. A negative balance it leaves behind
    /// can then be written off against the reserve.
    /// @param account The active or frozen member to exclude.
    function exclude(address account) external;

    /// @notice Key recovery: moves the whole account of `from` to the fresh address `to`.
    /// @param from The member whose key is lost (active or frozen).
    /// @param to A fresh address, never admitted before.
    function migrate(address from, address to) external;

    /// @notice The KYC reference hash recorded at admission.
    /// @param account A member's address.
    /// @return The hash given to `admit`, or zero for an address never admitted.
    function kycHashOf(address account) external view returns (bytes32);

    /// @notice The address an account was migrated to, or the zero address.
    /// @param account A member's address.
    /// @return The address key recovery moved the account to, or the zero address.
    function successorOf(address account) external view returns (address);

    /// @notice How many addresses were ever admitted (migrations not counted twice).
    /// @return The number of members ever admitted.
    function memberCount() external view returns (uint256);
}
