// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MemberKind, MemberStatus} from "./IMembershipRegistry.sol";

/// @notice A whole member account in one storage slot, so that a payment reads and writes one slot
/// per party. Layout, from the lowest bit:
///
///   bits   0..63   balance      int64   (two's complement)
///   bits  64..127  creditLimit  uint64
///   bits 128..191  ceiling      uint64
///   bits 192..231  received     uint40  (turnover received in payments, saturating at 2^40 - 1)
///   bits 232..235  status       uint4   (MemberStatus)
///   bits 236..239  kind         uint4   (MemberKind)
///   bits 240..255  region       uint16
///
/// int64 is wide enough: a payment keeps a balance within [-(creditLimit + stimulus), ceiling], the
/// ledger caps the sum at MAX_AMOUNT (2^63 - 1) as it does the ceiling, and the other movements only
/// bring a balance towards zero or carry it whole to a new key. The turnover received is what the
/// credit policy measures; 2^40 hundredths is eleven billion units, far beyond any member's.
type PackedAccount is uint256;

using PackedAccountLibrary for PackedAccount global;

/// @title PackedAccount's accessors
/// @notice Packs and unpacks the fields of a PackedAccount with masks and shifts.
library PackedAccountLibrary {
    uint256 private constant _MASK_64 = 0xffffffffffffffff;
    uint256 private constant _MASK_40 = 0xffffffffff;

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
                (uint256(uint64(int64(balance_)))) |
                    (creditLimit_ << 64) |
                    (ceiling_ << 128) |
                    (uint256(status_) << 232) |
                    (uint256(kind_) << 236) |
                    (uint256(region_) << 240)
            );
    }

    function balance(PackedAccount self) internal pure returns (int256) {
        return int256(int64(uint64(PackedAccount.unwrap(self))));
    }

    function creditLimit(PackedAccount self) internal pure returns (uint256) {
        return (PackedAccount.unwrap(self) >> 64) & _MASK_64;
    }

    function ceiling(PackedAccount self) internal pure returns (uint256) {
        return (PackedAccount.unwrap(self) >> 128) & _MASK_64;
    }

    function received(PackedAccount self) internal pure returns (uint256) {
        return (PackedAccount.unwrap(self) >> 192) & _MASK_40;
    }

    function status(PackedAccount self) internal pure returns (MemberStatus) {
        return MemberStatus((PackedAccount.unwrap(self) >> 232) & 0xf);
    }

    function kind(PackedAccount self) internal pure returns (MemberKind) {
        return MemberKind((PackedAccount.unwrap(self) >> 236) & 0xf);
    }

    function region(PackedAccount self) internal pure returns (uint16) {
        return uint16(PackedAccount.unwrap(self) >> 240);
    }

    /// @dev `newBalance` must fit in int64; the ledger's limit and ceiling checks guarantee it.
    function withBalance(PackedAccount self, int256 newBalance) internal pure returns (PackedAccount) {
        return PackedAccount.wrap((PackedAccount.unwrap(self) & ~_MASK_64) | uint256(uint64(int64(newBalance))));
    }

    /// @dev A payee's new balance and its turnover received grown by `amount` (at most 2^64), in one
    /// step: the turnover saturates rather than wraps.
    function withPaymentReceived(
        PackedAccount self,
        int256 newBalance,
        uint256 amount
    ) internal pure returns (PackedAccount) {
        uint256 word = PackedAccount.unwrap(self);
        uint256 turnover = ((word >> 192) & _MASK_40) + amount;
        if (turnover > _MASK_40) turnover = _MASK_40;
        word = (word & ~(_MASK_64 | (_MASK_40 << 192))) | uint256(uint64(int64(newBalance))) | (turnover << 192);
        return PackedAccount.wrap(word);
    }

    function withCreditLine(
        PackedAccount self,
        uint256 creditLimit_,
        uint256 ceiling_
    ) internal pure returns (PackedAccount) {
        uint256 cleared = PackedAccount.unwrap(self) & ~((_MASK_64 << 64) | (_MASK_64 << 128));
        return PackedAccount.wrap(cleared | (creditLimit_ << 64) | (ceiling_ << 128));
    }

    function withStatus(PackedAccount self, MemberStatus status_) internal pure returns (PackedAccount) {
        return PackedAccount.wrap((PackedAccount.unwrap(self) & ~(uint256(0xf) << 232)) | (uint256(status_) << 232));
    }
}
