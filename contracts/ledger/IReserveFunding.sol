// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice A project the members voted to fund from the reserve, as the views return it.
struct ProjectState {
    address account;
    bool cancelled;
    uint256 instalment;
    uint256 instalments;
    uint256 paid;
    uint256 startsAt;
    uint256 interval;
}

/// @title Projects funded from the insurance reserve, above a coverage floor
/// @notice The reserve insures members' debts first. What it holds beyond that may fund projects the
/// members chose by vote: a project is paid to its member account in equal instalments, the first
/// when the vote takes effect and one every `interval` after it, each released by anyone's call
/// once due. No instalment may leave the reserve's coverage ratio (reserve / credit in use) below
/// the floor, which members also set by vote: an instalment that would is refused, and can be
/// released later, when fees have refilled the reserve. A vote can cancel what is left of a project.
interface IReserveFunding {
    /// @notice No project has that id.
    error ReserveUnknownProject(uint256 projectId);

    /// @notice A project with no instalment, an instalment of zero or above the largest amount, or
    /// an interval too long (above 2^32 - 1 seconds) or of zero between several instalments.
    error ReserveInvalidProject(uint256 instalment, uint256 instalments, uint256 interval);

    /// @notice Every instalment of the project is paid, or the project was cancelled.
    error ReserveProjectClosed(uint256 projectId, uint256 paid, uint256 instalments);

    /// @notice Instalment `number` (counted from 1) is due at `dueAt`, later than now.
    error ReserveInstalmentNotDue(uint256 projectId, uint256 number, uint256 dueAt);

    /// @notice Paying the instalment would leave the reserve at `reserveAfter` against a credit in use
    /// of `creditInUseAfter`: below the floor of `floorBps` (or below zero).
    error ReserveCoverageBelowFloor(uint256 projectId, int256 reserveAfter, uint256 creditInUseAfter, uint256 floorBps);

    /// @notice A floor above `MAX_COVERAGE_FLOOR_BPS`.
    error ReserveFloorTooHigh(uint256 floorBps, uint256 maxFloorBps);

    /// @notice A vote funded a project.
    /// @param projectId The project's number, from 1.
    /// @param account The member account it is paid to.
    /// @param instalment Each instalment, in hundredths.
    /// @param instalments How many instalments.
    /// @param interval The seconds between two instalments.
    /// @param startsAt When the first is due.
    /// @param ref The project's reference (the hash of its file, say).
    event ProjectFunded(
        uint256 indexed projectId,
        address indexed account,
        uint256 instalment,
        uint256 instalments,
        uint256 interval,
        uint256 startsAt,
        bytes32 ref
    );

    /// @notice An instalment was paid from the reserve; the `Transferred` event before it moved it.
    /// @param projectId The project.
    /// @param account The project's account.
    /// @param number The instalment's number, from 1.
    /// @param amount What it paid, in hundredths.
    event InstalmentReleased(uint256 indexed projectId, address indexed account, uint256 number, uint256 amount);

    /// @notice A vote stopped a project; the instalments paid stay paid.
    /// @param projectId The project.
    /// @param paid How many instalments it had received.
    event ProjectCancelled(uint256 indexed projectId, uint256 paid);

    /// @notice A vote set the reserve's coverage floor.
    /// @param previousFloorBps The floor before, in basis points of the credit in use.
    /// @param newFloorBps The floor now.
    event CoverageFloorSet(uint256 previousFloorBps, uint256 newFloorBps);

    /// @notice Funds a project from the reserve, in instalments. Governance only (a vote).
    /// @param account An active member: the project's account.
    /// @param instalment Each instalment, in hundredths, from 1 to the largest amount.
    /// @param instalments How many, from 1 to 65,535.
    /// @param interval Seconds between two instalments (not zero if more than one).
    /// @param ref The project's reference.
    /// @return projectId The new project's number.
    function fundProject(
        address account,
        uint256 instalment,
        uint256 instalments,
        uint256 interval,
        bytes32 ref
    ) external returns (uint256 projectId);

    /// @notice Pays the project's next instalment, if due and if the coverage floor allows: anyone
    /// may call it.
    /// @param projectId The project.
    function releaseInstalment(uint256 projectId) external;

    /// @notice Stops a project: no further instalment is paid. Governance only (a vote).
    /// @param projectId The project.
    function cancelProject(uint256 projectId) external;

    /// @notice Sets the reserve's coverage floor. Governance only (a vote).
    /// @param floorBps The least coverage ratio, in basis points of the credit in use, that an
    /// instalment may leave (10,000 is a reserve equal to the credit in use).
    function setCoverageFloor(uint256 floorBps) external;

    /// @notice A project.
    /// @param projectId Its number.
    /// @return Its account, whether cancelled, instalment, count, instalments paid, start and interval.
    function project(uint256 projectId) external view returns (ProjectState memory);

    /// @notice How many projects were ever funded (their numbers run from 1 to this).
    /// @return The count.
    function projectCount() external view returns (uint256);

    /// @notice The reserve's coverage floor.
    /// @return The floor, in basis points of the credit in use.
    function coverageFloorBps() external view returns (uint256);

    /// @notice The credit in use: the sum of the members' debts (negative balances), which the
    /// reserve insures.
    /// @return The sum, in hundredths.
    function creditInUse() external view returns (uint256);

    // solhint-disable func-name-mixedcase
    /// @notice The highest floor a vote may set, in basis points: ten times the credit in use.
    /// @return 100,000.
    function MAX_COVERAGE_FLOOR_BPS() external view returns (uint256);
    // solhint-enable func-name-mixedcase
}
