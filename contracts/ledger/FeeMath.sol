// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title The payment fee
/// @notice The payment fee, in basis points of the amount.
library FeeMath {
    uint256 internal constant BPS = 10_000;

    /// @dev Rounded up, so that no payment escapes the fee: gas is free on this chain, and with
    /// rounding down a payer could split a payment into pieces too small to carry any fee.
    /// `amount` is at most 2^63 and `feeBps` at most 2^16, so the product cannot overflow.
    function fee(uint256 amount, uint256 feeBps) internal pure returns (uint256) {
        unchecked {
            return (amount * feeBps + BPS - 1) / BPS;
        }
    }
}
