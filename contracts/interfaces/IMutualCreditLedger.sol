// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMembershipRegistry, MemberKind, MemberStatus} from "./IMembershipRegistry.sol";

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
interface IMutualCreditLedger is IMembershipRegistry {
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

    /// @notice A write-off of an account that owes nothing.
    error LedgerNoDebt(address account, int256 balance);

    /// @notice A write-off while the reserve holds nothing to cover it with.
    error LedgerReserveEmpty(address account, uint256 debt);

    /// @notice The one movement event: `from` lost `amount + fee`, `to` gained `amount`, and the
    /// reserve (the ledger's own address) gained `fee`. Payments, batch payments, write-offs (from
    /// the reserve) and key migrations all emit it, so replaying it alone rebuilds every balance.
    event Transferred(address indexed from, address indexed to, uint256 amount, uint256 fee, bytes32 ref);

    /// @notice The credit committee set the credit line of `account`.
    event CreditLineSet(address indexed account, uint256 creditLimit, uint256 ceiling);

    /// @notice The credit committee set the credit line that newly admitted members of `kind` get.
    event DefaultCreditLineSet(MemberKind indexed kind, uint256 creditLimit, uint256 ceiling);

    /// @notice The debt of an excluded member was written off against the reserve: `covered` of it
    /// was, `uncovered` was not (the reserve ran out) and stays on the account for a later write-off.
    event DebtWrittenOff(address indexed account, uint256 debt, uint256 covered, uint256 uncovered, bytes32 ref);

    /// @notice Governance changed the payment fee.
    event FeeChanged(uint256 previousFeeBps, uint256 newFeeBps);

    /// @notice Payments were paused or unpaused by `account`.
    event Paused(address account);
    event Unpaused(address account);

    /// @notice Pays `amount` to `to`; the payer also pays the fee (see `quoteFee`) to the reserve.
    /// @param ref A payment reference (an invoice number's hash, say) for both parties' books.
    function pay(address to, uint256 amount, bytes32 ref) external;

    /// @notice Pays many members in one transaction (a council's staff bonuses): each line is a
    /// payment of its own, with its own fee, all under one reference.
    function payBatch(address[] calldata recipients, uint256[] calldata amounts, bytes32 ref) external;

    /// @notice Sets the credit limit (how far below zero) and ceiling (how far above) of a member.
    function setCreditLine(address account, uint256 creditLimit, uint256 ceiling) external;

    /// @notice Sets the credit line that members of `kind` get when admitted.
    function setDefaultCreditLine(MemberKind kind, uint256 creditLimit, uint256 ceiling) external;

    /// @notice Writes off as much of an excluded member's debt as the reserve can cover.
    function writeOff(address account, bytes32 ref) external;

    /// @notice Sets the payment fee in basis points, at most `MAX_FEE_BPS`.
    function setFee(uint256 feeBps) external;

    /// @notice Stops all payments (not registry or committee work) until `unpause`.
    function pause() external;

    function unpause() external;

    function accountOf(address account) external view returns (AccountState memory);

    function balanceOf(address account) external view returns (int256);

    /// @notice How much `account` can still pay out, fee included: balance + credit limit, or 0.
    function availableCredit(address account) external view returns (uint256);

    /// @notice The reserve's balance: fees collected minus debts covered.
    function reserveBalance() external view returns (int256);

    /// @notice The address that stands for the reserve in `Transferred` events: the ledger itself.
    function reserveAccount() external view returns (address);

    function defaultCreditLine(MemberKind kind) external view returns (uint256 creditLimit, uint256 ceiling);

    function feeBps() external view returns (uint256);

    /// @notice The fee a payment of `amount` carries at the current rate (rounded up).
    function quoteFee(uint256 amount) external view returns (uint256);

    function paused() external view returns (bool);

    function name() external pure returns (string memory);

    function symbol() external pure returns (string memory);

    /// @notice 2: amounts are in hundredths of a unit, like cents.
    function decimals() external pure returns (uint8);
}
