// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A reference ERC20 for the gas benchmark
/// @notice Test-only: OpenZeppelin's ERC20 as it ships, the reference that `make bench-gas`
/// measures a payment against. Never deployed outside tests and benchmarks.
contract ReferenceERC20 is ERC20 {
    /// @notice Mints `supply` to `holder`.
    /// @param holder Who holds the whole supply.
    /// @param supply The supply, in the token's smallest unit.
    constructor(address holder, uint256 supply) ERC20("Reference", "REF") {
        _mint(holder, supply);
    }
}
