// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {IMutualCreditLedger} from "../ledger/IMutualCreditLedger.sol";
import {CallKind, IConstitution, ProposalKind, RoleKind, VoteRule} from "./IConstitution.sol";

/// @title The cooperative's constitution
/// @notice See IConstitution. A contract apart from the governor, so that what members vote on can
/// grow (stimulus, projects, councils, regions) without redeploying the governor, and so that the
/// governor stays under the contract size limit. Owned by the timelock: it changes only by a vote.
/// The deployer owns it for the deployment's few blocks, to name the calls of the contracts deployed
/// after it (the governor's own settings), then hands it to the timelock in one step: the timelock
/// is a contract that cannot accept a two-step transfer without a vote.
contract Constitution is IConstitution, Ownable {
    uint256 private constant _BPS = 10_000;
    /// @dev The longest delay a rule may ask between a vote and its effect: a quarter.
    uint256 private constant _MAX_DELAY = 92 days;

    /// @notice The ledger whose fee the bound limits.
    IMutualCreditLedger public immutable LEDGER;

    mapping(ProposalKind kind => VoteRule) private _voteRules;
    mapping(address target => mapping(bytes4 selector => ProposalKind)) private _callKinds;
    mapping(address target => mapping(bytes32 role => ProposalKind)) private _roleKinds;
    uint256 private _feeBoundBps;

    /// @notice Writes the founding constitution.
    /// @param ledger The ledger.
    /// @param owner The deployer, until the calls are named; then the timelock.
    /// @param rules The rule of each kind, indexed by kind (index 0, `None`, is ignored).
    /// @param feeBoundBps The highest fee a proposal may set.
    constructor(
        IMutualCreditLedger ledger,
        address owner,
        VoteRule[] memory rules,
        uint256 feeBoundBps
    ) Ownable(owner) {
        LEDGER = ledger;
        for (uint256 kind = 1; kind < rules.length; ++kind) {
            _setVoteRule(ProposalKind(kind), rules[kind]);
        }
        _setFeeBound(feeBoundBps);
    }

    /// @inheritdoc IConstitution
    function voteRule(ProposalKind kind) external view returns (VoteRule memory) {
        return _voteRules[kind];
    }

    /// @inheritdoc IConstitution
    function callKind(address target, bytes4 selector) external view returns (ProposalKind) {
        return _callKinds[target][selector];
    }

    /// @inheritdoc IConstitution
    function feeBoundBps() external view returns (uint256) {
        return _feeBoundBps;
    }

    /// @inheritdoc IConstitution
    function roleKind(address target, bytes32 role) external view returns (ProposalKind) {
        return _roleKinds[target][role];
    }

    /// @inheritdoc IConstitution
    function stimulusBound() external view returns (uint256 maxExtraCredit, uint256 maxDuration) {
        return LEDGER.stimulusBound();
    }

    /// @inheritdoc IConstitution
    function ruleOf(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas
    ) external view returns (VoteRule memory rule, uint8 kinds) {
        // Lengths that differ are the governor's to refuse, by its own error.
        uint256 calls = targets.length < calldatas.length ? targets.length : calldatas.length;
        for (uint256 i = 0; i < calls; ++i) {
            if (i < values.length && values[i] != 0) revert ConstitutionCallWithValue(i, values[i]);
            bytes calldata data = calldatas[i];
            bytes4 selector = bytes4(data.length >= 4 ? data[:4] : data);
            ProposalKind kind = _callKinds[targets[i]][selector];
            if (kind == ProposalKind.None) revert ConstitutionCallUnknown(targets[i], selector);
            if (selector == IAccessControl.grantRole.selector || selector == IAccessControl.revokeRole.selector) {
                kind = _roleCallKind(targets[i], selector, data);
            }
            if (targets[i] == address(LEDGER)) _requireWithinBounds(selector, data);
            VoteRule memory kindRule = _voteRules[kind];
            kinds |= uint8(1 << uint8(kind));
            if (kindRule.quorumBps > rule.quorumBps) rule.quorumBps = kindRule.quorumBps;
            if (kindRule.supportBps > rule.supportBps) rule.supportBps = kindRule.supportBps;
            if (kindRule.delay > rule.delay) rule.delay = kindRule.delay;
        }
    }

    /// @inheritdoc IConstitution
    function setVoteRule(ProposalKind kind, VoteRule calldata rule) external onlyOwner {
        _setVoteRule(kind, rule);
    }

    /// @inheritdoc IConstitution
    function setCallKind(address target, bytes4 selector, ProposalKind kind) external onlyOwner {
        _setCallKind(target, selector, kind);
    }

    /// @inheritdoc IConstitution
    function setCallKinds(CallKind[] calldata calls) external onlyOwner {
        for (uint256 i = 0; i < calls.length; ++i) {
            _setCallKind(calls[i].target, calls[i].selector, calls[i].kind);
        }
    }

    /// @inheritdoc IConstitution
    function setRoleKinds(RoleKind[] calldata roles) external onlyOwner {
        for (uint256 i = 0; i < roles.length; ++i) {
            _roleKinds[roles[i].target][roles[i].role] = roles[i].kind;
            emit RoleKindSet(roles[i].target, roles[i].role, roles[i].kind);
        }
    }

    /// @inheritdoc IConstitution
    function setFeeBound(uint256 boundBps) external onlyOwner {
        _setFeeBound(boundBps);
    }

    /// @dev The kind of a grant or revocation is its role's, not the call's: a "roles" vote must not
    /// hand out a power that a stronger rule decides (grantRole(bytes32 role, address account)).
    function _roleCallKind(address target, bytes4 selector, bytes calldata data) private view returns (ProposalKind) {
        bytes32 role = data.length >= 36 ? bytes32(data[4:36]) : bytes32(0);
        ProposalKind kind = _roleKinds[target][role];
        if (kind == ProposalKind.None) revert ConstitutionRoleUnknown(target, role);
        address account = data.length >= 68 ? address(uint160(uint256(bytes32(data[36:68])))) : address(0);
        if (kind == ProposalKind.Constitution && selector == IAccessControl.grantRole.selector && account != owner()) {
            revert ConstitutionRoleOnlyForTimelock(target, role, account, owner());
        }
        return kind;
    }

    /// @dev The bounds the constitution puts on a call to the ledger: the fee, and a stimulus's size
    /// and end (its scope is four words, then the extra credit and the end: StimulusScope is static).
    /// The ledger enforces both again, whoever calls it.
    function _requireWithinBounds(bytes4 selector, bytes calldata data) private view {
        if (selector == IMutualCreditLedger.setFee.selector) {
            uint256 feeBps = data.length >= 36 ? uint256(bytes32(data[4:36])) : 0;
            if (feeBps > _feeBoundBps) revert ConstitutionFeeAboveBound(feeBps, _feeBoundBps);
        } else if (selector == IMutualCreditLedger.setStimulus.selector && data.length >= 196) {
            uint256 extra = uint256(bytes32(data[132:164]));
            uint256 endsAt = uint256(bytes32(data[164:196]));
            (uint256 maxExtra, uint256 maxDuration) = LEDGER.stimulusBound();
            uint256 latestEnd = block.timestamp + maxDuration;
            if (extra > maxExtra || endsAt > latestEnd) {
                revert ConstitutionStimulusOutOfBounds(extra, endsAt, maxExtra, latestEnd);
            }
        }
    }

    function _setVoteRule(ProposalKind kind, VoteRule memory rule) private {
        if (
            kind == ProposalKind.None ||
            rule.quorumBps > _BPS ||
            rule.supportBps > _BPS ||
            rule.supportBps < _BPS / 2 ||
            rule.delay > _MAX_DELAY
        ) {
            revert ConstitutionInvalidRule(kind, rule.quorumBps, rule.supportBps, rule.delay);
        }
        _voteRules[kind] = rule;
        emit VoteRuleSet(kind, rule.quorumBps, rule.supportBps, rule.delay);
    }

    function _setCallKind(address target, bytes4 selector, ProposalKind kind) private {
        _callKinds[target][selector] = kind;
        emit CallKindSet(target, selector, kind);
    }

    function _setFeeBound(uint256 boundBps) private {
        uint256 maximum = LEDGER.MAX_FEE_BPS();
        if (boundBps > maximum) revert ConstitutionFeeAboveBound(boundBps, maximum);
        _feeBoundBps = boundBps;
        emit FeeBoundSet(boundBps);
    }
}
