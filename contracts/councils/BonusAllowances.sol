// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {MemberKind, MemberStatus} from "../membership/IMembershipRegistry.sol";
import {AccountState, IMutualCreditLedger} from "../ledger/IMutualCreditLedger.sol";
import {Amounts} from "../ledger/Amounts.sol";
import {FeeMath} from "../ledger/FeeMath.sol";
import {Allowance, BonusRun, IBonusAllowances} from "./IBonusAllowances.sol";
import {PackedAllowance, PackedAllowanceLibrary} from "./PackedAllowance.sol";

/// @title Councils' bonus allowances
/// @notice See IBonusAllowances. The ledger deploys this contract in its own constructor and
/// accepts allowance payments from it alone (`payForBonus`); it asks it what credit a council's
/// allowances hold back (`creditHeldBy`) before letting the council pay on its own.
contract BonusAllowances is IBonusAllowances {
    using PackedAllowanceLibrary for PackedAllowance;

    /// @inheritdoc IBonusAllowances
    uint256 public constant override MAX_HOLDER_ALLOWANCES = 8;
    /// @inheritdoc IBonusAllowances
    uint256 public constant override MAX_OPEN_RUNS = 16;
    /// @inheritdoc IBonusAllowances
    uint256 public constant override MAX_VALIDITY = 3 * 365 days;
    /// @inheritdoc IBonusAllowances
    IMutualCreditLedger public immutable override LEDGER;

    bytes32 private constant _REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    uint256 private constant _MASK_64 = 0xffffffffffffffff;
    uint256 private constant _MAX_REGIONS = 4;

    /// @dev A run in two slots. `head`, which a spending reads and writes: the council (bits
    /// 0..159), what was spent (160..223), the expiry (224..255). `terms`, which only issuing and the
    /// views read: categories (0..63), four regions (64..127), what was issued (128..255).
    struct Run {
        uint256 head;
        uint256 terms;
    }

    /// @dev Each holder's live allowances, the soonest to expire first, empty places (0) last.
    mapping(address holder => PackedAllowance[MAX_HOLDER_ALLOWANCES]) private _allowances;
    mapping(uint256 runId => Run) private _runs;
    /// @dev Each council's runs that may be unexpired: expired ones are dropped when it opens a run.
    mapping(address council => uint256[] runIds) private _openRuns;
    /// @dev Each member's categories (bits 0..63) and its region (64..79).
    mapping(address account => uint256 packed) private _categories;
    uint256 private _runCount;

    /// @notice Binds the allowances to the ledger that deploys them.
    /// @param ledger The ledger deploying this contract.
    constructor(IMutualCreditLedger ledger) {
        LEDGER = ledger;
    }

    // ---------------------------------------------------------------------------------------------
    // Registrars

    /// @inheritdoc IBonusAllowances
    function setCategories(address account, uint64 categories) external {
        if (!IAccessControl(address(LEDGER)).hasRole(_REGISTRAR_ROLE, msg.sender)) revert BonusNotRegistrar(msg.sender);
        AccountState memory member = LEDGER.accountOf(account);
        uint16 region = 0;
        if (categories != 0) {
            if (member.status != MemberStatus.Active) revert BonusInvalidMember(account, member.status, member.kind);
            region = member.region;
        }
        _categories[account] = categories == 0 ? 0 : uint256(categories) | (uint256(region) << 64);
        emit CategoriesSet(account, categories, region);
    }

    // ---------------------------------------------------------------------------------------------
    // Councils

    /// @inheritdoc IBonusAllowances
    function openRun(
        uint64 expiresAt,
        uint64 categories,
        uint16[] calldata regions,
        bytes32 ref
    ) external returns (uint256 runId) {
        AccountState memory member = LEDGER.accountOf(msg.sender);
        if (member.status != MemberStatus.Active || member.kind != MemberKind.Council) {
            revert BonusInvalidMember(msg.sender, member.status, member.kind);
        }
        uint256 latest = block.timestamp + MAX_VALIDITY;
        if (expiresAt <= block.timestamp || expiresAt > latest) {
            revert BonusInvalidExpiry(expiresAt, block.timestamp, latest);
        }
        (uint256 packedRegions, uint16[4] memory places) = _packRegions(regions);
        if (_dropExpiredRuns(msg.sender) >= MAX_OPEN_RUNS) revert BonusTooManyRuns(msg.sender, MAX_OPEN_RUNS);

        runId = ++_runCount;
        _runs[runId] = Run({
            head: uint256(uint160(msg.sender)) | (uint256(expiresAt) << 224),
            terms: uint256(categories) | (packedRegions << 64)
        });
        _openRuns[msg.sender].push(runId);
        emit BonusRunOpened(runId, msg.sender, expiresAt, categories, places, ref);
    }

    /// @inheritdoc IBonusAllowances
    function issue(uint256 runId, address[] calldata holders, uint256[] calldata amounts) external {
        if (holders.length != amounts.length || holders.length == 0) {
            revert BonusInvalidBatch(holders.length, amounts.length);
        }
        Run storage run = _runs[runId];
        uint256 head = run.head;
        if (head == 0) revert BonusUnknownRun(runId);
        if (address(uint160(head)) != msg.sender) revert BonusNotRunCouncil(runId, msg.sender);
        uint256 expiresAt = head >> 224;
        if (expiresAt <= block.timestamp) revert BonusRunExpired(runId, expiresAt);
        _requireActive(msg.sender); // a frozen, excluded or moved council issues nothing more

        // Read before this batch counts: the ledger's figure is net of what the run holds back now.
        uint256 available = LEDGER.availableCredit(msg.sender);
        uint256 terms = run.terms;
        uint256 total = 0;
        for (uint256 i = 0; i < holders.length; ++i) {
            uint256 amount = amounts[i];
            if (amount == 0 || amount > Amounts.MAX) revert BonusInvalidAmount(amount);
            _requireActive(holders[i]);
            total += amount;
            _give(
                holders[i],
                PackedAllowanceLibrary.pack(runId, amount, expiresAt, terms & _MASK_64, (terms >> 64) & _MASK_64)
            );
            emit AllowanceIssued(runId, holders[i], amount);
        }
        uint256 needed = total + FeeMath.fee(total, LEDGER.feeBps());
        if (needed > available) revert BonusCreditShort(msg.sender, available, needed);
        // A run issues less than 2^64 in all, so that what it spent fits its 64 bits in `head`.
        uint256 issued = (terms >> 128) + total;
        if (issued > _MASK_64) revert BonusInvalidAmount(issued);
        run.terms = terms + (total << 128);
    }

    // ---------------------------------------------------------------------------------------------
    // Holders

    /// @inheritdoc IBonusAllowances
    function spend(
        address to,
        uint256 amount,
        uint256 maxPlain,
        bytes32 ref
    ) external returns (uint256 fromAllowances) {
        if (amount == 0 || amount > Amounts.MAX) revert BonusInvalidAmount(amount);
        if (to == msg.sender) revert BonusSelfPayment(msg.sender);
        uint256 payee = _categories[to];
        uint256 left = amount;
        if (payee != 0) {
            PackedAllowance[MAX_HOLDER_ALLOWANCES] storage places = _allowances[msg.sender];
            for (uint256 i = 0; i < MAX_HOLDER_ALLOWANCES && left != 0; ++i) {
                PackedAllowance allowance = places[i];
                if (allowance.isEmpty()) break;
                uint256 remaining = allowance.remaining();
                if (
                    remaining == 0 ||
                    allowance.expiresAt() <= block.timestamp ||
                    !allowance.spendableAt(payee & _MASK_64, payee >> 64)
                ) continue;
                uint256 used = remaining < left ? remaining : left;
                // Unchecked: `used` is at most `remaining` and at most `left`.
                unchecked {
                    places[i] = allowance.withRemaining(remaining - used);
                    left -= used;
                }
                _spendFromRun(allowance.runId(), to, used, ref);
            }
        }
        if (left > maxPlain) revert BonusAllowanceShort(msg.sender, to, amount - left, amount, maxPlain);
        if (left != 0) LEDGER.payForBonus(msg.sender, msg.sender, to, left, ref, 0);
        return amount - left;
    }

    /// @inheritdoc IBonusAllowances
    function carryOver(address from, address to) external {
        if (msg.sender != address(LEDGER)) revert BonusNotLedger(msg.sender);
        // Each part is read before it is moved, so that a member holding none pays for no writes.
        // `to` was never a member (migrate admits it now): it holds nothing to merge with.
        PackedAllowance[MAX_HOLDER_ALLOWANCES] storage places = _allowances[from];
        for (uint256 i = 0; i < MAX_HOLDER_ALLOWANCES && !places[i].isEmpty(); ++i) {
            _allowances[to][i] = places[i];
            places[i] = PackedAllowance.wrap(0);
        }
        uint256[] storage runIds = _openRuns[from];
        if (runIds.length != 0) {
            for (uint256 i = 0; i < runIds.length; ++i) {
                Run storage run = _runs[runIds[i]];
                run.head = (run.head & ~uint256(type(uint160).max)) | uint160(to);
            }
            _openRuns[to] = runIds;
            delete _openRuns[from];
        }
        uint256 categories = _categories[from];
        if (categories != 0) {
            _categories[to] = categories;
            delete _categories[from];
        }
        emit AllowancesCarried(from, to);
    }

    // ---------------------------------------------------------------------------------------------
    // Views

    /// @inheritdoc IBonusAllowances
    function categoriesOf(address account) external view returns (uint64 categories, uint16 region) {
        uint256 packed = _categories[account];
        return (uint64(packed), uint16(packed >> 64));
    }

    /// @inheritdoc IBonusAllowances
    function allowancesOf(address holder) external view returns (Allowance[] memory live) {
        PackedAllowance[MAX_HOLDER_ALLOWANCES] storage places = _allowances[holder];
        live = new Allowance[](MAX_HOLDER_ALLOWANCES);
        uint256 count = 0;
        for (uint256 i = 0; i < MAX_HOLDER_ALLOWANCES; ++i) {
            PackedAllowance allowance = places[i];
            if (allowance.isEmpty()) break;
            if (!_isLive(allowance)) continue;
            live[count] = Allowance({
                runId: allowance.runId(),
                council: address(uint160(_runs[allowance.runId()].head)),
                remaining: allowance.remaining(),
                expiresAt: uint64(allowance.expiresAt()),
                categories: uint64(allowance.categories()),
                regions: _unpackRegions(allowance.regions())
            });
            ++count;
        }
        // Trim the array to its live entries: memory arrays have their length in their first word.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            mstore(live, count)
        }
    }

    /// @inheritdoc IBonusAllowances
    function spendableAt(address holder, address payee) external view returns (uint256 total) {
        uint256 packed = _categories[payee];
        if (packed == 0 || holder == payee) return 0;
        PackedAllowance[MAX_HOLDER_ALLOWANCES] storage places = _allowances[holder];
        for (uint256 i = 0; i < MAX_HOLDER_ALLOWANCES; ++i) {
            PackedAllowance allowance = places[i];
            if (allowance.isEmpty()) break;
            if (_isLive(allowance) && allowance.spendableAt(packed & _MASK_64, packed >> 64)) {
                total += allowance.remaining();
            }
        }
    }

    /// @inheritdoc IBonusAllowances
    function outstandingOf(address council) external view returns (uint256 total) {
        uint256[] storage runIds = _openRuns[council];
        for (uint256 i = 0; i < runIds.length; ++i) {
            (uint256 outstanding, bool live) = _outstanding(runIds[i]);
            if (live) total += outstanding;
        }
    }

    /// @inheritdoc IBonusAllowances
    function creditHeldBy(address council) external view returns (uint256 total) {
        uint256[] storage runIds = _openRuns[council];
        if (runIds.length == 0) return 0; // a council with no run pays no call for the fee rate
        uint256 feeBps = LEDGER.feeBps();
        for (uint256 i = 0; i < runIds.length; ++i) {
            (uint256 outstanding, bool live) = _outstanding(runIds[i]);
            if (live) total += outstanding + FeeMath.fee(outstanding, feeBps);
        }
    }

    /// @inheritdoc IBonusAllowances
    function runOf(uint256 runId) external view returns (BonusRun memory) {
        Run storage run = _runs[runId];
        uint256 head = run.head;
        if (head == 0) revert BonusUnknownRun(runId);
        uint256 terms = run.terms;
        uint256 spent = (head >> 160) & _MASK_64;
        uint256 issued = terms >> 128;
        return
            BonusRun({
                council: address(uint160(head)),
                expiresAt: uint64(head >> 224),
                categories: uint64(terms),
                regions: _unpackRegions((terms >> 64) & _MASK_64),
                issued: issued,
                spent: spent,
                outstanding: issued - spent
            });
    }

    /// @inheritdoc IBonusAllowances
    function runCount() external view returns (uint256) {
        return _runCount;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals

    /// @dev Moves `used` from the run's council to `to` in the ledger. The fee is counted on the
    /// run's spending as a whole: the ledger charges the fee of (spent + used) less that of spent.
    function _spendFromRun(uint256 runId, address to, uint256 used, bytes32 ref) private {
        Run storage run = _runs[runId];
        uint256 head = run.head;
        uint256 spent = (head >> 160) & _MASK_64;
        // Spent stays within issued, below 2^64: an allowance is at most what its run issued.
        run.head = head + (used << 160);
        // Before the ledger's Transferred, so that a replay knows the movement for an allowance's.
        emit AllowanceSpent(runId, msg.sender, to, used, ref);
        // The ledger refuses a holder that is not active: the council's money is not its to spend then.
        LEDGER.payForBonus(msg.sender, address(uint160(head)), to, used, ref, spent + 1);
    }

    /// @dev Adds `allowance` to the holder's places: into the same run's allowance if there is one,
    /// else in order of expiry. Spent and lapsed allowances leave their places here.
    function _give(address holder, PackedAllowance allowance) private {
        PackedAllowance[MAX_HOLDER_ALLOWANCES] storage places = _allowances[holder];
        PackedAllowance[MAX_HOLDER_ALLOWANCES] memory kept;
        uint256 count = 0;
        uint256 used = 0;
        bool merged = false;
        for (; used < MAX_HOLDER_ALLOWANCES; ++used) {
            PackedAllowance current = places[used];
            if (current.isEmpty()) break;
            if (!_isLive(current)) continue;
            if (current.runId() == allowance.runId()) {
                current = current.withRemaining(current.remaining() + allowance.remaining());
                merged = true;
            }
            kept[count] = current;
            ++count;
        }
        if (!merged) {
            if (count == MAX_HOLDER_ALLOWANCES) revert BonusHolderFull(holder, MAX_HOLDER_ALLOWANCES);
            uint256 at = count;
            while (at > 0 && kept[at - 1].expiresAt() > allowance.expiresAt()) {
                kept[at] = kept[at - 1];
                --at;
            }
            kept[at] = allowance;
            ++count;
        }
        uint256 end = count > used ? count : used;
        for (uint256 i = 0; i < end; ++i) {
            if (PackedAllowance.unwrap(places[i]) != PackedAllowance.unwrap(kept[i])) places[i] = kept[i];
        }
    }

    /// @dev Drops `council`'s expired runs from its open runs and returns how many remain.
    function _dropExpiredRuns(address council) private returns (uint256) {
        uint256[] storage runIds = _openRuns[council];
        uint256 i = 0;
        while (i < runIds.length) {
            if (_runs[runIds[i]].head >> 224 > block.timestamp) {
                ++i;
            } else {
                runIds[i] = runIds[runIds.length - 1];
                runIds.pop();
            }
        }
        return runIds.length;
    }

    function _requireActive(address account) private view {
        AccountState memory member = LEDGER.accountOf(account);
        if (member.status != MemberStatus.Active) revert BonusInvalidMember(account, member.status, member.kind);
    }

    /// @dev A run's outstanding amount, and whether it is still unexpired.
    function _outstanding(uint256 runId) private view returns (uint256 outstanding, bool live) {
        Run storage run = _runs[runId];
        uint256 head = run.head;
        if (head >> 224 <= block.timestamp) return (0, false);
        return ((run.terms >> 128) - ((head >> 160) & _MASK_64), true);
    }

    function _isLive(PackedAllowance allowance) private view returns (bool) {
        return allowance.remaining() != 0 && allowance.expiresAt() > block.timestamp;
    }

    function _packRegions(uint16[] calldata regions) private pure returns (uint256 packed, uint16[4] memory places) {
        if (regions.length > _MAX_REGIONS) revert BonusInvalidRegions(regions.length, _MAX_REGIONS);
        for (uint256 i = 0; i < regions.length; ++i) {
            if (regions[i] == 0) revert BonusInvalidRegions(regions.length, _MAX_REGIONS);
            places[i] = regions[i];
            packed |= uint256(regions[i]) << (16 * i);
        }
    }

    function _unpackRegions(uint256 packed) private pure returns (uint16[4] memory places) {
        for (uint256 i = 0; i < _MAX_REGIONS; ++i) {
            places[i] = uint16(packed >> (16 * i));
        }
    }
}
