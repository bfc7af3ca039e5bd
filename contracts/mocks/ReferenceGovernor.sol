// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title A reference governor for the gas benchmark
/// @notice Test-only: OpenZeppelin's Governor with simple counting and a quorum fraction over an
/// ERC20Votes token, the reference that `make bench-gas` measures a member's vote against.
contract ReferenceGovernor is Governor, GovernorCountingSimple, GovernorVotes, GovernorVotesQuorumFraction {
    /// @notice Deploys the governor of `token`.
    /// @param token The voting token.
    constructor(IVotes token) Governor("Reference") GovernorVotes(token) GovernorVotesQuorumFraction(4) {}

    /// @notice No delay: voting starts at once.
    /// @return 0.
    function votingDelay() public pure override returns (uint256) {
        return 0;
    }

    /// @notice A week.
    /// @return 7 days, in seconds.
    function votingPeriod() public pure override returns (uint256) {
        return 7 days;
    }

    /// @inheritdoc Governor
    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }
}
