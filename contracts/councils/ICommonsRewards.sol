// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MemberStatus} from "../membership/IMembershipRegistry.sol";
import {IMutualCreditLedger} from "../ledger/IMutualCreditLedger.sol";

// The field order is the EIP-712 type's, which attestors' wallets sign: not rearranged for packing.
/// @notice What an attestor signs (EIP-712, domain "NExT Commons", version "1"): that
/// `beneficiary` produced a commons of `kind` in `period`, with the hash of the evidence kept by
/// the attestor; `amount` is the schedule's for that kind.
/// @param beneficiary The member rewarded.
/// @param kind The kind of commons (the schedule's index: environmental impact, solidarity, ...).
/// @param evidence A hash of the evidence (a report, photos, a list of participants), kept off chain.
/// @param amount The reward, in hundredths: the schedule's amount for `kind`.
/// @param period The period it is counted in: `block.timestamp / PERIOD`, this one or the last.
// solhint-disable-next-line gas-struct-packing
struct CommonsClaim {
    address beneficiary;
    uint8 kind;
    bytes32 evidence;
    uint256 amount;
    uint32 period;
}

/// @notice Where a submitted claim stands: Pending in its challenge window, or past it and not paid
/// yet; Contested in its window, and not paid unless the committee reinstates it; Paid.
enum ClaimState {
    None,
    Pending,
    Contested,
    Paid
}

/// @notice A submitted claim as the views return it.
struct ClaimRecord {
    address attestor;
    address beneficiary;
    uint8 kind;
    uint32 period;
    uint64 payableAt;
    ClaimState state;
    uint256 amount;
}

/// @title Rewards for commons, on attestations
/// @notice Attestors (associations, a council's services; a role granted by governance) attest
/// that a member produced a commons: an EIP-712 claim. Anyone submits it; it is counted against the
/// period's budget and the caps per beneficiary and per attestor, all voted by governance, and may
/// be contested during a challenge window by the credit committee or by another attestor. After the
/// window anyone has it paid: this contract is itself a member of the ledger (a system account,
/// with its own credit line set by the committee) and pays the reward as an ordinary payment whose
/// reference is the claim's id.
interface ICommonsRewards {
    /// @notice A claim was submitted; it is payable from `payableAt` unless contested before.
    /// @param id The claim's id (its EIP-712 digest).
    /// @param attestor Who signed it.
    /// @param beneficiary The member rewarded.
    /// @param kind The kind of commons.
    /// @param evidence The hash of the evidence.
    /// @param amount The reward, in hundredths.
    /// @param period The period it counts in.
    /// @param payableAt When its challenge window closes.
    event ClaimSubmitted(
        bytes32 indexed id,
        address indexed attestor,
        address indexed beneficiary,
        uint8 kind,
        bytes32 evidence,
        uint256 amount,
        uint32 period,
        uint64 payableAt
    );
    /// @notice A claim was contested in its window, by the committee or another attestor.
    /// @param id The claim's id.
    /// @param by Who contested it.
    /// @param reason A hash or short text of why.
    event ClaimContested(bytes32 indexed id, address indexed by, bytes32 reason);
    /// @notice The committee set a contested claim back to pending.
    /// @param id The claim's id.
    /// @param by The committee member.
    /// @param payableAt When it may be paid.
    event ClaimReinstated(bytes32 indexed id, address indexed by, uint64 payableAt);
    /// @notice A claim's reward was paid, from this contract's ledger account.
    /// @param id The claim's id, the payment's reference.
    /// @param beneficiary The member paid.
    /// @param amount The reward, in hundredths.
    event RewardPaid(bytes32 indexed id, address indexed beneficiary, uint256 amount);
    /// @notice Governance set the budget per period and the caps per beneficiary and per attestor.
    /// @param budget What the claims of one period may commit in all, in hundredths.
    /// @param beneficiaryCap What one member may receive in one period.
    /// @param attestorCap What one attestor may attest in one period.
    event BudgetSet(uint256 budget, uint256 beneficiaryCap, uint256 attestorCap);
    /// @notice Governance set the reward of a kind of commons.
    /// @param kind The kind of commons.
    /// @param amount Its reward, in hundredths (0: the kind is not rewarded).
    event ScheduleSet(uint8 indexed kind, uint256 amount);
    /// @notice Governance set the challenge window.
    /// @param window Its length, in seconds.
    event ChallengeWindowSet(uint64 window);

    /// @notice The claim's amount is not the schedule's for its kind (0: the kind is not rewarded).
    error CommonsAmountNotScheduled(uint8 kind, uint256 amount, uint256 scheduled);
    /// @notice The claim's period is neither the current period nor the last one.
    error CommonsPeriodClosed(uint32 period, uint256 current);
    /// @notice The signature is not an attestor's (the address it recovers to is given).
    error CommonsNotAttestor(address signer);
    /// @notice An attestor attests a commons of its own.
    error CommonsSelfAttestation(address attestor);
    /// @notice The beneficiary is not an active member.
    error CommonsInvalidBeneficiary(address beneficiary, MemberStatus status);
    /// @notice This attestation was submitted already.
    error CommonsClaimExists(bytes32 id);
    /// @notice The period's budget cannot take this claim.
    error CommonsBudgetExceeded(uint32 period, uint256 committed, uint256 amount, uint256 budget);
    /// @notice The beneficiary's cap for the period cannot take this claim.
    error CommonsBeneficiaryCap(address beneficiary, uint32 period, uint256 received, uint256 amount, uint256 cap);
    /// @notice The attestor's cap for the period cannot take this claim.
    error CommonsAttestorCap(address attestor, uint32 period, uint256 attested, uint256 amount, uint256 cap);
    /// @notice No claim has this id.
    error CommonsUnknownClaim(bytes32 id);
    /// @notice The claim is not in the state this call needs.
    error CommonsWrongState(bytes32 id, ClaimState state);
    /// @notice Only the credit committee or an attestor other than the claim's contests it.
    error CommonsNotContester(address caller);
    /// @notice Only the credit committee reinstates a contested claim.
    error CommonsNotCommittee(address caller);
    /// @notice The challenge window closed at `payableAt`: too late to contest.
    error CommonsChallengeOver(bytes32 id, uint64 payableAt);
    /// @notice The challenge window is open until `payableAt`: too early to pay.
    error CommonsChallengeOpen(bytes32 id, uint64 payableAt);
    /// @notice A challenge window outside [min, max].
    error CommonsInvalidWindow(uint64 window, uint64 min, uint64 max);
    /// @notice An amount of zero or above the ledger's bound.
    error CommonsInvalidAmount(uint256 amount);

    /// @notice Submits an attestor's signed claim; anyone may (the attestor, the beneficiary).
    /// @param claim The claim as signed.
    /// @param signature The attestor's EIP-712 signature of it (65 bytes).
    /// @return id The claim's id: its EIP-712 digest, the reference of its payment.
    function submit(CommonsClaim calldata claim, bytes calldata signature) external returns (bytes32 id);

    /// @notice Contests a pending claim within its window: it will not be paid, and its amount goes
    /// back to the period's budget and caps. The credit committee, or any attestor but the claim's;
    /// the committee also after the window, as long as the claim is not paid.
    /// @param id The claim's id.
    /// @param reason A hash or short text of why.
    function contest(bytes32 id, bytes32 reason) external;

    /// @notice The credit committee sets a contested claim back to pending, counted again against
    /// the budget and caps of its period; it is payable when its first window ends, or at once if
    /// that is past.
    /// @param id The claim's id.
    function reinstate(bytes32 id) external;

    /// @notice Pays a pending claim whose window is over, from this contract's ledger account;
    /// anyone may call it.
    /// @param id The claim's id.
    function pay(bytes32 id) external;

    /// @notice Governance: the budget per period and the caps per beneficiary and per attestor.
    /// @param budget What the claims of one period may commit in all, in hundredths.
    /// @param beneficiaryCap What one member may receive in one period.
    /// @param attestorCap What one attestor may attest in one period.
    function setBudget(uint256 budget, uint256 beneficiaryCap, uint256 attestorCap) external;

    /// @notice Governance: the reward of a kind of commons.
    /// @param kind The kind of commons.
    /// @param amount Its reward, in hundredths; 0 stops rewarding it.
    function setSchedule(uint8 kind, uint256 amount) external;

    /// @notice Governance: the challenge window, from MIN_WINDOW (a day in production) to thirty days.
    /// @param window Its length, in seconds.
    function setChallengeWindow(uint64 window) external;

    /// @notice A claim's id: the EIP-712 digest an attestor signs.
    /// @param claim The claim.
    /// @return The digest.
    function claimId(CommonsClaim calldata claim) external view returns (bytes32);

    /// @notice A submitted claim (state None if no claim has this id).
    /// @param id The claim's id.
    /// @return The claim.
    function claimOf(bytes32 id) external view returns (ClaimRecord memory);

    /// @notice The current period.
    /// @return `block.timestamp / PERIOD`.
    function currentPeriod() external view returns (uint256);

    /// @notice What the claims pending or paid in a period commit of its budget.
    /// @param period A period.
    /// @return committed What they commit, in hundredths.
    /// @return budget The budget per period.
    function committedIn(uint32 period) external view returns (uint256 committed, uint256 budget);

    /// @notice What a member received or will receive in a period, pending claims included.
    /// @param period A period.
    /// @param beneficiary A member.
    /// @return The sum, in hundredths.
    function receivedIn(uint32 period, address beneficiary) external view returns (uint256);

    /// @notice What an attestor attested in a period, pending and paid claims.
    /// @param period A period.
    /// @param attestor An attestor.
    /// @return The sum, in hundredths.
    function attestedIn(uint32 period, address attestor) external view returns (uint256);

    /// @notice The reward of a kind of commons.
    /// @param kind The kind.
    /// @return Its reward, in hundredths (0: not rewarded).
    function scheduled(uint8 kind) external view returns (uint256);

    /// @notice The budget per period and the caps.
    /// @return perPeriod What one period's claims may commit.
    /// @return beneficiaryCap What one member may receive in a period.
    /// @return attestorCap What one attestor may attest in a period.
    function budget() external view returns (uint256 perPeriod, uint256 beneficiaryCap, uint256 attestorCap);

    /// @notice The challenge window.
    /// @return Its length, in seconds.
    function challengeWindow() external view returns (uint64);

    /// @notice The ledger this contract pays from (it is a member of it).
    /// @return The ledger.
    function LEDGER() external view returns (IMutualCreditLedger);

    /// @notice The length of a period.
    /// @return 30 days, in seconds.
    function PERIOD() external view returns (uint256);

    /// @notice The shortest challenge window governance may set, fixed at deployment.
    /// @return In seconds: a day in production.
    function MIN_WINDOW() external view returns (uint64);

    /// @notice The role of attestors, granted and revoked by governance.
    /// @return keccak256("ATTESTOR_ROLE").
    function ATTESTOR_ROLE() external view returns (bytes32);
}
