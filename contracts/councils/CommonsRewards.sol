// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {MemberStatus} from "../membership/IMembershipRegistry.sol";
import {AccountState, IMutualCreditLedger} from "../ledger/IMutualCreditLedger.sol";
import {Amounts} from "../ledger/Amounts.sol";
import {ClaimRecord, ClaimState, CommonsClaim, ICommonsRewards} from "./ICommonsRewards.sol";

/// @title Rewards for commons, on attestations
/// @notice See ICommonsRewards. Its admin (the timelock: governance) grants ATTESTOR_ROLE and sets
/// the budget, the caps, the schedule and the challenge window; the ledger's credit committee
/// contests and reinstates. Nothing is paid until governance has voted a budget and a schedule.
contract CommonsRewards is ICommonsRewards, AccessControl, EIP712 {
    /// @inheritdoc ICommonsRewards
    bytes32 public constant override ATTESTOR_ROLE = keccak256("ATTESTOR_ROLE");
    /// @inheritdoc ICommonsRewards
    uint256 public constant override PERIOD = 30 days;
    /// @inheritdoc ICommonsRewards
    IMutualCreditLedger public immutable override LEDGER;

    // solhint-disable-next-line gas-small-strings
    bytes32 private constant _CLAIM_TYPEHASH = keccak256(
        "CommonsClaim(address beneficiary,uint8 kind,bytes32 evidence,uint256 amount,uint32 period)"
    );
    bytes32 private constant _CREDIT_COMMITTEE_ROLE = keccak256("CREDIT_COMMITTEE_ROLE");
    uint64 private constant _MAX_WINDOW = 30 days;
    /// @inheritdoc ICommonsRewards
    uint64 public immutable override MIN_WINDOW;

    /// @dev A claim in three slots: what a contest or a payment reads first, then the rest.
    struct Stored {
        address attestor;
        uint64 payableAt;
        uint8 kind;
        ClaimState state;
        address beneficiary;
        uint32 period;
        uint256 amount;
    }

    mapping(bytes32 id => Stored) private _claims;
    mapping(uint32 period => uint256) private _committed;
    mapping(uint32 period => mapping(address beneficiary => uint256)) private _received;
    mapping(uint32 period => mapping(address attestor => uint256)) private _attested;
    mapping(uint8 kind => uint256) private _schedule;
    uint256 private _budget;
    uint256 private _beneficiaryCap;
    uint256 private _attestorCap;
    uint64 private _window = 7 days;

    /// @notice Binds the rewards to the ledger and names their admins.
    /// @param ledger The ledger this contract pays from, once admitted in it as a system account.
    /// @param admins Who grants the attestor role and sets the budget: the timelock (and, on a
    /// developer's chain only, an operator key).
    /// @param minWindow The shortest challenge window governance may set: a day in production, less
    /// on a demonstration chain whose clock cannot be moved.
    constructor(IMutualCreditLedger ledger, address[] memory admins, uint64 minWindow) EIP712("NExT Commons", "1") {
        if (minWindow == 0 || minWindow > _MAX_WINDOW) revert CommonsInvalidWindow(minWindow, 1, _MAX_WINDOW);
        LEDGER = ledger;
        MIN_WINDOW = minWindow;
        for (uint256 i = 0; i < admins.length; ++i) {
            _grantRole(DEFAULT_ADMIN_ROLE, admins[i]);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Attestations

    /// @inheritdoc ICommonsRewards
    function submit(CommonsClaim calldata claim, bytes calldata signature) external returns (bytes32 id) {
        uint256 scheduledAmount = _schedule[claim.kind];
        if (scheduledAmount == 0 || claim.amount != scheduledAmount) {
            revert CommonsAmountNotScheduled(claim.kind, claim.amount, scheduledAmount);
        }
        uint256 current = block.timestamp / PERIOD;
        // Widened: the last period of all (2^32 - 1) is refused in words, not by an overflow.
        if (claim.period > current || uint256(claim.period) + 1 < current) {
            revert CommonsPeriodClosed(claim.period, current);
        }
        id = _hashTypedDataV4(_structHash(claim));
        (address attestor, , ) = ECDSA.tryRecover(id, signature);
        if (attestor == address(0) || !hasRole(ATTESTOR_ROLE, attestor)) revert CommonsNotAttestor(attestor);
        if (attestor == claim.beneficiary) revert CommonsSelfAttestation(attestor);
        AccountState memory member = LEDGER.accountOf(claim.beneficiary);
        if (member.status != MemberStatus.Active) revert CommonsInvalidBeneficiary(claim.beneficiary, member.status);
        if (_claims[id].state != ClaimState.None) revert CommonsClaimExists(id);

        _commit(claim.period, claim.beneficiary, attestor, claim.amount);
        uint64 payableAt = uint64(block.timestamp) + _window;
        _claims[id] = Stored({
            attestor: attestor,
            payableAt: payableAt,
            kind: claim.kind,
            state: ClaimState.Pending,
            beneficiary: claim.beneficiary,
            period: claim.period,
            amount: claim.amount
        });
        emit ClaimSubmitted(
            id,
            attestor,
            claim.beneficiary,
            claim.kind,
            claim.evidence,
            claim.amount,
            claim.period,
            payableAt
        );
    }

    /// @inheritdoc ICommonsRewards
    function contest(bytes32 id, bytes32 reason) external {
        Stored storage stored = _stored(id);
        if (stored.state != ClaimState.Pending) revert CommonsWrongState(id, stored.state);
        bool committee = _isCommittee(msg.sender);
        if (!committee && (!hasRole(ATTESTOR_ROLE, msg.sender) || msg.sender == stored.attestor)) {
            revert CommonsNotContester(msg.sender);
        }
        // The committee may still stop a claim nobody has had paid (its beneficiary excluded since,
        // its attestor struck off); an attestor only within the window.
        if (!committee && block.timestamp >= stored.payableAt) revert CommonsChallengeOver(id, stored.payableAt);
        stored.state = ClaimState.Contested;
        uint256 amount = stored.amount;
        uint32 period = stored.period;
        // Unchecked: each figure counted this claim's amount when it was submitted or reinstated.
        unchecked {
            _committed[period] -= amount;
            _received[period][stored.beneficiary] -= amount;
            _attested[period][stored.attestor] -= amount;
        }
        emit ClaimContested(id, msg.sender, reason);
    }

    /// @inheritdoc ICommonsRewards
    function reinstate(bytes32 id) external {
        if (!_isCommittee(msg.sender)) revert CommonsNotCommittee(msg.sender);
        Stored storage stored = _stored(id);
        if (stored.state != ClaimState.Contested) revert CommonsWrongState(id, stored.state);
        _commit(stored.period, stored.beneficiary, stored.attestor, stored.amount);
        stored.state = ClaimState.Pending;
        emit ClaimReinstated(id, msg.sender, stored.payableAt);
    }

    /// @inheritdoc ICommonsRewards
    function pay(bytes32 id) external {
        Stored storage stored = _stored(id);
        if (stored.state != ClaimState.Pending) revert CommonsWrongState(id, stored.state);
        if (block.timestamp < stored.payableAt) revert CommonsChallengeOpen(id, stored.payableAt);
        stored.state = ClaimState.Paid;
        address beneficiary = stored.beneficiary;
        uint256 amount = stored.amount;
        emit RewardPaid(id, beneficiary, amount);
        // The ledger's own checks apply: this account's credit line, the beneficiary's status and
        // ceiling; a refusal reverts the whole call and the claim stays pending.
        LEDGER.pay(beneficiary, amount, id);
    }

    // ---------------------------------------------------------------------------------------------
    // Governance

    /// @inheritdoc ICommonsRewards
    function setBudget(
        uint256 budget_,
        uint256 beneficiaryCap,
        uint256 attestorCap
    ) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (budget_ > Amounts.MAX) revert CommonsInvalidAmount(budget_);
        _budget = budget_;
        _beneficiaryCap = beneficiaryCap;
        _attestorCap = attestorCap;
        emit BudgetSet(budget_, beneficiaryCap, attestorCap);
    }

    /// @inheritdoc ICommonsRewards
    function setSchedule(uint8 kind, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (amount > Amounts.MAX) revert CommonsInvalidAmount(amount);
        _schedule[kind] = amount;
        emit ScheduleSet(kind, amount);
    }

    /// @inheritdoc ICommonsRewards
    function setChallengeWindow(uint64 window) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (window < MIN_WINDOW || window > _MAX_WINDOW) revert CommonsInvalidWindow(window, MIN_WINDOW, _MAX_WINDOW);
        _window = window;
        emit ChallengeWindowSet(window);
    }

    // ---------------------------------------------------------------------------------------------
    // Views

    /// @inheritdoc ICommonsRewards
    function claimId(CommonsClaim calldata claim) external view returns (bytes32) {
        return _hashTypedDataV4(_structHash(claim));
    }

    /// @inheritdoc ICommonsRewards
    function claimOf(bytes32 id) external view returns (ClaimRecord memory) {
        Stored storage stored = _claims[id];
        return
            ClaimRecord({
                attestor: stored.attestor,
                beneficiary: stored.beneficiary,
                kind: stored.kind,
                period: stored.period,
                payableAt: stored.payableAt,
                state: stored.state,
                amount: stored.amount
            });
    }

    /// @inheritdoc ICommonsRewards
    function currentPeriod() external view returns (uint256) {
        return block.timestamp / PERIOD;
    }

    /// @inheritdoc ICommonsRewards
    function committedIn(uint32 period) external view returns (uint256 committed, uint256 budget_) {
        return (_committed[period], _budget);
    }

    /// @inheritdoc ICommonsRewards
    function receivedIn(uint32 period, address beneficiary) external view returns (uint256) {
        return _received[period][beneficiary];
    }

    /// @inheritdoc ICommonsRewards
    function attestedIn(uint32 period, address attestor) external view returns (uint256) {
        return _attested[period][attestor];
    }

    /// @inheritdoc ICommonsRewards
    function scheduled(uint8 kind) external view returns (uint256) {
        return _schedule[kind];
    }

    /// @inheritdoc ICommonsRewards
    function budget() external view returns (uint256 perPeriod, uint256 beneficiaryCap, uint256 attestorCap) {
        return (_budget, _beneficiaryCap, _attestorCap);
    }

    /// @inheritdoc ICommonsRewards
    function challengeWindow() external view returns (uint64) {
        return _window;
    }

    // ---------------------------------------------------------------------------------------------
    // Internal

    /// @dev Counts `amount` against the period's budget and the two caps, or reverts naming the
    /// figure it would pass.
    function _commit(uint32 period, address beneficiary, address attestor, uint256 amount) private {
        uint256 committed = _committed[period];
        if (committed + amount > _budget) revert CommonsBudgetExceeded(period, committed, amount, _budget);
        uint256 received = _received[period][beneficiary];
        if (received + amount > _beneficiaryCap) {
            revert CommonsBeneficiaryCap(beneficiary, period, received, amount, _beneficiaryCap);
        }
        uint256 attested = _attested[period][attestor];
        if (attested + amount > _attestorCap)
            revert CommonsAttestorCap(attestor, period, attested, amount, _attestorCap);
        _committed[period] = committed + amount;
        _received[period][beneficiary] = received + amount;
        _attested[period][attestor] = attested + amount;
    }

    function _stored(bytes32 id) private view returns (Stored storage stored) {
        stored = _claims[id];
        if (stored.state == ClaimState.None) revert CommonsUnknownClaim(id);
    }

    function _isCommittee(address account) private view returns (bool) {
        return IAccessControl(address(LEDGER)).hasRole(_CREDIT_COMMITTEE_ROLE, account);
    }

    function _structHash(CommonsClaim calldata claim) private pure returns (bytes32) {
        return
            keccak256(
                abi.encode(_CLAIM_TYPEHASH, claim.beneficiary, claim.kind, claim.evidence, claim.amount, claim.period)
            );
    }
}
