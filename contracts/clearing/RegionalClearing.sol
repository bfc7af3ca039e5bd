// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {MemberKind} from "../membership/IMembershipRegistry.sol";
import {AccountState, IMutualCreditLedger} from "../ledger/IMutualCreditLedger.sol";
import {IRegionalClearing} from "./IRegionalClearing.sol";

/// @title A region's clearing with the other regions
/// @notice See IRegionalClearing. Deployed by its region's ledger, which lets it alone move balances
/// between the ledger's accounts and its partners' accounts (the ledger's `clearing*` functions);
/// every move still follows the ledger's rules of payment (active members, limits, ceilings, pause).
contract RegionalClearing is IRegionalClearing {
    /// @inheritdoc IRegionalClearing
    uint256 public constant override MAX_PATH = 6;

    bytes32 private constant _GOVERNANCE_ROLE = keccak256("GOVERNANCE_ROLE");
    bytes32 private constant _REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    IMutualCreditLedger private immutable _LEDGER;
    uint16 private immutable _REGION;

    mapping(address clearing => bool) private _partners;
    mapping(address member => address from) private _welcomed;

    constructor(IMutualCreditLedger ledger_, uint16 region_) {
        _LEDGER = ledger_;
        _REGION = region_;
    }

    // ---------------------------------------------------------------------------------------------
    // Governance and registrars

    /// @inheritdoc IRegionalClearing
    function setRelationship(address partner, uint256 creditLimit, uint256 ceiling) external {
        _requireRole(_GOVERNANCE_ROLE);
        if (partner == address(this)) revert ClearingNotPartner(partner);
        uint16 partnerRegion = IRegionalClearing(partner).region();
        _partners[partner] = true;
        _LEDGER.clearingAdmit(partner, MemberKind.System, partnerRegion, bytes32(0), creditLimit, ceiling);
        emit RelationshipSet(partner, partnerRegion, creditLimit, ceiling);
    }

    /// @inheritdoc IRegionalClearing
    function welcome(address member, address from) external {
        _requireRole(_REGISTRAR_ROLE);
        _welcomed[member] = from;
        emit MemberWelcomed(member, from);
    }

    // ---------------------------------------------------------------------------------------------
    // Payments and netting

    /// @inheritdoc IRegionalClearing
    function payAcross(address[] calldata path, address to, uint256 amount, bytes32 ref) external {
        uint256 length = path.length;
        if (length == 0 || length > MAX_PATH) revert ClearingInvalidPath(length, MAX_PATH);
        if (to == address(0)) revert ClearingInvalidPayee(to);
        address next = path[0];
        // No partner check here: paying `next` needs its account in this ledger to be active (a
        // partner's, or else a member's, which this payment then merely pays), and `next` checks
        // this clearing is its partner before it moves anything.
        _LEDGER.clearingMove(msg.sender, next, amount, ref, true); // the payer's side, with this region's fee
        IRegionalClearing(next).step(path, 1, msg.sender, to, amount, ref);
        emit PaidAcross(msg.sender, to, path[length - 1], amount, ref);
    }

    /// @inheritdoc IRegionalClearing
    function step(
        address[] calldata path,
        uint256 index,
        address from,
        address to,
        uint256 amount,
        bytes32 ref
    ) external {
        if (!_partners[msg.sender]) revert ClearingNotPartner(msg.sender);
        uint256 length = path.length;
        if (index == 0 || index > length || path[index - 1] != address(this)) revert ClearingInvalidPath(index, length);
        if (index == length) {
            _LEDGER.clearingMove(msg.sender, to, amount, ref, false); // the payee's side
            emit ReceivedAcross(from, to, msg.sender, amount, ref);
            return;
        }
        address next = path[index];
        bool netting = to == address(0);
        if (netting) _requireNetting(msg.sender, next, amount);
        _LEDGER.clearingMove(msg.sender, next, amount, ref, false); // passing through
        emit PassedThrough(msg.sender, next, amount, ref);
        // A netting cycle ends where it began: its first region made its move before the first step.
        if (netting && index == length - 1) return;
        IRegionalClearing(next).step(path, index + 1, from, to, amount, ref);
    }

    /// @inheritdoc IRegionalClearing
    function net(address[] calldata cycle, uint256 amount, bytes32 ref) external {
        uint256 length = cycle.length;
        // Round at least two other regions: between two, the positions are one already.
        if (length < 3 || length > MAX_PATH || cycle[length - 1] != address(this)) {
            revert ClearingInvalidPath(length, MAX_PATH);
        }
        address previous = cycle[length - 2];
        address first = cycle[0];
        if (!_partners[first]) revert ClearingNotPartner(first);
        _requireNetting(previous, first, amount);
        _LEDGER.clearingMove(previous, first, amount, ref, false);
        IRegionalClearing(first).step(cycle, 1, address(0), address(0), amount, ref);
        emit Netted(cycle, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // Moving

    /// @inheritdoc IRegionalClearing
    function moveTo(address to) external {
        if (!_partners[to]) revert ClearingNotPartner(to);
        address member = msg.sender;
        AccountState memory account = _LEDGER.accountOf(member);
        if (account.kind != MemberKind.Individual && account.kind != MemberKind.Business) {
            revert ClearingCannotMove(member, uint8(account.kind));
        }
        // The balance first, by the rules of payment (an active member, the other region's account
        // within its limits here), then the account closes; the other region takes it up.
        int256 balance = account.balance;
        if (balance > 0) _LEDGER.clearingMove(member, to, uint256(balance), bytes32(0), false);
        else if (balance < 0) _LEDGER.clearingMove(to, member, uint256(-balance), bytes32(0), false);
        _LEDGER.clearingLeave(member);
        IRegionalClearing(to).arrive(member, uint8(account.kind), _LEDGER.kycHashOf(member), balance);
        emit MemberMoved(member, to, IRegionalClearing(to).region(), balance);
    }

    /// @inheritdoc IRegionalClearing
    function arrive(address member, uint8 kind, bytes32 kycHash, int256 balance) external {
        if (!_partners[msg.sender]) revert ClearingNotPartner(msg.sender);
        if (_welcomed[member] != msg.sender) revert ClearingNotWelcomed(member, msg.sender);
        delete _welcomed[member];
        _LEDGER.clearingAdmit(member, MemberKind(kind), _REGION, kycHash, 0, 0); // its kind's default line
        if (balance > 0) _LEDGER.clearingMove(msg.sender, member, uint256(balance), bytes32(0), false);
        else if (balance < 0) _LEDGER.clearingMove(member, msg.sender, uint256(-balance), bytes32(0), false);
        emit MemberArrived(member, msg.sender, IRegionalClearing(msg.sender).region(), balance);
    }

    // ---------------------------------------------------------------------------------------------
    // Views

    /// @inheritdoc IRegionalClearing
    function region() external view returns (uint16) {
        return _REGION;
    }

    /// @inheritdoc IRegionalClearing
    function ledger() external view returns (address) {
        return address(_LEDGER);
    }

    /// @inheritdoc IRegionalClearing
    function isPartner(address partner) external view returns (bool) {
        return _partners[partner];
    }

    /// @inheritdoc IRegionalClearing
    function welcomedFrom(address member) external view returns (address) {
        return _welcomed[member];
    }

    // ---------------------------------------------------------------------------------------------
    // Internals

    function _requireRole(bytes32 role) private view {
        if (!IAccessControl(address(_LEDGER)).hasRole(role, msg.sender)) revert ClearingUnauthorized(msg.sender, role);
    }

    /// @dev A netting move takes from a positive position and gives to a negative one, each by no
    /// more than it holds: every position of the cycle comes nearer to zero, none crosses it.
    function _requireNetting(address from, address to, uint256 amount) private view {
        int256 fromBalance = _LEDGER.balanceOf(from);
        int256 toBalance = _LEDGER.balanceOf(to);
        if (amount > uint256(type(int256).max) || fromBalance < int256(amount) || toBalance > -int256(amount)) {
            revert ClearingNotNetting(from, fromBalance, to, toBalance, amount);
        }
    }
}
