// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

import {IMutualCreditLedger} from "../ledger/IMutualCreditLedger.sol";
import {MemberStatus} from "../membership/IMembershipRegistry.sol";
import {IConstitution, VoteRule} from "./IConstitution.sol";
import {ICooperativeGovernor} from "./ICooperativeGovernor.sol";

/// @title The cooperative's governor
/// @notice OpenZeppelin's Governor (settings, simple counting, votes from the membership registry,
/// a general quorum fraction, a timelock), with what it lacks for a cooperative: proposals typed
/// by the constitution, a quorum, threshold and delay per kind of decision fixed when proposed, and
/// votes from active members only. See ICooperativeGovernor.
///
/// The timelock's own delay is the shortest wait of every proposal; a kind that asks more (spending
/// the reserve, changing the constitution) sets a later eta when queued, and execution waits for it.
/// This holds because the governor is the timelock's only executor: nobody can run the timelock's
/// operation directly once its own shorter delay is over.
contract CooperativeGovernor is
    ICooperativeGovernor,
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    /// @notice A proposal's rule, and a bit per kind of its calls.
    struct ProposalRule {
        VoteRule rule;
        uint8 kinds;
    }

    /// @notice The settings a governor starts with, all changed later by votes.
    struct Settings {
        uint48 votingDelay;
        uint32 votingPeriod;
        uint256 quorumBps;
    }

    uint256 private constant _BPS = 10_000;

    IConstitution private immutable _CONSTITUTION;

    mapping(uint256 proposalId => ProposalRule) private _proposalRules;

    /// @notice Deploys the governor of `ledger`'s members, acting through `timelock`.
    /// @param ledger The ledger, whose membership registry gives the votes.
    /// @param timelock The timelock that executes passed proposals and holds the ledger's admin.
    /// @param constitution_ The constitution that types proposals.
    /// @param settings Voting delay and period (seconds) and the general quorum (bps).
    constructor(
        IVotes ledger,
        TimelockController timelock,
        IConstitution constitution_,
        Settings memory settings
    )
        Governor("NEXT cooperative governor")
        GovernorSettings(settings.votingDelay, settings.votingPeriod, 1)
        GovernorVotes(ledger)
        GovernorVotesQuorumFraction(settings.quorumBps)
        GovernorTimelockControl(timelock)
    {
        _CONSTITUTION = constitution_;
    }

    /// @inheritdoc ICooperativeGovernor
    function constitution() external view returns (IConstitution) {
        return _CONSTITUTION;
    }

    /// @inheritdoc ICooperativeGovernor
    function proposalRule(uint256 proposalId) external view returns (VoteRule memory rule, uint8 kinds) {
        ProposalRule storage stored = _proposalRules[proposalId];
        return (stored.rule, stored.kinds);
    }

    /// @notice Votes are counted in basis points of the active members.
    /// @return 10,000.
    function quorumDenominator() public pure override returns (uint256) {
        return _BPS;
    }

    /// @inheritdoc ICooperativeGovernor
    function proposalQuorum(uint256 proposalId) public view returns (uint256) {
        uint256 snapshot = proposalSnapshot(proposalId);
        uint256 bps = _proposalRules[proposalId].rule.quorumBps;
        uint256 general = quorumNumerator(snapshot);
        if (general > bps) bps = general;
        // Rounded up; no overflow: at most one vote per member times 10,000.
        return (token().getPastTotalSupply(snapshot) * bps + _BPS - 1) / _BPS;
    }

    /// @dev Quorum: the votes for and abstaining reach the proposal's own quorum.
    function _quorumReached(
        uint256 proposalId
    ) internal view override(Governor, GovernorCountingSimple) returns (bool) {
        (, uint256 forVotes, uint256 abstainVotes) = proposalVotes(proposalId);
        return proposalQuorum(proposalId) <= forVotes + abstainVotes;
    }

    /// @dev Support: the votes for pass the rule's threshold of the votes cast for and against.
    function _voteSucceeded(
        uint256 proposalId
    ) internal view override(Governor, GovernorCountingSimple) returns (bool) {
        (uint256 againstVotes, uint256 forVotes, ) = proposalVotes(proposalId);
        return forVotes * _BPS > uint256(_proposalRules[proposalId].rule.supportBps) * (forVotes + againstVotes);
    }

    /// @dev Refuses a vote from a key that is not an active member now (frozen, excluded, or migrated
    /// to a new key since the snapshot), or that had no vote at the snapshot; then counts it.
    function _countVote(
        uint256 proposalId,
        address account,
        uint8 support,
        uint256 totalWeight,
        bytes memory params
    ) internal override(Governor, GovernorCountingSimple) returns (uint256) {
        MemberStatus status = IMutualCreditLedger(address(token())).accountOf(account).status;
        if (status != MemberStatus.Active) revert GovernorVoterNotActive(account, status);
        if (totalWeight == 0) revert GovernorNoVoteAtSnapshot(account, proposalSnapshot(proposalId));
        return super._countVote(proposalId, account, support, totalWeight, params);
    }

    /// @dev Types the proposal by the constitution before it is made (which refuses any call it
    /// does not name), and fixes the rule it will be decided by.
    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal override returns (uint256 proposalId) {
        (VoteRule memory rule, uint8 kinds) = _CONSTITUTION.ruleOf(targets, values, calldatas);
        proposalId = super._propose(targets, values, calldatas, description, proposer);
        _proposalRules[proposalId] = ProposalRule(rule, kinds);
    }

    // ---------------------------------------------------------------------------------------------
    // The overrides Solidity asks for, where OpenZeppelin's extensions meet

    /// @inheritdoc Governor
    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    /// @inheritdoc Governor
    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    /// @inheritdoc Governor
    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }

    /// @inheritdoc Governor
    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @inheritdoc Governor
    function proposalNeedsQueuing(
        uint256 proposalId
    ) public view override(Governor, GovernorTimelockControl) returns (bool) {
        return super.proposalNeedsQueuing(proposalId);
    }

    /// @inheritdoc Governor
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    /// @dev Schedules in the timelock (at its own delay), and sets the eta at the kind's delay
    /// when that is longer.
    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48 eta) {
        eta = super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
        uint48 kindEta = uint48(block.timestamp) + _proposalRules[proposalId].rule.delay;
        if (kindEta > eta) eta = kindEta;
    }

    /// @dev Refuses before the proposal's eta (the timelock checks only its own delay).
    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        uint256 eta = proposalEta(proposalId);
        if (block.timestamp < eta) revert GovernorDelayNotElapsed(proposalId, eta);
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
