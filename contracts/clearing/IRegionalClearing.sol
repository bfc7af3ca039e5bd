// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title The clearing between regions
/// @notice Each region is a ledger of its own (its members, committee, fee, credit lines, reserve,
/// governance) with one clearing contract, deployed by the ledger. A region that trusts another
/// holds an account for it in its own ledger, at the other region's clearing address: its credit
/// limit is how far the other region may be in debt to this one (how much more this region's
/// members may receive from the other's than pay to them), its ceiling how far this region may be
/// in debt to the other. Each region's governance sets its own side; the tighter side binds.
///
/// A payment across regions is one transaction: the payer pays the next region's account in its own
/// ledger (with its own region's fee), each region on the path moves the amount from the account of
/// the region before to the account of the region after, and the last one pays the payee from the
/// account of the region before. Every region's books stay at zero (a move within a ledger), and
/// the two accounts of a pair always hold opposite balances: A's account for B in A is B's account
/// for A in B, negated. Any limit passed reverts the whole payment with the ledger's typed error,
/// naming the region's account, the balance it would reach and the limit.
interface IRegionalClearing {
    /// @notice The caller is not a clearing this region has a relationship with.
    error ClearingNotPartner(address caller);

    /// @notice The caller does not hold `role` in this region's ledger.
    error ClearingUnauthorized(address caller, bytes32 role);

    /// @notice A path must name at least one region after this one, none of them this one but a
    /// netting cycle's last, and at most `maxLength` in all.
    error ClearingInvalidPath(uint256 length, uint256 maxLength);

    /// @notice A payment across regions needs a payee.
    error ClearingInvalidPayee(address to);

    /// @notice A netting would move `amount` between two positions where it does not bring both
    /// towards zero: `from`'s position is `fromBalance`, `to`'s is `toBalance`.
    error ClearingNotNetting(address from, int256 fromBalance, address to, int256 toBalance, uint256 amount);

    /// @notice `member` is not expected here from `from`: this region's registrar welcomes it first.
    error ClearingNotWelcomed(address member, address from);

    /// @notice Only individuals and businesses move between regions; a council or a system account
    /// belongs to its region.
    error ClearingCannotMove(address member, uint8 kind);

    /// @notice This region set its side of the relationship with `partner`'s region.
    /// @param partner The other region's clearing contract (its account's address in this ledger).
    /// @param partnerRegion The other region's number.
    /// @param creditLimit How far the other region may be in debt to this one, in hundredths.
    /// @param ceiling How far this region may be in debt to the other, in hundredths.
    event RelationshipSet(address indexed partner, uint16 partnerRegion, uint256 creditLimit, uint256 ceiling);

    /// @notice A member of this region paid a member of another, along `path`.
    /// @param from The payer, a member of this region.
    /// @param to The payee, a member of the path's last region.
    /// @param destination The clearing of the payee's region (its `region()` says its number).
    /// @param amount What the payee received, in hundredths (the fee is in the payer's `Transferred`).
    /// @param ref The payment's reference, the same in every ledger's `Transferred` event (which
    /// show the path: each region's account for the next).
    event PaidAcross(address indexed from, address indexed to, address destination, uint256 amount, bytes32 ref);

    /// @notice A member of this region was paid by a member of another, along a path.
    /// @param from The payer, a member of the path's first region.
    /// @param to The payee, a member of this region.
    /// @param via The clearing of the region the payment came through last (the payer's, if direct).
    /// @param amount What the payee received, in hundredths.
    /// @param ref The payment's reference.
    event ReceivedAcross(address indexed from, address indexed to, address via, uint256 amount, bytes32 ref);

    /// @notice A payment or a netting passed through this region: the account of the region before
    /// paid the account of the region after.
    /// @param from The clearing of the region before.
    /// @param to The clearing of the region after.
    /// @param amount In hundredths.
    /// @param ref The payment's or netting's reference.
    event PassedThrough(address indexed from, address indexed to, uint256 amount, bytes32 ref);

    /// @notice A cycle of positions was reduced by `amount` in every region of `cycle`.
    /// @param cycle The clearing contracts after this one, this one last.
    /// @param amount By how much each position of the cycle came nearer to zero, in hundredths.
    event Netted(address[] cycle, uint256 amount);

    /// @notice This region's registrar welcomed `member`, to arrive from `from`'s region.
    /// @param member The member expected.
    /// @param from The clearing of the region it comes from.
    event MemberWelcomed(address indexed member, address indexed from);

    /// @notice `member` left this region for `to`'s, its balance carried through the clearing.
    /// @param member The member, `Moved` here from now on.
    /// @param to The clearing of the region it moved to.
    /// @param toRegion That region's number.
    /// @param balance The balance it took along, in hundredths (a debt below zero).
    event MemberMoved(address indexed member, address indexed to, uint16 toRegion, int256 balance);

    /// @notice `member` arrived from `from`'s region with `balance`, its kind and KYC hash kept.
    /// @param member The member, active here from now on.
    /// @param from The clearing of the region it left.
    /// @param fromRegion That region's number.
    /// @param balance The balance it brought, in hundredths (a debt below zero).
    event MemberArrived(address indexed member, address indexed from, uint16 fromRegion, int256 balance);

    /// @notice This region's number.
    function region() external view returns (uint16);

    /// @notice This region's ledger.
    function ledger() external view returns (address);

    /// @notice The longest path or netting cycle, in regions after the first.
    function MAX_PATH() external view returns (uint256);

    /// @notice Sets this region's side of the relationship with `partner`'s region: opens its account
    /// in this ledger the first time. This region's governance only (GOVERNANCE_ROLE in its ledger).
    /// @param partner The other region's clearing contract.
    /// @param creditLimit How far the other region may be in debt to this one.
    /// @param ceiling How far this region may be in debt to the other.
    function setRelationship(address partner, uint256 creditLimit, uint256 ceiling) external;

    /// @notice Whether `partner` is a clearing this region has set a relationship with.
    /// @param partner Any address.
    /// @return True once this region's governance set a relationship with it.
    function isPartner(address partner) external view returns (bool);

    /// @notice Pays `to`, a member of another region, from the caller, a member of this one.
    /// @param path The clearing contracts of the regions to cross, after this one; the last is the
    /// payee's region's.
    /// @param to The payee.
    /// @param amount In hundredths; the payer's region's fee is added to the payer's side.
    /// @param ref The payment's reference.
    function payAcross(address[] calldata path, address to, uint256 amount, bytes32 ref) external;

    /// @notice One region's step of a payment or a netting, called by the clearing of the region
    /// before (a partner): moves `amount` from that region's account here to the next region's
    /// account, or to `to` at the path's end, and calls the next region.
    /// @param path The whole path, as the first region got it.
    /// @param index The position of this region's clearing in `path`, plus one.
    /// @param from The payer (zero in a netting).
    /// @param to The payee (zero in a netting).
    /// @param amount In hundredths.
    /// @param ref The payment's reference.
    function step(
        address[] calldata path,
        uint256 index,
        address from,
        address to,
        uint256 amount,
        bytes32 ref
    ) external;

    /// @notice Reduces a cycle of positions by `amount`: in each region of the cycle, its account for
    /// the region before pays its account for the region after, each move bringing both positions
    /// nearer to zero (else ClearingNotNetting). The cycle thus runs against the debts: where A owes
    /// B, B owes C and C owes A, A nets `[C, B, A]`. Anyone may call it: it frees limits and takes
    /// nothing from anyone.
    /// @param cycle The clearing contracts after this one round the cycle, this one last.
    /// @param amount By how much every position of the cycle comes nearer to zero.
    /// @param ref A reference for the books.
    function net(address[] calldata cycle, uint256 amount, bytes32 ref) external;

    /// @notice Expects `member` to arrive from `from`'s region. This region's registrar only.
    /// @param member The member who asked to move here.
    /// @param from The clearing of the region it comes from.
    function welcome(address member, address from) external;

    /// @notice The region's clearing from which `member` is welcomed, zero if none.
    /// @param member Any address.
    /// @return The clearing it may arrive from.
    function welcomedFrom(address member) external view returns (address);

    /// @notice Moves the caller's account to `to`'s region in one transaction: its balance is carried
    /// through the clearing (this region's account for the other takes it here, the other region's
    /// account for this one pays it out there), its kind and KYC hash are kept, and it is `Moved` here
    /// from then on. The other region's registrar must have welcomed it.
    /// @param to The clearing contract of the region the member moves to, a partner.
    function moveTo(address to) external;

    /// @notice The arriving side of `moveTo`, called by the clearing of the region left.
    /// @param member The member moving, welcomed here.
    /// @param kind Its kind (MemberKind), kept.
    /// @param kycHash Its KYC hash, kept.
    /// @param balance Its balance, paid out here by the old region's account (a debt: paid in).
    function arrive(address member, uint8 kind, bytes32 kycHash, int256 balance) external;
}
