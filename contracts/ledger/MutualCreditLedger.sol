// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MemberKind, MemberStatus} from "../membership/IMembershipRegistry.sol";
import {AccountState, IMutualCreditLedger, StimulusScope} from "./IMutualCreditLedger.sol";
import {FeeMath} from "./FeeMath.sol";
import {LedgerState} from "./LedgerState.sol";
import {IReserveFunding} from "./IReserveFunding.sol";
import {ReserveFunding} from "./ReserveFunding.sol";
import {CreditPolicy} from "./CreditPolicy.sol";
import {MembershipRegistry} from "../membership/MembershipRegistry.sol";
import {BonusAllowances} from "../councils/BonusAllowances.sol";
import {IBonusAllowances} from "../councils/IBonusAllowances.sol";
import {PackedAccount} from "../membership/PackedAccount.sol";
import {RegionalClearing} from "../clearing/RegionalClearing.sol";
import {AccessControlDefaultAdminRules} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// @title The assured mutual-credit ledger of the exchange cooperative
/// @notice See IMutualCreditLedger. Roles: the admin (to be handed to governance) grants the
/// others; registrars run the membership; the credit committee sets credit lines and writes off
/// defaults; governance (the timelock, by vote) sets the fee, stimulus, the coverage floor, admits
/// councils and funds projects from the reserve; pausers stop payments in an emergency; auditors hold
/// a role with no power on-chain, which the gateway reads to let them see every account.
contract MutualCreditLedger is IMutualCreditLedger, ReserveFunding, CreditPolicy {
    /// @inheritdoc IMutualCreditLedger
    uint256 public constant override MAX_FEE_BPS = 500;

    /// @notice A role and the account it is granted to at deployment.
    struct RoleGrant {
        bytes32 role;
        address account;
    }

    uint256 private constant _BPS = 10_000;
    /// @dev `runSpent` of a clearing move that carries no fee (see clearingMove).
    uint256 private constant _UNCHARGED = type(uint256).max;

    /// @dev Deployed here, so that the one contract allowed to pay for bonuses is fixed in the code.
    IBonusAllowances private immutable _BONUS_ALLOWANCES;
    /// @dev Deployed here too: the one contract allowed to move balances across regions.
    address private immutable _CLEARING;
    LedgerState private _state;
    /// @dev Each scope's stimulus: its extra credit (bits 0..63) and its end (bits 64..127).
    mapping(bytes32 scope => uint256 packed) private _stimuli;
    /// @dev The bound on every stimulus: its largest extra credit (bits 0..63), its longest duration
    /// (bits 64..127). The ledger holds it, not the constitution alone, so that a holder of
    /// GOVERNANCE_ROLE, a bug in the constitution or a future proposal kind cannot pass it.
    uint256 private _stimulusBound;

    /// @notice Deploys the ledger with its roles granted and its fee set.
    /// @param admin Holds DEFAULT_ADMIN_ROLE, the one admin (the governance's timelock): grants and
    /// revokes every role; it is handed over in two steps only, never to the zero address.
    /// @param adminDelay The wait, in seconds, between offering the admin role and its acceptance.
    /// @param grants The other roles, granted in the same transaction so that the deployment is
    /// complete and replayable from its own block.
    /// @param initialFeeBps The payment fee, in basis points, at most `MAX_FEE_BPS`.
    /// @param region This ledger's region number, which its clearing gives the other regions.
    /// @param maxStimulusCredit The largest extra credit a stimulus may give (see setStimulusBound).
    /// @param maxStimulusDuration The longest a stimulus may last, in seconds.
    constructor(
        address admin,
        uint48 adminDelay,
        RoleGrant[] memory grants,
        uint256 initialFeeBps,
        uint16 region,
        uint256 maxStimulusCredit,
        uint64 maxStimulusDuration
    ) AccessControlDefaultAdminRules(adminDelay, admin) EIP712("NEXT cooperative", "1") {
        // The staff roles are granted by GOVERNANCE_ROLE (the timelock), so that what members vote is
        // carried out even where a developer's key keeps the admin; GOVERNANCE_ROLE is the admin's.
        _setRoleAdmin(REGISTRAR_ROLE, GOVERNANCE_ROLE);
        _setRoleAdmin(CREDIT_COMMITTEE_ROLE, GOVERNANCE_ROLE);
        _setRoleAdmin(PAUSER_ROLE, GOVERNANCE_ROLE);
        _setRoleAdmin(AUDITOR_ROLE, GOVERNANCE_ROLE);
        for (uint256 i = 0; i < grants.length; ++i) {
            _grantRole(grants[i].role, grants[i].account);
        }
        _setFee(initialFeeBps);
        _setStimulusBound(maxStimulusCredit, maxStimulusDuration);
        _BONUS_ALLOWANCES = new BonusAllowances(this);
        _CLEARING = address(new RegionalClearing(this, region));
    }

    // ---------------------------------------------------------------------------------------------
    // Payments

    /// @inheritdoc IMutualCreditLedger
    function pay(address to, uint256 amount, bytes32 ref) external {
        _move(msg.sender, to, amount, ref, true);
    }

    /// @inheritdoc IMutualCreditLedger
    function payBatch(address[] calldata recipients, uint256[] calldata amounts, bytes32 ref) external {
        if (recipients.length != amounts.length || recipients.length == 0) {
            revert LedgerInvalidBatch(recipients.length, amounts.length);
        }
        for (uint256 i = 0; i < recipients.length; ++i) {
            _move(msg.sender, recipients[i], amounts[i], ref, true);
        }
    }

    /// @dev Key recovery: the new key also keeps the old one's allowances, runs and categories.
    function _migrated(address from, address to) internal override(CreditPolicy, MembershipRegistry) {
        super._migrated(from, to);
        _BONUS_ALLOWANCES.carryOver(from, to);
    }

    /// @inheritdoc IMutualCreditLedger
    function payForBonus(
        address holder,
        address from,
        address to,
        uint256 amount,
        bytes32 ref,
        uint256 runSpent
    ) external {
        if (msg.sender != address(_BONUS_ALLOWANCES)) revert LedgerNotBonusAllowances(msg.sender);
        MemberStatus status = _account(holder).status();
        if (status != MemberStatus.Active) revert LedgerAccountNotActive(holder, status);
        _transfer(from, to, amount, ref, true, runSpent);
    }

    /// @inheritdoc IMutualCreditLedger
    function clearingMove(address from, address to, uint256 amount, bytes32 ref, bool charged) external {
        _onlyClearing();
        _transfer(from, to, amount, ref, true, charged ? 0 : _UNCHARGED);
    }

    /// @inheritdoc IMutualCreditLedger
    function clearingAdmit(
        address account,
        MemberKind kind,
        uint16 region,
        bytes32 kycHash,
        uint256 creditLimit,
        uint256 ceiling
    ) external {
        _onlyClearing();
        if (kind == MemberKind.System) {
            if (_account(account).status() == MemberStatus.None) _admit(account, kind, region, kycHash);
            _setCreditLine(account, creditLimit, ceiling);
        } else {
            _forgetMoved(account);
            _admit(account, kind, region, kycHash);
        }
    }

    /// @inheritdoc IMutualCreditLedger
    function clearingLeave(address account) external {
        _onlyClearing();
        _leave(account);
    }

    function _move(address from, address to, uint256 amount, bytes32 ref, bool isPayment) internal override {
        _transfer(from, to, amount, ref, isPayment, 0);
    }

    /// @dev The one movement hook (as OpenZeppelin's ERC20._update): payments, batch lines,
    /// write-offs and key migrations all change balances here and nowhere else. The reserve is the
    /// account at this contract's own address; its balance lives in `_state`.
    ///
    /// Zero-sum rule: `from` loses `amount + fee`, `to` gains `amount`, the reserve gains `fee`;
    /// the sum of all balances, the reserve's included, is the same before and after.
    ///
    /// A payment (`isPayment`) carries the fee and must follow the rules of payment: not paused, a
    /// valid amount, two distinct active members, the payer not below minus its credit limit, the
    /// payee not above its ceiling. Write-offs and migrations move balances by decision of a role
    /// holder, carry no fee and skip those rules.
    ///
    /// A bonus allowance's spending (`runSpent` above 0, see `payForBonus`) may use the credit that the
    /// council's allowances hold back, which its own payments may not, and carries the fee of its
    /// run's spending as a whole.
    ///
    /// Every movement also keeps the credit in use (the sum of the debts) in `_state`: what the
    /// payer's debt grew by, less what the payee's shrank by.
    ///
    /// This is the hot path, written so that a payment reads and writes three slots once each
    /// (payer, payee, `_state`) and hashes each mapping key once.
    function _transfer(
        address from,
        address to,
        uint256 amount,
        bytes32 ref,
        bool isPayment,
        uint256 runSpent
    ) private {
        LedgerState state = _state;
        uint256 fee = isPayment ? _paymentFee(from, to, amount, state, runSpent) : 0;

        // Unchecked: amounts are at most MAX_AMOUNT (2^63) or a balance, the fee at most 5% more,
        // balances within int64 and the reserve within int128, so no int256 sum here can overflow.
        unchecked {
            uint256 debtAdded;
            if (from == address(this)) {
                state = state.withReserve(state.reserve() - int256(amount));
            } else {
                AccountSlot storage payerSlot = _accountSlot(from);
                PackedAccount payer = payerSlot.packed;
                int256 payerBefore = payer.balance();
                int256 payerAfter = payerBefore - int256(amount + fee);
                if (isPayment) _requirePayer(from, payer, payerAfter, runSpent);
                payerSlot.packed = payer.withBalance(payerAfter);
                if (payerAfter < 0) debtAdded = payerBefore < 0 ? amount + fee : uint256(-payerAfter);
            }

            AccountSlot storage payeeSlot = _accountSlot(to);
            PackedAccount payee = payeeSlot.packed;
            int256 payeeBefore = payee.balance();
            int256 payeeAfter = payeeBefore + int256(amount);
            if (isPayment) {
                if (payee.status() != MemberStatus.Active) revert LedgerAccountNotActive(to, payee.status());
                if (payeeAfter > int256(payee.ceiling())) revert LedgerCeilingExceeded(to, payeeAfter, payee.ceiling());
                // Its turnover too, but not from a clearing move, which is no trade of the payee's.
                payeeSlot.packed =
                    runSpent == _UNCHARGED
                        ? payee.withBalance(payeeAfter)
                        : payee.withPaymentReceived(payeeAfter, amount);
            } else {
                payeeSlot.packed = payee.withBalance(payeeAfter);
            }

            if (fee != 0) state = state.withReserve(state.reserve() + int256(fee));
            uint256 debtRepaid;
            if (payeeBefore < 0) debtRepaid = payeeAfter < 0 ? amount : uint256(-payeeBefore);
            // A sum of debts, each repaid only after it was added: never below zero.
            if (debtAdded != debtRepaid) state = state.withCreditInUse(state.creditInUse() + debtAdded - debtRepaid);
        }
        _state = state;
        emit Transferred(from, to, amount, fee, ref);
    }

    // ---------------------------------------------------------------------------------------------
    // Credit committee

    /// @inheritdoc IMutualCreditLedger
    function setCreditLine(
        address account,
        uint256 creditLimit,
        uint256 ceiling
    ) external onlyRole(CREDIT_COMMITTEE_ROLE) {
        _setCreditLine(account, creditLimit, ceiling);
    }

    function _setCreditLine(address account, uint256 creditLimit, uint256 ceiling) private {
        _requireCreditLine(creditLimit, ceiling);
        AccountSlot storage slot = _accountSlot(account);
        PackedAccount packed = slot.packed;
        MemberStatus status = packed.status();
        if (status != MemberStatus.Active && status != MemberStatus.Frozen) {
            revert MembershipInvalidStatus(account, status);
        }
        // A limit may be lowered below the current debt: the member then cannot pay until it has
        // earned its way back, but is not forced to repay at once.
        slot.packed = packed.withCreditLine(creditLimit, ceiling);
        emit CreditLineSet(account, creditLimit, ceiling);
        _pin(account); // the committee's decision stands over the credit policy
    }

    /// @inheritdoc IMutualCreditLedger
    function setDefaultCreditLine(
        MemberKind kind,
        uint256 creditLimit,
        uint256 ceiling
    ) external onlyRole(CREDIT_COMMITTEE_ROLE) {
        _requireCreditLine(creditLimit, ceiling);
        _setDefaultCreditLine(kind, creditLimit, ceiling);
        emit DefaultCreditLineSet(kind, creditLimit, ceiling);
    }

    /// @inheritdoc IMutualCreditLedger
    function writeOff(address account, bytes32 ref) external onlyRole(CREDIT_COMMITTEE_ROLE) {
        PackedAccount packed = _account(account);
        if (packed.status() != MemberStatus.Excluded) revert MembershipInvalidStatus(account, packed.status());
        int256 balance = packed.balance();
        if (balance >= 0) revert LedgerNoDebt(account, balance);

        uint256 debt = uint256(-balance);
        uint256 reserve = uint256(_state.reserve()); // never negative: it only pays what it holds
        if (reserve == 0) revert LedgerReserveEmpty(account, debt);
        uint256 covered = debt < reserve ? debt : reserve;

        _move(address(this), account, covered, ref, false);
        emit DebtWrittenOff(account, debt, covered, debt - covered, ref);
    }

    // ---------------------------------------------------------------------------------------------
    // Governance and emergencies

    /// @inheritdoc IMutualCreditLedger
    function admitCouncil(address account, uint16 region, bytes32 kycHash) external onlyRole(GOVERNANCE_ROLE) {
        _admit(account, MemberKind.Council, region, kycHash);
    }

    /// @inheritdoc IMutualCreditLedger
    function setFee(uint256 newFeeBps) external onlyRole(GOVERNANCE_ROLE) {
        _setFee(newFeeBps);
    }

    /// @inheritdoc IMutualCreditLedger
    function setStimulus(
        StimulusScope calldata scope,
        uint256 extraCredit,
        uint64 endsAt
    ) external onlyRole(GOVERNANCE_ROLE) {
        uint256 bound = _stimulusBound;
        uint256 latestEnd = block.timestamp + (bound >> 64);
        // Zero ends a stimulus: whenever it says, it gives nothing.
        if (extraCredit > uint64(bound) || (extraCredit != 0 && endsAt > latestEnd)) {
            revert LedgerStimulusOutOfBounds(extraCredit, endsAt, uint64(bound), latestEnd);
        }
        uint16 region = scope.allRegions ? 0 : scope.region;
        MemberKind kind = scope.allKinds ? MemberKind.Individual : scope.kind;
        bytes32 key = _scopeKey(scope.allRegions, region, scope.allKinds, kind);
        _stimuli[key] = extraCredit | (uint256(endsAt) << 64);
        emit StimulusSet(key, scope.allRegions, region, scope.allKinds, kind, extraCredit, endsAt);
    }

    /// @inheritdoc IMutualCreditLedger
    function setStimulusBound(uint256 maxExtraCredit, uint64 maxDuration) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setStimulusBound(maxExtraCredit, maxDuration);
    }

    /// @inheritdoc IMutualCreditLedger
    function pause() external onlyRole(PAUSER_ROLE) {
        if (_state.paused()) revert LedgerEnforcedPause();
        _state = _state.withPaused(true);
        emit Paused(msg.sender);
    }

    /// @inheritdoc IMutualCreditLedger
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (!_state.paused()) revert LedgerExpectedPause();
        _state = _state.withPaused(false);
        emit Unpaused(msg.sender);
    }

    // ---------------------------------------------------------------------------------------------
    // Views

    /// @inheritdoc IMutualCreditLedger
    function accountOf(address account) external view returns (AccountState memory) {
        PackedAccount packed = _account(account);
        return
            AccountState({
                balance: packed.balance(),
                creditLimit: packed.creditLimit(),
                ceiling: packed.ceiling(),
                status: packed.status(),
                kind: packed.kind(),
                region: packed.region()
            });
    }

    /// @inheritdoc IMutualCreditLedger
    function balanceOf(address account) external view returns (int256) {
        return account == address(this) ? _state.reserve() : _account(account).balance();
    }

    /// @inheritdoc IMutualCreditLedger
    function availableCredit(address account) external view returns (uint256) {
        PackedAccount packed = _account(account);
        if (packed.status() != MemberStatus.Active) return 0; // the ledger refuses its payments
        (uint256 extra, ) = _stimulus(packed.region(), packed.kind());
        int256 available = packed.balance() + int256(packed.creditLimit() + extra);
        if (packed.kind() == MemberKind.Council) available -= int256(_BONUS_ALLOWANCES.creditHeldBy(account));
        return available > 0 ? uint256(available) : 0;
    }

    /// @inheritdoc IMutualCreditLedger
    function bonusAllowances() external view returns (address) {
        return address(_BONUS_ALLOWANCES);
    }

    /// @inheritdoc IMutualCreditLedger
    function regionalClearing() external view returns (address) {
        return _CLEARING;
    }

    /// @inheritdoc IMutualCreditLedger
    function stimulusOf(address account) external view returns (uint256 extraCredit, uint64 endsAt) {
        PackedAccount packed = _account(account);
        if (packed.status() == MemberStatus.None) return (0, 0);
        return _stimulus(packed.region(), packed.kind());
    }

    /// @inheritdoc IMutualCreditLedger
    function stimulusBound() external view returns (uint256 maxExtraCredit, uint256 maxDuration) {
        return (uint64(_stimulusBound), _stimulusBound >> 64);
    }

    /// @inheritdoc IMutualCreditLedger
    function reserveBalance() external view returns (int256) {
        return _state.reserve();
    }

    /// @inheritdoc IReserveFunding
    function creditInUse() external view returns (uint256) {
        return _state.creditInUse();
    }

    /// @inheritdoc IMutualCreditLedger
    function reserveAccount() external view returns (address) {
        return address(this);
    }

    /// @inheritdoc IMutualCreditLedger
    function defaultCreditLine(MemberKind kind) external view returns (uint256 creditLimit, uint256 ceiling) {
        PackedAccount line = _defaultCreditLine(kind);
        return (line.creditLimit(), line.ceiling());
    }

    /// @inheritdoc IMutualCreditLedger
    function feeBps() external view returns (uint256) {
        return _state.feeBps();
    }

    /// @inheritdoc IMutualCreditLedger
    function quoteFee(uint256 amount) external view returns (uint256) {
        if (amount > MAX_AMOUNT) revert LedgerInvalidAmount(amount);
        return FeeMath.fee(amount, _state.feeBps());
    }

    /// @inheritdoc IMutualCreditLedger
    function paused() external view returns (bool) {
        return _state.paused();
    }

    /// @inheritdoc IMutualCreditLedger
    function name() external pure returns (string memory) {
        return "NExT mutual credit";
    }

    /// @inheritdoc IMutualCreditLedger
    function symbol() external pure returns (string memory) {
        return "NXT";
    }

    /// @inheritdoc IMutualCreditLedger
    function decimals() external pure returns (uint8) {
        return 2;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals

    function _reserveAccount() internal view override returns (address) {
        return address(this);
    }

    /// @dev An instalment follows the payee's side of the rules of payment (not paused, an active
    /// member, its ceiling), then the coverage floor, measured after it: the reserve less the
    /// instalment, against the credit in use less the debt the instalment repays.
    function _payInstalment(uint256 projectId, address account, uint256 amount, uint256 floorBps) internal override {
        LedgerState state = _state;
        if (state.paused()) revert LedgerEnforcedPause();
        PackedAccount payee = _account(account);
        if (payee.status() != MemberStatus.Active) revert LedgerAccountNotActive(account, payee.status());
        int256 before = payee.balance();
        int256 after_ = before + int256(amount);
        if (after_ > int256(payee.ceiling())) revert LedgerCeilingExceeded(account, after_, payee.ceiling());

        int256 reserveAfter = state.reserve() - int256(amount);
        uint256 repaid = before >= 0 ? 0 : (after_ < 0 ? amount : uint256(-before));
        uint256 creditAfter = state.creditInUse() - repaid;
        if (reserveAfter < 0 || uint256(reserveAfter) * _BPS < floorBps * creditAfter) {
            revert ReserveCoverageBelowFloor(projectId, reserveAfter, creditAfter, floorBps);
        }
        _move(address(this), account, amount, bytes32(projectId), false);
    }

    function _onlyClearing() private view {
        if (msg.sender != _CLEARING) revert LedgerNotClearing(msg.sender);
    }

    function _setStimulusBound(uint256 maxExtraCredit, uint64 maxDuration) private {
        if (maxExtraCredit > MAX_AMOUNT) revert LedgerCreditLineTooLarge(maxExtraCredit, MAX_AMOUNT);
        _stimulusBound = maxExtraCredit | (uint256(maxDuration) << 64);
        emit StimulusBoundSet(maxExtraCredit, maxDuration);
    }

    function _setFee(uint256 newFeeBps) private {
        if (newFeeBps > MAX_FEE_BPS) revert LedgerFeeTooHigh(newFeeBps, MAX_FEE_BPS);
        LedgerState state = _state;
        _state = state.withFeeBps(newFeeBps);
        emit FeeChanged(state.feeBps(), newFeeBps);
    }

    function _requireCreditLine(uint256 creditLimit, uint256 ceiling) private pure {
        if (creditLimit > MAX_AMOUNT) revert LedgerCreditLineTooLarge(creditLimit, MAX_AMOUNT);
        if (ceiling > MAX_AMOUNT) revert LedgerCreditLineTooLarge(ceiling, MAX_AMOUNT);
    }

    // ---------------------------------------------------------------------------------------------
    // Stimuli

    /// @dev A payment's rules before any balance is read (not paused, a valid amount, two parties),
    /// and its fee: of the amount, or for an allowance, of its run's spending as a whole.
    function _paymentFee(
        address from,
        address to,
        uint256 amount,
        LedgerState state,
        uint256 runSpent
    ) private pure returns (uint256) {
        if (state.paused()) revert LedgerEnforcedPause();
        if (amount == 0 || amount > MAX_AMOUNT) revert LedgerInvalidAmount(amount);
        if (from == to) revert LedgerSelfPayment(from);
        uint256 feeBps = state.feeBps();
        if (runSpent == 0) return FeeMath.fee(amount, feeBps);
        if (runSpent == _UNCHARGED) return 0;
        return FeeMath.fee(runSpent - 1 + amount, feeBps) - FeeMath.fee(runSpent - 1, feeBps);
    }

    /// @dev The payer's side of a payment: an active member, within its credit. Only a payment
    /// beyond the limit, or a council's own, reads the stimuli and the credit held back: the others
    /// pay nothing for them.
    function _requirePayer(address from, PackedAccount payer, int256 payerAfter, uint256 runSpent) private view {
        if (payer.status() != MemberStatus.Active) revert LedgerAccountNotActive(from, payer.status());
        bool councilsOwn = runSpent == 0 && payer.kind() == MemberKind.Council;
        if (councilsOwn || payerAfter < -int256(payer.creditLimit())) {
            // A clearing move has the account's own limit: a region's limit is the one its governance
            // set, and a member's balance moves with no stimulus.
            if (runSpent == _UNCHARGED) revert LedgerInsufficientCredit(from, payerAfter, payer.creditLimit());
            _requireCredit(from, payer, payerAfter, councilsOwn);
        }
    }

    /// @dev A payment within the payer's limit and a running stimulus (at most MAX_AMOUNT in all, so
    /// that a balance stays within int64), less, for a council's own payment (`countsHeld`), the
    /// credit its outstanding bonus allowances hold back; or refused.
    function _requireCredit(address from, PackedAccount payer, int256 payerAfter, bool countsHeld) private view {
        uint256 held = countsHeld ? _BONUS_ALLOWANCES.creditHeldBy(from) : 0;
        (uint256 extra, ) = _stimulus(payer.region(), payer.kind());
        uint256 limit = payer.creditLimit() + extra;
        if (limit > MAX_AMOUNT) limit = MAX_AMOUNT;
        if (payerAfter - int256(held) >= -int256(limit)) return;
        if (held == 0) revert LedgerInsufficientCredit(from, payerAfter, limit);
        revert LedgerCreditHeld(from, payerAfter, limit, held);
    }

    /// @dev The largest running stimulus among the four scopes a member is in: its region and kind,
    /// its region, its kind, everyone.
    function _stimulus(uint16 region, MemberKind kind) private view returns (uint256 extra, uint64 endsAt) {
        bytes32[4] memory keys = [
            _scopeKey(false, region, false, kind),
            _scopeKey(false, region, true, MemberKind.Individual),
            _scopeKey(true, 0, false, kind),
            _scopeKey(true, 0, true, MemberKind.Individual)
        ];
        for (uint256 i = 0; i < 4; ++i) {
            uint256 packed = _stimuli[keys[i]];
            uint64 end = uint64(packed >> 64);
            uint256 amount = packed & type(uint64).max;
            if (end > block.timestamp && amount > extra) (extra, endsAt) = (amount, end);
        }
    }

    function _scopeKey(bool allRegions, uint16 region, bool allKinds, MemberKind kind) private pure returns (bytes32) {
        return keccak256(abi.encode(allRegions, region, allKinds, kind));
    }
}
