// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MemberKind} from "../membership/IMembershipRegistry.sol";

/// @notice The credit policy of a member kind, as the views return it.
struct CreditRule {
    uint256 perYear;
    uint256 turnoverBps;
    uint256 cap;
    uint256 version;
}

/// @title The credit policy: credit lines that grow with a member's turnover and seniority
/// @notice Members vote, per member kind, a rule: the kind's default credit limit, plus `perYear`
/// for each whole year of membership, plus `turnoverBps` of the turnover the member has received in
/// payments, capped at `cap`. Anyone may apply it to an active member, and it only ever raises a
/// limit; the event names the rule's version. A member whose credit line the credit committee set
/// by hand is pinned: the committee's decision stands over the rule until it unpins the member.
interface ICreditPolicy {
    /// @notice No credit policy is voted for this kind (its cap is zero).
    error CreditPolicyNone(MemberKind kind);

    /// @notice A rule with a share of turnover above 100 % or a cap above the largest amount.
    error CreditPolicyInvalid(MemberKind kind, uint256 turnoverBps, uint256 cap);

    /// @notice The committee set this member's line by hand: the policy does not apply to it.
    error CreditPolicyPinned(address account);

    /// @notice The policy gives `account` no more than the limit it has.
    error CreditPolicyNoRaise(address account, uint256 creditLimit, uint256 policyLimit);

    /// @notice A vote set the credit policy of `kind`.
    /// @param kind The member kind.
    /// @param version The rule's number for that kind, from 1.
    /// @param perYear Credit added for each whole year of membership, in hundredths.
    /// @param turnoverBps Credit added per unit of turnover received, in basis points.
    /// @param cap The highest limit the policy gives.
    event CreditPolicySet(MemberKind indexed kind, uint256 version, uint256 perYear, uint256 turnoverBps, uint256 cap);

    /// @notice The policy raised a member's credit limit.
    /// @param account The member.
    /// @param kind Its kind.
    /// @param version The rule that set it.
    /// @param seniorityYears Its whole years of membership.
    /// @param turnover The turnover it had received, in hundredths.
    /// @param previousLimit Its limit before.
    /// @param newLimit Its limit now.
    event CreditPolicyApplied(
        address indexed account,
        MemberKind kind,
        uint256 version,
        uint256 seniorityYears,
        uint256 turnover,
        uint256 previousLimit,
        uint256 newLimit
    );

    /// @notice The committee pinned (set by hand) or unpinned a member's credit line.
    /// @param account The member.
    /// @param pinned Whether the policy leaves it alone from now on.
    event CreditLinePinned(address indexed account, bool pinned);

    /// @notice Sets the credit policy of `kind`. Governance only (a vote).
    /// @param kind The member kind.
    /// @param perYear Credit for each whole year of membership, in hundredths.
    /// @param turnoverBps Credit per unit of turnover received, in basis points, at most 10,000.
    /// @param cap The highest limit it gives, at most the largest amount; zero ends the policy.
    function setCreditPolicy(MemberKind kind, uint256 perYear, uint256 turnoverBps, uint256 cap) external;

    /// @notice Raises an active member's credit limit to what its kind's policy gives. Anyone may.
    /// @param account The member.
    /// @return newLimit Its limit now.
    function applyCreditPolicy(address account) external returns (uint256 newLimit);

    /// @notice Lets the policy apply again to a member whose line the committee had set by hand.
    /// @param account The member.
    function unpinCreditLine(address account) external;

    /// @notice The credit policy of a kind.
    /// @param kind The member kind.
    /// @return Its credit per year, share of turnover, cap and version (all zero if none).
    function creditPolicy(MemberKind kind) external view returns (CreditRule memory);

    /// @notice The limit the policy would give `account` now.
    /// @param account A member.
    /// @return The limit, in hundredths (zero where no policy applies).
    function policyLimitOf(address account) external view returns (uint256);

    /// @notice The turnover a member has received in payments since its admission (key recovery
    /// carries it), saturating at 2^40 - 1.
    /// @param account A member.
    /// @return The turnover, in hundredths.
    function turnoverOf(address account) external view returns (uint256);

    /// @notice When a member was admitted (key recovery carries it); zero for a system account or a
    /// stranger.
    /// @param account A member.
    /// @return The admission's timestamp.
    function memberSince(address account) external view returns (uint256);

    /// @notice Whether the committee set this member's credit line by hand (the policy leaves it).
    /// @param account A member.
    /// @return True when pinned.
    function creditLinePinned(address account) external view returns (bool);
}
