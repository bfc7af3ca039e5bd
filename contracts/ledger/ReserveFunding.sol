// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MemberStatus} from "../membership/IMembershipRegistry.sol";
import {IReserveFunding, ProjectState} from "./IReserveFunding.sol";
import {LedgerBase} from "./LedgerBase.sol";

/// @title Projects funded from the reserve: the schedule of their instalments
/// @notice See IReserveFunding. This part keeps the projects and their schedules; the ledger, which
/// owns the reserve and the credit in use, pays each instalment and checks the coverage floor
/// (`_payInstalment`).
abstract contract ReserveFunding is LedgerBase, IReserveFunding {
    /// @inheritdoc IReserveFunding
    uint256 public constant override MAX_COVERAGE_FLOOR_BPS = 100_000;

    /// @dev A project in two slots: who and how much, then when.
    struct Project {
        address account;
        uint64 instalment;
        uint16 instalments;
        uint16 paid;
        uint48 startsAt;
        uint32 interval;
        bool cancelled;
    }

    mapping(uint256 projectId => Project) private _projects;
    uint256 private _projectCount;
    uint256 private _coverageFloorBps;

    /// @inheritdoc IReserveFunding
    function fundProject(
        address account,
        uint256 instalment,
        uint256 instalments,
        uint256 interval,
        bytes32 ref
    ) external onlyRole(GOVERNANCE_ROLE) returns (uint256 projectId) {
        MemberStatus status = _account(account).status();
        if (status != MemberStatus.Active) revert MembershipInvalidStatus(account, status);
        if (
            instalment == 0 ||
            instalment > MAX_AMOUNT ||
            instalments == 0 ||
            instalments > type(uint16).max ||
            interval > type(uint32).max ||
            (interval == 0 && instalments > 1)
        ) {
            revert ReserveInvalidProject(instalment, instalments, interval);
        }
        projectId = ++_projectCount;
        _projects[projectId] = Project({
            account: account,
            instalment: uint64(instalment),
            instalments: uint16(instalments),
            paid: 0,
            startsAt: uint48(block.timestamp),
            interval: uint32(interval),
            cancelled: false
        });
        emit ProjectFunded(projectId, account, instalment, instalments, interval, block.timestamp, ref);
    }

    /// @inheritdoc IReserveFunding
    function releaseInstalment(uint256 projectId) external {
        Project storage stored = _projects[projectId];
        Project memory p = stored;
        if (p.account == address(0)) revert ReserveUnknownProject(projectId);
        if (p.cancelled || p.paid == p.instalments) revert ReserveProjectClosed(projectId, p.paid, p.instalments);
        uint256 dueAt = uint256(p.startsAt) + uint256(p.paid) * p.interval;
        if (dueAt > block.timestamp) revert ReserveInstalmentNotDue(projectId, uint256(p.paid) + 1, dueAt);
        stored.paid = p.paid + 1;
        _payInstalment(projectId, p.account, p.instalment, _coverageFloorBps);
        emit InstalmentReleased(projectId, p.account, uint256(p.paid) + 1, p.instalment);
    }

    /// @inheritdoc IReserveFunding
    function cancelProject(uint256 projectId) external onlyRole(GOVERNANCE_ROLE) {
        Project storage stored = _projects[projectId];
        if (stored.account == address(0)) revert ReserveUnknownProject(projectId);
        if (stored.cancelled || stored.paid == stored.instalments) {
            revert ReserveProjectClosed(projectId, stored.paid, stored.instalments);
        }
        stored.cancelled = true;
        emit ProjectCancelled(projectId, stored.paid);
    }

    /// @inheritdoc IReserveFunding
    function setCoverageFloor(uint256 floorBps) external onlyRole(GOVERNANCE_ROLE) {
        if (floorBps > MAX_COVERAGE_FLOOR_BPS) revert ReserveFloorTooHigh(floorBps, MAX_COVERAGE_FLOOR_BPS);
        emit CoverageFloorSet(_coverageFloorBps, floorBps);
        _coverageFloorBps = floorBps;
    }

    /// @inheritdoc IReserveFunding
    function project(uint256 projectId) external view returns (ProjectState memory) {
        Project memory p = _projects[projectId];
        if (p.account == address(0)) revert ReserveUnknownProject(projectId);
        return
            ProjectState({
                account: p.account,
                cancelled: p.cancelled,
                instalment: p.instalment,
                instalments: p.instalments,
                paid: p.paid,
                startsAt: p.startsAt,
                interval: p.interval
            });
    }

    /// @inheritdoc IReserveFunding
    function projectCount() external view returns (uint256) {
        return _projectCount;
    }

    /// @inheritdoc IReserveFunding
    function coverageFloorBps() external view returns (uint256) {
        return _coverageFloorBps;
    }

    /// @dev Pays `amount` from the reserve to `account` as instalment of `projectId`, refusing it if
    /// it would leave the coverage ratio below `floorBps`.
    function _payInstalment(uint256 projectId, address account, uint256 amount, uint256 floorBps) internal virtual;
}
