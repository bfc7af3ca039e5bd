// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MemberKind, MemberStatus} from "../membership/IMembershipRegistry.sol";
import {IMutualCreditLedger} from "../ledger/IMutualCreditLedger.sol";

/// @notice A bonus run as the views return it.
/// @param council The council that issues it and whose account each spending debits.
/// @param expiresAt When every allowance of the run lapses.
/// @param categories Where it may be spent: a bit per member category, 0 for any category.
/// @param regions Where it may be spent: up to four region numbers, 0 in unused places; all 0 for
/// any region.
/// @param issued What the run issued in all, in hundredths.
/// @param spent What its holders spent of it.
/// @param outstanding What is issued and not spent: what may still be spent, or after the expiry,
/// what lapsed.
struct BonusRun {
    address council;
    uint64 expiresAt;
    uint64 categories;
    uint16[4] regions;
    uint256 issued;
    uint256 spent;
    uint256 outstanding;
}

/// @notice A holder's allowance as the views return it.
/// @param runId The run it was issued in.
/// @param council The council that pays for it.
/// @param remaining What is left of it, in hundredths.
/// @param expiresAt When it lapses.
/// @param categories Where it may be spent (see BonusRun).
/// @param regions Where it may be spent (see BonusRun).
struct Allowance {
    uint256 runId;
    address council;
    uint256 remaining;
    uint64 expiresAt;
    uint64 categories;
    uint16[4] regions;
}

/// @title Councils' bonus allowances: money that is created where it is spent, at local businesses
/// @notice A council issues allowances to its staff (a year-end bonus, say) in runs: each run has an
/// expiry and the member categories (local shops, culture, ...) and regions where it may be spent.
/// Issuing creates no money. When a holder pays an eligible business, the allowance is spent: the
/// council's ledger account is debited then, within its credit line, and the business is credited
/// with ordinary units. What is unspent at the expiry lapses by itself: nothing is clawed back.
/// The allowances outstanding count against the council's available credit in the ledger, so that a
/// holder's payment never fails for the council's lack of credit. Allowances are not transferable;
/// a payment uses the holder's eligible allowances first, the soonest to expire first, and then,
/// if the holder allows it, plain units.
///
/// Member categories are kept here, set by the ledger's registrars: a business may be in several,
/// and only a member in at least one category can be paid with an allowance.
interface IBonusAllowances {
    /// @notice `caller` needs the ledger's registrar role.
    error BonusNotRegistrar(address caller);

    /// @notice Only the ledger carries a recovered key's allowances over.
    error BonusNotLedger(address caller);

    /// @notice `account` is a `kind` member with status `status`: the operation needs an active member
    /// (an active council to open a run).
    error BonusInvalidMember(address account, MemberStatus status, MemberKind kind);

    /// @notice An expiry at `expiresAt` is not after now (`nowAt`) or later than `latest`.
    error BonusInvalidExpiry(uint256 expiresAt, uint256 nowAt, uint256 latest);

    /// @notice `count` regions, of which one is 0, or more than `max`.
    error BonusInvalidRegions(uint256 count, uint256 max);

    /// @notice `council` has `max` runs open (unexpired) already.
    error BonusTooManyRuns(address council, uint256 max);

    /// @notice No run has that id.
    error BonusUnknownRun(uint256 runId);

    /// @notice Only the council of run `runId` issues in it.
    error BonusNotRunCouncil(uint256 runId, address caller);

    /// @notice Run `runId` expired at `expiresAt`: nothing more is issued in it.
    error BonusRunExpired(uint256 runId, uint256 expiresAt);

    /// @notice A batch of `holders` holders and `amounts` amounts, or none at all.
    error BonusInvalidBatch(uint256 holders, uint256 amounts);

    /// @notice An amount of zero or above the ledger's largest amount.
    error BonusInvalidAmount(uint256 amount);

    /// @notice `holder` holds `max` live allowances already.
    error BonusHolderFull(address holder, uint256 max);

    /// @notice `council` has `available` credit left, beyond its outstanding allowances, and the
    /// batch needs `needed`.
    error BonusCreditShort(address council, uint256 available, uint256 needed);

    /// @notice A holder cannot pay itself with its allowances.
    error BonusSelfPayment(address holder);

    /// @notice `holder`'s allowances spendable at `payee` cover `spendable` of `amount`, and at most
    /// `maxPlain` of the rest could be paid in plain units.
    error BonusAllowanceShort(address holder, address payee, uint256 spendable, uint256 amount, uint256 maxPlain);

    /// @notice A registrar set the categories of `account`.
    /// @param account The member.
    /// @param categories A bit per category it is in (0: none, it takes no allowance).
    /// @param region Its region, as the ledger has it, kept beside the categories for the spending.
    event CategoriesSet(address indexed account, uint64 categories, uint16 region);

    /// @notice A council opened a bonus run.
    /// @param runId The run's number, from 1.
    /// @param council The council.
    /// @param expiresAt When its allowances lapse.
    /// @param categories Where they may be spent (0: any category).
    /// @param regions Where they may be spent (all 0: any region).
    /// @param ref The run's reference (the council's decision, say).
    event BonusRunOpened(
        uint256 indexed runId,
        address indexed council,
        uint64 expiresAt,
        uint64 categories,
        uint16[4] regions,
        bytes32 ref
    );

    /// @notice An allowance was issued in a run.
    /// @param runId The run.
    /// @param holder Who may spend it.
    /// @param amount In hundredths.
    event AllowanceIssued(uint256 indexed runId, address indexed holder, uint256 amount);

    /// @notice A key recovery carried the old key's allowances, runs and categories to the new key.
    /// @param from The lost key, migrated.
    /// @param to The new key.
    event AllowancesCarried(address indexed from, address indexed to);

    /// @notice A holder spent (part of) an allowance: the ledger's next `Transferred` in the same
    /// transaction moves `amount` from the run's council to `payee`, as a payment with its fee. The fee is counted on the run's
    /// spending as a whole (the fee of all it spent, less the fee already paid), so that splitting a
    /// spending into small pieces costs the council no more fee.
    /// @param runId The run.
    /// @param holder The allowance's holder.
    /// @param payee The business paid.
    /// @param amount In hundredths.
    /// @param ref The payment's reference.
    event AllowanceSpent(
        uint256 indexed runId,
        address indexed holder,
        address indexed payee,
        uint256 amount,
        bytes32 ref
    );

    /// @notice Carries a recovered key's allowances, its runs (a council's) and its categories to its
    /// new key, so that a key recovery loses none of them. The ledger calls it from `migrate`.
    /// @param from The lost key.
    /// @param to The new key, just admitted in its place.
    function carryOver(address from, address to) external;

    /// @notice Sets the categories of a member (a bit each: see the vocabulary of the wallet and
    /// the gateway for their names). Registrars only.
    /// @param account An active member.
    /// @param categories A bit per category, 0 to take it out of every category.
    function setCategories(address account, uint64 categories) external;

    /// @notice Opens a bonus run. The caller must be an active council.
    /// @param expiresAt When its allowances lapse: after now, at most `MAX_VALIDITY` from now.
    /// @param categories Where they may be spent: a bit per category, 0 for any category.
    /// @param regions Where they may be spent: at most four regions (none 0), none for any region.
    /// @param ref The run's reference.
    /// @return runId The new run's number.
    function openRun(
        uint64 expiresAt,
        uint64 categories,
        uint16[] calldata regions,
        bytes32 ref
    ) external returns (uint256 runId);

    /// @notice Issues allowances in a run, one per line. The run's council only, before the run's
    /// expiry, within its available credit (outstanding allowances counted). A holder given twice in
    /// one run holds one allowance of the sum.
    /// @param runId An open run of the caller.
    /// @param holders Active members.
    /// @param amounts In hundredths, as long as `holders`.
    function issue(uint256 runId, address[] calldata holders, uint256[] calldata amounts) external;

    /// @notice Pays `to` with the caller's allowances spendable there, the soonest to expire first, and
    /// the rest, up to `maxPlain`, in plain units from the caller's own account. Each part is a
    /// ledger payment with its fee: the allowances' from their councils, the rest from the caller.
    /// The caller must be an active member (not frozen, excluded, migrated or moved away), and so
    /// must each allowance's council, which the ledger checks as the payer.
    /// @param to An active member in a category that the allowances may be spent in.
    /// @param amount In hundredths.
    /// @param maxPlain At most this much in plain units (0: allowances only).
    /// @param ref The payment's reference.
    /// @return fromAllowances What the allowances paid.
    function spend(address to, uint256 amount, uint256 maxPlain, bytes32 ref) external returns (uint256 fromAllowances);

    /// @notice The categories of a member, and its region as kept beside them.
    /// @param account Any address.
    /// @return categories A bit per category.
    /// @return region Its region (0 if it has no category).
    function categoriesOf(address account) external view returns (uint64 categories, uint16 region);

    /// @notice The live allowances of a holder (not spent, not lapsed), the soonest to expire first.
    /// @param holder Any address.
    /// @return Its allowances.
    function allowancesOf(address holder) external view returns (Allowance[] memory);

    /// @notice What `holder`'s allowances can pay at `payee` now.
    /// @param holder Any address.
    /// @param payee Any address.
    /// @return The sum, in hundredths.
    function spendableAt(address holder, address payee) external view returns (uint256);

    /// @notice What `council`'s live allowances may still be spent for: the sum of its unexpired
    /// runs' outstanding amounts.
    /// @param council Any address.
    /// @return The sum, in hundredths.
    function outstandingOf(address council) external view returns (uint256);

    /// @notice The credit that `council`'s live allowances hold back in the ledger: each unexpired
    /// run's outstanding amount and the fee its spending will carry at the current rate. The
    /// council's own payments may not use it, so that spending an allowance never fails for the
    /// council's lack of credit.
    /// @param council Any address.
    /// @return The sum, in hundredths.
    function creditHeldBy(address council) external view returns (uint256);

    /// @notice A run.
    /// @param runId A run's number.
    /// @return Its terms and figures.
    function runOf(uint256 runId) external view returns (BonusRun memory);

    /// @notice How many runs were opened.
    /// @return The last run's number.
    function runCount() external view returns (uint256);

    // solhint-disable func-name-mixedcase
    /// @notice The ledger whose councils issue here and whose accounts the allowances move.
    /// @return The ledger's address.
    function LEDGER() external view returns (IMutualCreditLedger);

    /// @notice The most live allowances one holder may hold.
    /// @return 8.
    function MAX_HOLDER_ALLOWANCES() external view returns (uint256);

    /// @notice The most unexpired runs one council may have.
    /// @return 16.
    function MAX_OPEN_RUNS() external view returns (uint256);

    /// @notice The longest a run may last, from its opening.
    /// @return Three years, in seconds.
    function MAX_VALIDITY() external view returns (uint256);
    // solhint-enable func-name-mixedcase
}
