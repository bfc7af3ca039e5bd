// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MemberKind, MemberStatus} from "../membership/IMembershipRegistry.sol";
import {PackedAccount} from "../membership/PackedAccount.sol";
import {CreditRule, ICreditPolicy} from "./ICreditPolicy.sol";
import {LedgerBase} from "./LedgerBase.sol";

/// @title The credit policy: credit lines that grow with turnover and seniority, by a voted rule
/// @notice See ICreditPolicy. The turnover received is kept in the member's own storage slot, which
/// every payment writes anyway (PackedAccount); the seniority is the first checkpoint of the
/// member's vote, written at its admission (so admission pays nothing more for it), carried to a new
/// key by key recovery here.
abstract contract CreditPolicy is LedgerBase, ICreditPolicy {
    uint256 private constant _BPS = 10_000;
    uint256 private constant _YEAR = 365 days;

    /// @dev A kind's rule in one slot.
    struct Rule {
        uint64 perYear;
        uint64 cap;
        uint16 turnoverBps;
        uint32 version;
    }

    mapping(MemberKind kind => Rule) private _rules;
    mapping(address account => bool) private _pinned;
    /// @dev The admission time of a recovered key's account (a fresh key's first vote is later).
    mapping(address account => uint256 since) private _recoveredSince;

    /// @inheritdoc ICreditPolicy
    function setCreditPolicy(
        MemberKind kind,
        uint256 perYear,
        uint256 turnoverBps,
        uint256 cap
    ) external onlyRole(GOVERNANCE_ROLE) {
        if (turnoverBps > _BPS || cap > MAX_AMOUNT || perYear > MAX_AMOUNT) {
            revert CreditPolicyInvalid(kind, turnoverBps, cap);
        }
        uint32 version = _rules[kind].version + 1;
        _rules[kind] = Rule(uint64(perYear), uint64(cap), uint16(turnoverBps), version);
        emit CreditPolicySet(kind, version, perYear, turnoverBps, cap);
    }

    /// @inheritdoc ICreditPolicy
    function applyCreditPolicy(address account) external returns (uint256 newLimit) {
        AccountSlot storage slot = _accountSlot(account);
        PackedAccount packed = slot.packed;
        if (packed.status() != MemberStatus.Active) revert MembershipInvalidStatus(account, packed.status());
        if (_pinned[account]) revert CreditPolicyPinned(account);
        Rule memory rule = _rules[packed.kind()];
        if (rule.cap == 0) revert CreditPolicyNone(packed.kind());
        uint256 years_;
        (newLimit, years_) = _policyLimit(account, packed, rule);
        uint256 previous = packed.creditLimit();
        if (newLimit <= previous) revert CreditPolicyNoRaise(account, previous, newLimit);
        slot.packed = packed.withCreditLine(newLimit, packed.ceiling());
        emit CreditPolicyApplied(account, packed.kind(), rule.version, years_, packed.received(), previous, newLimit);
    }

    /// @inheritdoc ICreditPolicy
    function unpinCreditLine(address account) external onlyRole(CREDIT_COMMITTEE_ROLE) {
        if (_pinned[account]) {
            _pinned[account] = false;
            emit CreditLinePinned(account, false);
        }
    }

    /// @inheritdoc ICreditPolicy
    function creditPolicy(MemberKind kind) external view returns (CreditRule memory) {
        Rule memory rule = _rules[kind];
        return CreditRule(rule.perYear, rule.turnoverBps, rule.cap, rule.version);
    }

    /// @inheritdoc ICreditPolicy
    function policyLimitOf(address account) external view returns (uint256 limit) {
        PackedAccount packed = _account(account);
        Rule memory rule = _rules[packed.kind()];
        if (packed.status() == MemberStatus.None || rule.cap == 0) return 0;
        (limit, ) = _policyLimit(account, packed, rule);
    }

    /// @inheritdoc ICreditPolicy
    function turnoverOf(address account) external view returns (uint256) {
        return _account(account).received();
    }

    /// @inheritdoc ICreditPolicy
    function memberSince(address account) public view returns (uint256) {
        uint256 recovered = _recoveredSince[account];
        if (recovered != 0) return recovered;
        return _numCheckpoints(account) == 0 ? 0 : _checkpoints(account, 0)._key;
    }

    /// @inheritdoc ICreditPolicy
    function creditLinePinned(address account) external view returns (bool) {
        return _pinned[account];
    }

    /// @dev The committee set `account`'s line by hand: the policy leaves it alone from now on.
    function _pin(address account) internal {
        if (!_pinned[account]) {
            _pinned[account] = true;
            emit CreditLinePinned(account, true);
        }
    }

    /// @dev Key recovery: the new key keeps the old one's seniority and pin.
    function _migrated(address from, address to) internal virtual override {
        uint256 since = memberSince(from);
        if (since != 0) _recoveredSince[to] = since;
        if (_pinned[from]) {
            _pinned[to] = true;
            emit CreditLinePinned(to, true);
        }
    }

    /// @dev The kind's default limit, plus the seniority's and the turnover's shares, capped.
    function _policyLimit(
        address account,
        PackedAccount packed,
        Rule memory rule
    ) private view returns (uint256 limit, uint256 years_) {
        uint256 since = memberSince(account);
        years_ = since == 0 || since > block.timestamp ? 0 : (block.timestamp - since) / _YEAR;
        limit =
            _defaultCreditLine(packed.kind()).creditLimit() +
            years_ * rule.perYear +
            (packed.received() * rule.turnoverBps) / _BPS;
        if (limit > rule.cap) limit = rule.cap;
    }
}
