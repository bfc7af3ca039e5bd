// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MemberStatus} from "../membership/IMembershipRegistry.sol";
import {IConstitution, VoteRule} from "./IConstitution.sol";

/// @title The cooperative's governor: one member, one vote, on typed proposals
/// @notice The members' votes come from the membership registry (one per active member). A
/// proposal may only make the calls the constitution names; it is decided by the rule the
/// constitution gave its kinds when it was proposed, and acts through the timelock after its delay.
interface ICooperativeGovernor {
    /// @notice Only active members vote: a frozen, excluded or migrated key is refused.
    error GovernorVoterNotActive(address voter, MemberStatus status);

    /// @notice The voter had no vote when the proposal's snapshot was taken (admitted, unfrozen or
    /// recovered later).
    error GovernorNoVoteAtSnapshot(address voter, uint256 snapshot);

    /// @notice The proposal's kind asks a longer wait after its passing than the timelock's own:
    /// it can be executed from `eta` on.
    error GovernorDelayNotElapsed(uint256 proposalId, uint256 eta);

    /// @notice The constitution that types proposals and gives their rules.
    /// @return Its address.
    function constitution() external view returns (IConstitution);

    /// @notice The rule a proposal is decided by, fixed when it was proposed.
    /// @param proposalId The proposal.
    /// @return rule Its quorum, threshold and delay.
    /// @return kinds A bit per kind of its calls (bit `uint8(kind)`).
    function proposalRule(uint256 proposalId) external view returns (VoteRule memory rule, uint8 kinds);

    /// @notice The number of votes a proposal needs, for or abstaining, to be valid: its rule's
    /// quorum or the general one, the higher, of the active members at its snapshot.
    /// @param proposalId The proposal, whose snapshot must be past.
    /// @return The quorum in votes.
    function proposalQuorum(uint256 proposalId) external view returns (uint256);
}
