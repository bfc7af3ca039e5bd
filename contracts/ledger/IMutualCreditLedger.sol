// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMembershipRegistry, MemberKind, MemberStatus} from "../membership/IMembershipRegistry.sol";
import {IReserveFunding} from "./IReserveFunding.sol";
import {ICreditPolicy} from "./ICreditPolicy.sol";

/// @notice Whom a stimulus reaches: the members of a region (or of all), of a kind (or of all).
struct StimulusScope {
    bool allRegions;
    uint16 region;
    bool allKinds;
    MemberKind kind;
}

/// @notice An account as the views return it.
struct AccountState {
    int256 balance;
    uint256 creditLimit;
    uint256 ceiling;
    MemberStatus status;
    MemberKind kind;
    uint16 region;
}

/// @title The assured mutual-credit ledger
/// @notice Members pay each other in a non-convertible unit with 2 decimals. A payer may go below
/// zero down to its credit limit (that is how money is created); a payee may not rise above its
/// ceiling. Every payment carries a fee, in basis points, credited to the insurance reserve: an
/// account inside this ledger at the ledger's own address. The credit committee writes off the debt
/// of an excluded member against the reserve.
/// @dev Zero-sum invariant: at every block, the balances of all accounts plus the reserve sum to 0.
interface IMutualCreditLedger is IMembershipRegistry, IReserveFunding, ICreditPolicy {
    /// @notice Paying would leave `account` at `balanceAfter`, below minus its `creditLimit`.
    error LedgerInsufficientCredit(address account, int256 balanceAfter, uint256 creditLimit);

    /// @notice Being paid would leave `account` at `balanceAfter`, above its `ceiling`.
    error LedgerCeilingExceeded(address account, int256 balanceAfter, uint256 ceiling);

    /// @notice A payment, paying or receiving member is not active (frozen, excluded, or unknown).
    error LedgerAccountNotActive(address account, MemberStatus status);

    /// @notice An amount is zero or above `MAX_AMOUNT`.
    error LedgerInvalidAmount(uint256 amount);

    /// @notice A member tried to pay itself.
    error LedgerSelfPayment(address account);

    /// @notice A batch has `recipients` payees but `amounts` amounts, or none at all.
    error LedgerInvalidBatch(uint256 recipients, uint256 amounts);

    /// @notice The fee asked for is above the hard maximum.
    error LedgerFeeTooHigh(uint256 feeBps, uint256 maxFeeBps);

    /// @notice A credit limit or ceiling above `MAX_AMOUNT`.
    error LedgerCreditLineTooLarge(uint256 value, uint256 max);

    /// @notice Payments are paused.
    error LedgerEnforcedPause();

    /// @notice Unpause was asked while not paused.
    error LedgerExpectedPause();

    /// @notice Only the bonus allowances contract that the ledger deployed pays for a bonus.
    error LedgerNotBonusAllowances(address caller);

    /// @notice A council's own payment would leave it at `balanceAfter`: into the credit `held` back
    /// for its outstanding bonus allowances, below minus its `creditLimit` plus `held`.
    error LedgerCreditHeld(address council, int256 balanceAfter, uint256 creditLimit, uint256 held);

    /// @notice A write-off of an account that owes nothing.
    error LedgerNoDebt(address account, int256 balance);

    /// @notice A write-off while the reserve holds nothing to cover it with.
    error LedgerReserveEmpty(address account, uint256 debt);

    /// @notice Only this region's clearing contract moves balances to and from other regions.
    error LedgerNotClearing(address caller);

    /// @notice A stimulus passes the ledger's bound, whoever sets it: at most `maxExtraCredit`,
    /// ending by `latestEnd` (now plus the longest duration allowed).
    error LedgerStimulusOutOfBounds(uint256 extraCredit, uint256 endsAt, uint256 maxExtraCredit, uint256 latestEnd);

    /// @notice The one movement event: `from` lost `amount + fee`, `to` gained `amount`, and the
    /// reserve (the ledger's own address) gained `fee`. Payments, batch payments, write-offs (from
    /// the reserve) and key migrations all emit it, so replaying it alone rebuilds every balance.
    /// @param from The payer (the reserve for a write-off, the lost key for a migration).
    /// @param to The payee.
    /// @param amount What `to` gained, in hundredths.
    /// @param fee What the reserve gained on top, paid by `from`.
    /// @param ref The payment's reference, as the payer gave it.
    event Transferred(address indexed from, address indexed to, uint256 amount, uint256 fee, bytes32 ref);

    /// @notice The credit committee set the credit line of `account`.
    /// @param account The member.
    /// @param creditLimit How far below zero it may go now.
    /// @param ceiling The highest balance it may hold now.
    event CreditLineSet(address indexed account, uint256 creditLimit, uint256 ceiling);

    /// @notice The credit committee set the credit line that newly admitted members of `kind` get.
    /// @param kind The kind of member it applies to.
    /// @param creditLimit The credit limit new members of that kind get.
    /// @param ceiling The ceiling new members of that kind get.
    event DefaultCreditLineSet(MemberKind indexed kind, uint256 creditLimit, uint256 ceiling);

    /// @notice The debt of an excluded member was written off against the reserve: `covered` of it
    /// was, `uncovered` was not (the reserve ran out) and stays on the account for a later write-off.
    /// @param account The excluded member.
    /// @param debt Its debt before the write-off.
    /// @param covered The part the reserve covered.
    /// @param uncovered The part left on the account.
    /// @param ref The write-off's reference.
    event DebtWrittenOff(address indexed account, uint256 debt, uint256 covered, uint256 uncovered, bytes32 ref);

    /// @notice Governance changed the payment fee.
    /// @param previousFeeBps The fee before, in basis points.
    /// @param newFeeBps The fee now, in basis points.
    event FeeChanged(uint256 previousFeeBps, uint256 newFeeBps);

    /// @notice A stimulus was set for a scope (or ended early, with `extraCredit` 0).
    /// @param scope The scope's key: keccak256 of its four fields, a wildcard's value zeroed.
    /// @param allRegions Whether it reaches every region.
    /// @param region Its region, unless all.
    /// @param allKinds Whether it reaches every member kind.
    /// @param kind Its member kind, unless all.
    /// @param extraCredit The extra credit, in hundredths.
    /// @param endsAt When it ends.
    event StimulusSet(
        bytes32 indexed scope,
        bool allRegions,
        uint16 region,
        bool allKinds,
        MemberKind kind,
        uint256 extraCredit,
        uint64 endsAt
    );

    /// @notice The bound on every stimulus changed (the admin's alone: a vote of the constitution's rule).
    /// @param maxExtraCredit The largest extra credit a stimulus may give, in hundredths.
    /// @param maxDuration The longest a stimulus may last from when it is set, in seconds.
    event StimulusBoundSet(uint256 maxExtraCredit, uint64 maxDuration);

    /// @notice Payments were paused by `account`.
    /// @param account The pauser.
    event Paused(address account);

    /// @notice Payments were unpaused by `account`.
    /// @param account The pauser.
    event Unpaused(address account);

    /// @notice Pays `amount` to `to`; the payer also pays the fee (see `quoteFee`) to the reserve.
    /// @param to An active member, not the payer.
    /// @param amount In hundredths, from 1 to `MAX_AMOUNT`.
    /// @param ref A payment reference (an invoice number's hash, say) for both parties' books.
    function pay(address to, uint256 amount, bytes32 ref) external;

    /// @notice Pays many members in one transaction (a council's staff bonuses): each line is a
    /// payment of its own, with its own fee, all under one reference.
    /// @param recipients The payees, one per line (a payee may appear more than once).
    /// @param amounts What each line pays, in hundredths, as long as `recipients`.
    /// @param ref The reference of every line.
    function payBatch(address[] calldata recipients, uint256[] calldata amounts, bytes32 ref) external;

    /// @notice A payment that a holder makes through the bonus allowances contract, which alone may
    /// call this: the part paid from an allowance (from the run's council, out of the credit its
    /// allowances hold back) or the part the holder pays in plain units (from the holder). Both follow
    /// the rules of payment and carry the fee. The holder must be an active member, as any payer: a
    /// frozen, excluded, migrated or moved holder spends nothing of a council's
    /// (`LedgerAccountNotActive(holder, status)`).
    /// @param holder The allowance's holder, who spends.
    /// @param from The run's council, or the holder.
    /// @param to The payee.
    /// @param amount In hundredths.
    /// @param ref The payment's reference.
    /// @param runSpent 0 for plain units. For an allowance: 1 + what its run had spent before. The
    /// fee is then that of the run's spending as a whole (the fee of what it has spent with this
    /// payment, less the fee of what it had spent), so that small pieces cost no more fee.
    function payForBonus(
        address holder,
        address from,
        address to,
        uint256 amount,
        bytes32 ref,
        uint256 runSpent
    ) external;

    /// @notice The councils' bonus allowances contract, deployed by the ledger's constructor.
    /// @return Its address.
    function bonusAllowances() external view returns (address);

    /// @notice This region's clearing with the other regions, deployed by the ledger's constructor.
    /// @return Its address.
    function regionalClearing() external view returns (address);

    /// @notice A move of the clearing (see IRegionalClearing), which alone may call this: it follows
    /// the rules of payment (not paused, two distinct active accounts, the payer within its credit
    /// limit, the payee under its ceiling). `charged`: the payer's side of a payment across regions,
    /// with this region's fee and stimulus. Else no fee and no stimulus (a region's account, or a
    /// moving member's balance), and no turnover counted for the credit policy.
    /// @param from The account that pays.
    /// @param to The account that receives.
    /// @param amount In hundredths.
    /// @param ref The payment's reference.
    /// @param charged Whether this is a payer's side, with the fee.
    function clearingMove(address from, address to, uint256 amount, bytes32 ref, bool charged) external;

    /// @notice The clearing opens an account: a partner region's (kind System, with the credit line
    /// given, set again on later calls and kept from the credit policy) or an arriving member's (its
    /// kind's default line; an address that had moved away from here starts afresh).
    /// @param account The partner's clearing, or the arriving member.
    /// @param kind System for a partner, else the member's kind.
    /// @param region The partner's region number, or this one's.
    /// @param kycHash Zero for a partner, else the member's KYC hash.
    /// @param creditLimit A partner's credit limit (ignored for a member).
    /// @param ceiling A partner's ceiling (ignored for a member).
    function clearingAdmit(
        address account,
        MemberKind kind,
        uint16 region,
        bytes32 kycHash,
        uint256 creditLimit,
        uint256 ceiling
    ) external;

    /// @notice The clearing closes the account of a member who moved away: `Moved` from now on.
    /// @param account The member, active until now, its balance already carried away.
    function clearingLeave(address account) external;

    /// @notice Sets the credit limit (how far below zero) and ceiling (how far above) of a member.
    /// @param account An active or frozen member.
    /// @param creditLimit How far below zero it may go, at most `MAX_AMOUNT`.
    /// @param ceiling The highest balance it may hold, at most `MAX_AMOUNT`.
    function setCreditLine(address account, uint256 creditLimit, uint256 ceiling) external;

    /// @notice Sets the credit line that members of `kind` get when admitted.
    /// @param kind The kind of member.
    /// @param creditLimit The credit limit of new members of that kind.
    /// @param ceiling The ceiling of new members of that kind.
    function setDefaultCreditLine(MemberKind kind, uint256 creditLimit, uint256 ceiling) external;

    /// @notice Writes off as much of an excluded member's debt as the reserve can cover.
    /// @param account An excluded member with a negative balance.
    /// @param ref The write-off's reference (the committee's decision, say).
    function writeOff(address account, bytes32 ref) external;

    /// @notice Sets the payment fee in basis points, at most `MAX_FEE_BPS`.
    /// @param feeBps The new fee, in basis points (20 is 0.2%).
    function setFee(uint256 feeBps) external;

    /// @notice A stimulus ("relance"): the members in `scope` may go `extraCredit` further below
    /// zero than their credit limit until `endsAt`, when it ends by itself. A member in several
    /// scopes gets the largest. Zero ends one early. Governance only (a vote), and within the
    /// stimulus bound whoever holds the role: the bound is the ledger's, not the proposer's.
    /// @param scope A region or all, a member kind or all.
    /// @param extraCredit The extra credit, in hundredths, at most the bound's.
    /// @param endsAt When it ends (a timestamp), at most the bound's duration from now.
    function setStimulus(StimulusScope calldata scope, uint256 extraCredit, uint64 endsAt) external;

    /// @notice Sets the bound on every stimulus. The admin's alone (the timelock: a vote under the
    /// constitution's own rule), never GOVERNANCE_ROLE's, so that no holder of a role can lift it.
    /// @param maxExtraCredit The largest extra credit, in hundredths, at most `MAX_AMOUNT`.
    /// @param maxDuration The longest duration from when a stimulus is set, in seconds.
    function setStimulusBound(uint256 maxExtraCredit, uint64 maxDuration) external;

    /// @notice The bound on every stimulus.
    /// @return maxExtraCredit The largest extra credit, in hundredths.
    /// @return maxDuration The longest duration from when it is set, in seconds.
    function stimulusBound() external view returns (uint256 maxExtraCredit, uint256 maxDuration);

    /// @notice The stimulus an account has now: the largest of the scopes it is in, 0 if none.
    /// @param account A member.
    /// @return extraCredit The extra credit below its limit, in hundredths.
    /// @return endsAt When that stimulus ends (0 if none).
    function stimulusOf(address account) external view returns (uint256 extraCredit, uint64 endsAt);

    /// @notice Admits a council: a member with a council's credit line, whose admission the members
    /// vote on. Governance only (a vote).
    /// @param account The address to admit: not the zero address, the reserve, or a key used before.
    /// @param region The council's region number.
    /// @param kycHash A hash of the off-chain reference of the council's decision to join.
    function admitCouncil(address account, uint16 region, bytes32 kycHash) external;

    /// @notice Stops all payments (not registry or committee work) until `unpause`.
    function pause() external;

    /// @notice Lets payments through again.
    function unpause() external;

    /// @notice A member's whole account in one read (the one storage slot it lives in).
    /// @param account Any address.
    /// @return The balance, credit limit, ceiling, status, kind and region (all zero for a stranger).
    function accountOf(address account) external view returns (AccountState memory);

    /// @notice A member's balance, which may be negative down to its credit limit.
    /// @param account Any address.
    /// @return The balance in hundredths.
    function balanceOf(address account) external view returns (int256);

    /// @notice How much `account` can still pay out, fee included: balance + credit limit + a running
    /// stimulus, less, for a council, the credit its outstanding bonus allowances hold back; or 0, and
    /// always 0 for an account that is not active (frozen, excluded, migrated, moved).
    /// @param account Any address.
    /// @return The available credit in hundredths.
    function availableCredit(address account) external view returns (uint256);

    /// @notice The reserve's balance: fees collected minus debts covered and projects funded.
    /// @return The reserve in hundredths.
    function reserveBalance() external view returns (int256);

    /// @notice The address that stands for the reserve in `Transferred` events: the ledger itself.
    /// @return The ledger's own address.
    function reserveAccount() external view returns (address);

    /// @notice The credit line newly admitted members of `kind` get.
    /// @param kind The kind of member.
    /// @return creditLimit How far below zero they may go.
    /// @return ceiling The highest balance they may hold.
    function defaultCreditLine(MemberKind kind) external view returns (uint256 creditLimit, uint256 ceiling);

    // solhint-disable func-name-mixedcase
    /// @notice The hard maximum of the payment fee, in basis points: no vote can set more.
    /// @return 500 (5%).
    function MAX_FEE_BPS() external view returns (uint256);
    // solhint-enable func-name-mixedcase

    /// @notice The payment fee.
    /// @return The fee in basis points.
    function feeBps() external view returns (uint256);

    /// @notice The fee a payment of `amount` carries at the current rate (rounded up).
    /// @param amount A payment's amount, in hundredths.
    /// @return The fee in hundredths.
    function quoteFee(uint256 amount) external view returns (uint256);

    /// @notice Whether payments are paused.
    /// @return True while paused.
    function paused() external view returns (bool);

    /// @notice The currency's name, for wallets.
    /// @return The name.
    function name() external pure returns (string memory);

    /// @notice The currency's symbol, for wallets.
    /// @return The symbol.
    function symbol() external pure returns (string memory);

    /// @notice 2: amounts are in hundredths of a unit, like cents.
    /// @return 2.
    function decimals() external pure returns (uint8);
}
