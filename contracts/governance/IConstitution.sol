// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice What a proposal decides, by the calls it makes: each kind has its own quorum and
/// support threshold in the constitution. `None` marks a call the constitution does not know.
enum ProposalKind {
    None,
    Fee,
    CreditLines,
    Roles,
    Constitution,
    Stimulus,
    Reserve
}

/// @notice The rule a proposal is decided by: a quorum (votes for and abstaining, in basis points of
/// the active members at the snapshot) and a support threshold (votes for, in basis points of the
/// votes for and against, to be passed strictly) and the least time, in seconds, between its passing
/// and its taking effect (the timelock's own delay applies when longer).
struct VoteRule {
    uint16 quorumBps;
    uint16 supportBps;
    uint32 delay;
}

/// @notice A call of the constitution and its kind.
struct CallKind {
    address target;
    bytes4 selector;
    ProposalKind kind;
}

/// @notice The kind of a role's grant and revocation at a contract.
struct RoleKind {
    address target;
    bytes32 role;
    ProposalKind kind;
}

/// @title The cooperative's constitution: what members may vote on, and by which rule
/// @notice A proposal may only make calls that the constitution names, each of a kind; it is
/// decided by the strictest rule among its calls' kinds. A role's grant or revocation is of the kind
/// of that role's strongest power, named role by role (an unnamed role cannot be granted by a vote);
/// a role of the kind Constitution (an admin, GOVERNANCE_ROLE) carries out votes and may be granted
/// to the timelock alone. The constitution changes only by a vote (its owner is the timelock), under
/// the rule of the kind Constitution.
interface IConstitution {
    /// @notice The call at `index` sends value: proposals move units of account, never ether.
    error ConstitutionCallWithValue(uint256 index, uint256 value);

    /// @notice The constitution names no kind for `selector` on `target`: it cannot be proposed.
    error ConstitutionCallUnknown(address target, bytes4 selector);

    /// @notice The constitution names no kind for granting or revoking `role` at `target`.
    error ConstitutionRoleUnknown(address target, bytes32 role);

    /// @notice `role` at `target` carries out votes (it is of the kind Constitution): it may be granted
    /// to the timelock alone, not to `account`.
    error ConstitutionRoleOnlyForTimelock(address target, bytes32 role, address account, address timelock);

    /// @notice The proposed fee is above the constitution's bound (itself at most the ledger's maximum).
    error ConstitutionFeeAboveBound(uint256 feeBps, uint256 boundBps);

    /// @notice The proposed stimulus passes the ledger's bound (read at the proposal, enforced again by
    /// the ledger when it is set): at most `maxExtraCredit`, ending by `latestEnd` (now plus the longest
    /// duration allowed).
    error ConstitutionStimulusOutOfBounds(
        uint256 extraCredit,
        uint256 endsAt,
        uint256 maxExtraCredit,
        uint256 latestEnd
    );

    /// @notice A rule with a quorum or a threshold above 100%, a threshold under a simple majority,
    /// or a delay above `maxDelay`.
    error ConstitutionInvalidRule(ProposalKind kind, uint256 quorumBps, uint256 supportBps, uint256 delay);

    /// @notice The rule of `kind` changed.
    /// @param kind The proposal kind.
    /// @param quorumBps Its quorum, in basis points of the active members.
    /// @param supportBps Its support threshold, in basis points of the votes for and against.
    /// @param delay The least time between its passing and its taking effect, in seconds.
    event VoteRuleSet(ProposalKind indexed kind, uint16 quorumBps, uint16 supportBps, uint32 delay);

    /// @notice A call was given a kind (or `None`: taken out of the constitution).
    /// @param target The contract.
    /// @param selector The function.
    /// @param kind Its kind.
    event CallKindSet(address indexed target, bytes4 indexed selector, ProposalKind kind);

    /// @notice Granting and revoking a role was given a kind (or `None`: no vote may grant it).
    /// @param target The contract.
    /// @param role The role.
    /// @param kind Its kind.
    event RoleKindSet(address indexed target, bytes32 indexed role, ProposalKind kind);

    /// @notice The bound on the fee changed.
    /// @param boundBps The highest fee a proposal may set, in basis points.
    event FeeBoundSet(uint256 boundBps);

    /// @notice The rule of each kind of proposal.
    /// @param kind A proposal kind.
    /// @return The rule proposals of that kind are decided by.
    function voteRule(ProposalKind kind) external view returns (VoteRule memory);

    /// @notice The kind of a call.
    /// @param target The contract called.
    /// @param selector The function called.
    /// @return Its kind, `None` if the constitution does not name it.
    function callKind(address target, bytes4 selector) external view returns (ProposalKind);

    /// @notice The highest fee a proposal may set, in basis points.
    /// @return The bound.
    function feeBoundBps() external view returns (uint256);

    /// @notice The kind of granting or revoking a role.
    /// @param target The contract whose role it is.
    /// @param role The role.
    /// @return Its kind, `None` if the constitution does not name it.
    function roleKind(address target, bytes32 role) external view returns (ProposalKind);

    /// @notice The bounds of a stimulus: the ledger's (see IMutualCreditLedger.stimulusBound).
    /// @return maxExtraCredit The largest extra credit, in hundredths.
    /// @return maxDuration The longest duration from its proposal, in seconds.
    function stimulusBound() external view returns (uint256 maxExtraCredit, uint256 maxDuration);

    /// @notice The rule a proposal of these calls would be decided by; reverts, naming the call,
    /// if one sends value, is not in the constitution, or passes a bound.
    /// @param targets The contracts called.
    /// @param values The ether sent with each call (must be zero).
    /// @param calldatas The calls.
    /// @return rule The strictest rule among the calls' kinds.
    /// @return kinds A bit per kind of the calls (bit `uint8(kind)`).
    function ruleOf(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata calldatas
    ) external view returns (VoteRule memory rule, uint8 kinds);

    /// @notice Sets the rule of a kind. Only by a vote.
    /// @param kind The kind.
    /// @param rule Its new rule.
    function setVoteRule(ProposalKind kind, VoteRule calldata rule) external;

    /// @notice Gives a call a kind, or takes it out of the constitution with `None`. Only by a vote.
    /// @param target The contract.
    /// @param selector The function.
    /// @param kind Its kind.
    function setCallKind(address target, bytes4 selector, ProposalKind kind) external;

    /// @notice Gives several calls their kinds at once. Only by a vote (or the deployer, before
    /// the constitution is handed to the timelock).
    /// @param calls The calls and their kinds.
    function setCallKinds(CallKind[] calldata calls) external;

    /// @notice Gives granting and revoking roles their kinds. Only by a vote (or the deployer, before
    /// the constitution is handed to the timelock).
    /// @param roles The roles, their contracts and their kinds.
    function setRoleKinds(RoleKind[] calldata roles) external;

    /// @notice Sets the highest fee a proposal may set. Only by a vote.
    /// @param boundBps The bound, in basis points, at most the ledger's maximum.
    function setFeeBound(uint256 boundBps) external;
}
