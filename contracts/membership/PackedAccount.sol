// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MemberKind, MemberStatus} from "./IMembershipRegistry.sol";

/// @notice A whole member account in one storage slot, so that a payment reads and writes one slot
/// per party. Layout, from the lowest bit:
///
///   bits   0..95   balance      int96   (two's complement)
///   bits  96..159  creditLimit  uint64
///   bits 160..223  ceiling      uint64
///   bits 224..231  status       uint8 (MemberStatus)
///   bits 232..239  kind         uint8 (MemberKind)
///   bits 240..255  region       uint16
///
/// int96 is wide enough: a member's balance stays within [-creditLimit, ceiling], both below 2^63.
type PackedAccount is uint256;

using PackedAccountLibrary for PackedAccount global;

/// @title PackedAccount's accessors
/// @notice Packs and unpacks the fields of a PackedAccount with masks and shifts.
library PackedAccountLibrary {
    uint256 private constant _MASK_64 = 0xffffffffffffffff;
    uint256 private constant _MASK_96 = 0xffffffffffffffffffffffff;

    function pack(
        int256 balance_,
        uint256 creditLimit_,
        uint256 ceiling_,
        MemberStatus status_,
        MemberKind kind_,
        uint16 region_
    ) internal pure returns (PackedAccount) {
        // The callers bound each field to its width (LedgerCreditLineTooLarge, the limit checks).
        return
            PackedAccount.wrap(
                (uint256(uint96(int96(balance_)))) |
                    (creditLimit_ << 96) |
                    (ceiling_ << 160) |
                    (uint256(status_) << 224) |
                    (uint256(kind_) << 232) |
                    (uint256(region_) << 240)
            );
    }

    function balance(PackedAccount self) internal pure returns (int256) {
        return int256(int96(uint96(PackedAccount.unwrap(self))));
    }

    function creditLimit(PackedAccount self) internal pure returns (uint256) {
        return (PackedAccount.unwrap(self) >> 96) & _MASK_64;
    }

    function ceiling(PackedAccount self) internal pure returns (uint256) {
        return (PackedAccount.unwrap(self) >> 160) & _MASK_64;
    }

    function status(PackedAccount self) internal pure returns (MemberStatus) {
        return MemberStatus(uint8(PackedAccount.unwrap(self) >> 224));
    }

    function kind(PackedAccount self) internal pure returns (MemberKind) {
        return MemberKind(uint8(PackedAccount.unwrap(self) >> 232));
    }

    function region(PackedAccount self) internal pure returns (uint16) {
        return uint16(PackedAccount.unwrap(self) >> 240);
    }

    /// @dev `newBalance` must fit in int96; the ledger's limit and ceiling checks guarantee it.
    function withBalance(PackedAccount self, int256 newBalance) internal pure returns (PackedAccount) {
        return PackedAccount.wrap((PackedAccount.unwrap(self) & ~_MASK_96) | uint256(uint96(int96(newBalance))));
    }

    function withCreditLine(
        PackedAccount self,
        uint256 creditLimit_,
        uint256 ceiling_
    ) internal pure returns (PackedAccount) {
        uint256 cleared = PackedAccount.unwrap(self) & ~((_MASK_64 << 96) | (_MASK_64 << 160));
        return PackedAccount.wrap(cleared | (creditLimit_ << 96) | (ceiling_ << 160));
    }

    function withStatus(PackedAccount self, MemberStatus status_) internal pure returns (PackedAccount) {
        return PackedAccount.wrap((PackedAccount.unwrap(self) & ~(uint256(0xff) << 224)) | (uint256(status_) << 224));
    }
}
