// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/// @title A reference voting token for the gas benchmark
/// @notice Test-only: OpenZeppelin's ERC20Votes, counted by timestamp as the registry is, whose
/// holders delegate to themselves; the governor below counts its votes.
contract ReferenceVotesToken is ERC20, ERC20Permit, ERC20Votes {
    /// @notice Mints one token to each holder.
    /// @param holders The holders.
    constructor(address[] memory holders) ERC20("Reference votes", "RVT") ERC20Permit("Reference votes") {
        for (uint256 i = 0; i < holders.length; ++i) {
            _mint(holders[i], 1);
        }
    }

    /// @notice Timestamps, as the membership registry.
    /// @return The block's timestamp.
    function clock() public view override returns (uint48) {
        return Time.timestamp();
    }

    // solhint-disable func-name-mixedcase
    /// @notice The clock's mode.
    /// @return "mode=timestamp".
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }
    // solhint-enable func-name-mixedcase

    /// @inheritdoc Nonces
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
