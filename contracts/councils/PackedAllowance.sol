// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A holder's allowance in one storage slot, so that spending it reads and writes one slot.
/// The run's terms are copied into it at issue: the spending needs no other read to tell whether
/// the payee is eligible. Layout, from the lowest bit:
///
///   bits   0..31   runId       uint32
///   bits  32..95   remaining   uint64
///   bits  96..127  expiresAt   uint32  (seconds; runs end before 2106)
///   bits 128..191  categories  uint64  (a bit per category, 0 for any)
///   bits 192..255  regions     4 x uint16 (0 in unused places; all 0 for any region)
///
/// A zero word is an empty place: run numbers start at 1.
type PackedAllowance is uint256;

using PackedAllowanceLibrary for PackedAllowance global;

/// @title PackedAllowance's accessors
/// @notice Packs and unpacks the fields of a PackedAllowance with masks and shifts.
library PackedAllowanceLibrary {
    uint256 private constant _MASK_16 = 0xffff;
    uint256 private constant _MASK_32 = 0xffffffff;
    uint256 private constant _MASK_64 = 0xffffffffffffffff;

    function pack(
        uint256 runId_,
        uint256 remaining_,
        uint256 expiresAt_,
        uint256 categories_,
        uint256 regions_
    ) internal pure returns (PackedAllowance) {
        // The callers bound each field to its width (run numbers, MAX_AMOUNT, MAX_VALIDITY).
        return
            PackedAllowance.wrap(
                runId_ | (remaining_ << 32) | (expiresAt_ << 96) | (categories_ << 128) | (regions_ << 192)
            );
    }

    function isEmpty(PackedAllowance self) internal pure returns (bool) {
        return PackedAllowance.unwrap(self) == 0;
    }

    function runId(PackedAllowance self) internal pure returns (uint256) {
        return PackedAllowance.unwrap(self) & _MASK_32;
    }

    function remaining(PackedAllowance self) internal pure returns (uint256) {
        return (PackedAllowance.unwrap(self) >> 32) & _MASK_64;
    }

    function expiresAt(PackedAllowance self) internal pure returns (uint256) {
        return (PackedAllowance.unwrap(self) >> 96) & _MASK_32;
    }

    function categories(PackedAllowance self) internal pure returns (uint256) {
        return (PackedAllowance.unwrap(self) >> 128) & _MASK_64;
    }

    function regions(PackedAllowance self) internal pure returns (uint256) {
        return PackedAllowance.unwrap(self) >> 192;
    }

    function withRemaining(PackedAllowance self, uint256 remaining_) internal pure returns (PackedAllowance) {
        return PackedAllowance.wrap((PackedAllowance.unwrap(self) & ~(_MASK_64 << 32)) | (remaining_ << 32));
    }

    /// @dev Whether a payee in `payeeCategories` (a member in none takes no allowance) and in
    /// `payeeRegion` may be paid with this allowance.
    function spendableAt(
        PackedAllowance self,
        uint256 payeeCategories,
        uint256 payeeRegion
    ) internal pure returns (bool) {
        if (payeeCategories == 0) return false;
        uint256 wanted = categories(self);
        if (wanted != 0 && wanted & payeeCategories == 0) return false;
        uint256 places = regions(self);
        if (places == 0) return true;
        if (payeeRegion == 0) return false; // 0 marks the unused places, never a region
        for (uint256 i = 0; i < 4; ++i) {
            if ((places >> (16 * i)) & _MASK_16 == payeeRegion) return true;
        }
        return false;
    }
}
