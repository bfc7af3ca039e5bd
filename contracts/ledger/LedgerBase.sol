// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MembershipRegistry} from "../membership/MembershipRegistry.sol";
import {Amounts} from "./Amounts.sol";

/// @title The roles and bounds that the ledger's parts share
/// @notice The ledger is one contract (one storage, one address) built from parts: the membership
/// registry, the projects the reserve funds, the credit policy and the payments themselves. The
/// roles they check and the largest amount they allow are declared here, once.
abstract contract LedgerBase is MembershipRegistry {
    /// @notice Sets credit lines and writes off the debts of excluded members.
    bytes32 public constant CREDIT_COMMITTEE_ROLE = keccak256("CREDIT_COMMITTEE_ROLE");
    /// @notice Carries out the members' votes: the fee, stimulus, councils, projects, credit policy.
    bytes32 public constant GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    /// @notice Stops and restarts payments in an emergency.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice No power on-chain: the gateway shows every account to its holders.
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");

    /// @notice The largest amount, credit limit or ceiling: 2^63 - 1 hundredths of a unit (see Amounts).
    uint256 public constant MAX_AMOUNT = Amounts.MAX;
}
