// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title The bounds of amounts
/// @notice Declared once for the ledger and the contracts that move its units.
library Amounts {
    /// @dev The largest amount, credit limit or ceiling: 2^63 - 1 hundredths of a unit, so that every
    /// amount, limit, ceiling and member balance fits a signed 64-bit integer in the gateway's and
    /// auditors' SQL stores, exactly.
    uint256 internal constant MAX = uint256(uint64(type(int64).max));
}
