// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice The ledger's global state that every payment needs, in one storage slot: the reserve's
/// balance (credited with each fee), the fee rate, the pause flag and the credit in use (the sum of
/// the members' debts, which the reserve's coverage ratio is measured against). A payment thus
/// touches three slots in all: payer, payee and this one. Layout, from the lowest bit:
///
///   bits   0..127  reserve      int128 (fees collected minus debts covered and projects funded)
///   bits 128..143  feeBps       uint16
///   bits 144..151  paused       uint8 (0 or 1)
///   bits 152..247  creditInUse  uint96 (the sum of the negative balances, as a positive number)
type LedgerState is uint256;

using LedgerStateLibrary for LedgerState global;

/// @title LedgerState's accessors
/// @notice Packs and unpacks the fields of the LedgerState slot with masks and shifts.
library LedgerStateLibrary {
    uint256 private constant _MASK_128 = 0xffffffffffffffffffffffffffffffff;
    uint256 private constant _MASK_96 = 0xffffffffffffffffffffffff;

    function reserve(LedgerState self) internal pure returns (int256) {
        return int256(int128(uint128(LedgerState.unwrap(self))));
    }

    function feeBps(LedgerState self) internal pure returns (uint256) {
        return (LedgerState.unwrap(self) >> 128) & 0xffff;
    }

    function paused(LedgerState self) internal pure returns (bool) {
        return (LedgerState.unwrap(self) >> 144) & 0xff != 0;
    }

    function creditInUse(LedgerState self) internal pure returns (uint256) {
        return (LedgerState.unwrap(self) >> 152) & _MASK_96;
    }

    /// @dev The reserve is bounded by the credit in use, below 2^63 per member: int128 holds it.
    function withReserve(LedgerState self, int256 newReserve) internal pure returns (LedgerState) {
        return LedgerState.wrap((LedgerState.unwrap(self) & ~_MASK_128) | uint256(uint128(int128(newReserve))));
    }

    function withFeeBps(LedgerState self, uint256 newFeeBps) internal pure returns (LedgerState) {
        return LedgerState.wrap((LedgerState.unwrap(self) & ~(uint256(0xffff) << 128)) | (newFeeBps << 128));
    }

    function withPaused(LedgerState self, bool newPaused) internal pure returns (LedgerState) {
        uint256 flag = newPaused ? 1 : 0;
        return LedgerState.wrap((LedgerState.unwrap(self) & ~(uint256(0xff) << 144)) | (flag << 144));
    }

    /// @dev Each debt is below 2^64: uint96 holds the sum of 2^32 of them.
    function withCreditInUse(LedgerState self, uint256 newCreditInUse) internal pure returns (LedgerState) {
        return LedgerState.wrap((LedgerState.unwrap(self) & ~(_MASK_96 << 152)) | (newCreditInUse << 152));
    }
}
