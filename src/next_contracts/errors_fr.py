"""The contracts' typed errors in French, sentence for sentence with `errors.describe`'s English:
the cooperative's members read French first, and the gateway answers in the language a client
asks for (Accept-Language). A test checks that every error of every shipped contract has a
sentence in both languages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from next_contracts.messages import percent
from next_contracts.vocabulary import (
    ClaimState,
    CommonsKind,
    MemberKind,
    MemberStatus,
    ProposalState,
    claim_name,
    role_name,
    short_id,
    when,
)

# A status as a sentence's verb: "0xABC… n'est pas membre", "0xABC… est gelé".
STATUS = {
    MemberStatus.NONE: "n'est pas membre",
    MemberStatus.ACTIVE: "est actif",
    MemberStatus.FROZEN: "est gelé",
    MemberStatus.EXCLUDED: "est exclu",
    MemberStatus.MIGRATED: "est passé à une nouvelle clé",
    MemberStatus.MOVED: "est parti dans une autre région",
}
KIND = {
    MemberKind.INDIVIDUAL: "particulier",
    MemberKind.BUSINESS: "entreprise",
    MemberKind.COUNCIL: "collectivité",
    MemberKind.SYSTEM: "compte du système",
}
PROPOSAL = {
    ProposalState.PENDING: "en attente",
    ProposalState.ACTIVE: "ouverte au vote",
    ProposalState.CANCELED: "annulée",
    ProposalState.DEFEATED: "rejetée",
    ProposalState.SUCCEEDED: "adoptée",
    ProposalState.QUEUED: "en attente de son délai",
    ProposalState.EXPIRED: "expirée",
    ProposalState.EXECUTED: "exécutée",
}
CLAIM = {
    ClaimState.NONE: "inconnue",
    ClaimState.PENDING: "en cours",
    ClaimState.CONTESTED: "contestée",
    ClaimState.PAID: "payée",
}
COMMONS = {
    CommonsKind.ENVIRONMENT: "environnement",
    CommonsKind.SOLIDARITY: "solidarité",
    CommonsKind.KNOWLEDGE: "savoirs",
}


def status(code: int) -> str:
    return STATUS[MemberStatus.of(code)]


def kind(code: int) -> str:
    return KIND[MemberKind.of(code)]


def commons(code: int) -> str:
    kinds = list(CommonsKind)
    return COMMONS[kinds[code]] if 0 <= code < len(kinds) else str(code)


def pct(bps: int) -> str:
    return percent(bps, "fr")


def sentences(a: dict[str, Any], amount: Callable[[int], str]) -> dict[str, Callable[[], str]]:
    """Each error's sentence, by name, with the facts in `a` (addresses checksummed)."""
    return {
        "AccessControlUnauthorizedAccount": lambda: f"{a['account']} n'a pas le rôle {role_name(a['neededRole'])}",
        "MembershipInvalidAccount": lambda: (
            f"{a['account']} ne peut pas être membre (l'adresse zéro, la réserve, ou une clé déjà utilisée)"
        ),
        "MembershipInvalidStatus": lambda: f"{a['account']} {status(a['status'])} : impossible dans cet état",
        "LedgerAccountNotActive": lambda: f"{a['account']} {status(a['status'])} : il faut un compte actif",
        "LedgerInsufficientCredit": lambda: (
            f"{a['account']} aurait {amount(a['balanceAfter'])}, sous sa limite de {amount(-a['creditLimit'])}"
            if "creditLimit" in a
            else f"{a['account']} n'a pas assez de crédit pour cela"
        ),
        "LedgerCeilingExceeded": lambda: (
            f"{a['account']} aurait {amount(a['balanceAfter'])}, au-dessus de son plafond de {amount(a['ceiling'])}"
            if "ceiling" in a
            else f"{a['account']} ne peut pas recevoir ce montant maintenant : il dépasserait son plafond"
        ),
        "LedgerInvalidAmount": lambda: f"le montant {amount(a['amount'])} n'est pas permis",
        "LedgerSelfPayment": lambda: f"{a['account']} ne peut pas se payer lui-même",
        "LedgerInvalidBatch": lambda: f"un lot de {a['recipients']} bénéficiaires et {a['amounts']} montants",
        "LedgerFeeTooHigh": lambda: f"une commission de {pct(a['feeBps'])} dépasse le maximum de {pct(a['maxFeeBps'])}",
        "LedgerCreditLineTooLarge": lambda: f"{amount(a['value'])} dépasse le maximum de {amount(a['max'])}",
        "LedgerEnforcedPause": lambda: "les paiements sont suspendus",
        "LedgerExpectedPause": lambda: "les paiements ne sont pas suspendus",
        "LedgerNoDebt": lambda: f"{a['account']} n'a pas de dette à passer en perte (solde {amount(a['balance'])})",
        "LedgerReserveEmpty": lambda: (
            f"la réserve est vide : rien ne peut couvrir la dette de {amount(a['debt'])} de {a['account']}"
        ),
        "AccessControlBadConfirmation": lambda: "seul son titulaire peut renoncer à un rôle",
        "MembershipVotesNotDelegable": lambda: "les voix ne se délèguent pas : chaque membre actif vote lui-même",
        "MembershipCouncilByVote": lambda: (
            f"{a['account']} serait une collectivité : les collectivités sont admises par un vote"
        ),
        "LedgerCreditHeld": lambda: (
            f"{a['council']} aurait {amount(a['balanceAfter'])} : à sa limite de -{amount(a['creditLimit'])} "
            f"manquent {amount(a['held'])}, réservés pour les allocations qu'elle a émises"
            if "held" in a
            else f"{a['council']} n'a pas assez de crédit pour cela, outre ce que ses allocations réservent"
        ),
        "LedgerNotBonusAllowances": lambda: f"{a['caller']} n'est pas le contrat des allocations",
        "LedgerNotClearing": lambda: f"{a['caller']} n'est pas la compensation de cette région",
        # The clearing between regions.
        "ClearingNotPartner": lambda: f"{a['caller']} n'est pas une région en relation de compensation avec celle-ci",
        "ClearingUnauthorized": lambda: f"{a['caller']} n'a pas le rôle requis dans le registre de cette région",
        "ClearingInvalidPath": lambda: (
            f"chemin invalide ({a['length']}) : de 1 à {a['maxLength']} régions, une boucle de compensation "
            "en passe au moins deux et revient à son départ"
        ),
        "ClearingInvalidPayee": lambda: "un paiement entre régions a besoin d'un bénéficiaire",
        "ClearingNotNetting": lambda: (
            f"déplacer {amount(a['amount'])} de {a['from']} ({amount(a['fromBalance'])}) à {a['to']} "
            f"({amount(a['toBalance'])}) ne rapprocherait pas les deux positions de zéro"
        ),
        "ClearingNotWelcomed": lambda: (
            f"{a['member']} n'est pas attendu ici depuis {a['from']} : le registre de la région l'accueille d'abord"
        ),
        "ClearingCannotMove": lambda: (
            f"{a['member']} est {kind(a['kind'])} : seuls les particuliers et les entreprises changent de région"
        ),
        "BonusNotRegistrar": lambda: f"{a['caller']} n'est pas au registre : le registre fixe les catégories",
        "BonusNotLedger": lambda: (
            f"{a['caller']} n'est pas le registre des comptes : seule une récupération de clé reporte les allocations"
        ),
        "LedgerStimulusOutOfBounds": lambda: (
            f"une relance de {amount(a['extraCredit'])} jusqu'à {a['endsAt']} sort de la borne du registre : "
            f"au plus {amount(a['maxExtraCredit'])}, finissant au plus tard à {a['latestEnd']}"
        ),
        "BonusInvalidMember": lambda: (
            f"{a['account']} {status(a['status'])} ({kind(a['kind'])}) : il faut un membre actif "
            "(une collectivité active pour ouvrir une campagne)"
        ),
        "BonusInvalidExpiry": lambda: (
            f"une expiration le {when(a['expiresAt'])} n'est pas permise : après maintenant et au plus tard le "
            f"{when(a['latest'])}"
        ),
        "BonusInvalidRegions": lambda: f"{a['count']} régions : au plus {a['max']}, aucune à 0",
        "BonusTooManyRuns": lambda: f"{a['council']} a déjà {a['max']} campagnes ouvertes : le maximum",
        "BonusUnknownRun": lambda: f"il n'y a pas de campagne {a['runId']}",
        "BonusNotRunCouncil": lambda: f"{a['caller']} n'est pas la collectivité de la campagne {a['runId']}",
        "BonusRunExpired": lambda: f"la campagne {a['runId']} a expiré le {when(a['expiresAt'])}",
        "BonusInvalidBatch": lambda: f"un lot de {a['holders']} bénéficiaires et {a['amounts']} montants",
        "BonusInvalidAmount": lambda: f"le montant {amount(a['amount'])} n'est pas permis",
        "BonusHolderFull": lambda: f"{a['holder']} détient déjà {a['max']} allocations en cours : le maximum",
        "BonusCreditShort": lambda: (
            f"il reste à {a['council']} {amount(a['available'])} de crédit, et ces allocations demandent "
            f"{amount(a['needed'])} avec la commission de leur dépense"
        ),
        "BonusSelfPayment": lambda: f"{a['holder']} ne peut pas se payer lui-même avec ses allocations",
        "BonusAllowanceShort": lambda: (
            f"les allocations de {a['holder']} que {a['payee']} accepte couvrent {amount(a['spendable'])} sur "
            f"{amount(a['amount'])}, et au plus {amount(a['maxPlain'])} peuvent être payés en unités ordinaires"
            if a["maxPlain"]
            else f"{a['payee']} accepte {amount(a['spendable'])} des allocations de {a['holder']}, pas "
            f"{amount(a['amount'])} : hors de leurs catégories ou régions, ou dépensées, ou expirées"
        ),
        "CommonsAmountNotScheduled": lambda: (
            f"une récompense de {amount(a['amount'])} pour un commun de type {commons(a['kind'])} : le barème "
            + (f"donne {amount(a['scheduled'])}" if a["scheduled"] else "ne récompense pas ce type")
        ),
        "CommonsPeriodClosed": lambda: (
            f"la période {a['period']} est close : seules la période en cours ({a['current']}) et la précédente"
        ),
        "CommonsNotAttestor": lambda: f"la demande est signée par {a['signer']}, qui n'est pas attestataire",
        "CommonsSelfAttestation": lambda: f"{a['attestor']} ne peut pas attester un commun à son profit",
        "CommonsInvalidBeneficiary": lambda: (
            f"{a['beneficiary']} {status(a['status'])} : seul un membre actif est récompensé"
        ),
        "CommonsClaimExists": lambda: f"la demande {claim_name(a['id'])} a déjà été déposée",
        "CommonsBudgetExceeded": lambda: (
            f"la période {a['period']} a engagé {amount(a['committed'])} de son budget de {amount(a['budget'])} : "
            f"pas de place pour {amount(a['amount'])} de plus"
        ),
        "CommonsBeneficiaryCap": lambda: (
            f"{a['beneficiary']} a reçu {amount(a['received'])} sur la période {a['period']} : "
            f"{amount(a['amount'])} de plus dépasseraient le plafond de {amount(a['cap'])} par membre"
        ),
        "CommonsAttestorCap": lambda: (
            f"{a['attestor']} a attesté {amount(a['attested'])} sur la période {a['period']} : "
            f"{amount(a['amount'])} de plus dépasseraient le plafond de {amount(a['cap'])} par attestataire"
        ),
        "CommonsUnknownClaim": lambda: f"il n'y a pas de demande {claim_name(a['id'])}",
        "CommonsWrongState": lambda: (
            f"la demande {claim_name(a['id'])} est {CLAIM[ClaimState.of(a['state'])]} : impossible maintenant"
        ),
        "CommonsNotContester": lambda: (
            f"{a['caller']} ne peut pas contester : le comité de crédit ou un autre attestataire le peut"
        ),
        "CommonsNotCommittee": lambda: f"{a['caller']} n'est pas au comité de crédit, qui rétablit les demandes",
        "CommonsChallengeOver": lambda: (
            f"le délai de contestation de la demande {claim_name(a['id'])} a pris fin le {when(a['payableAt'])}"
        ),
        "CommonsChallengeOpen": lambda: (
            f"la demande {claim_name(a['id'])} peut être contestée jusqu'au {when(a['payableAt'])} : "
            "elle n'est payée qu'ensuite"
        ),
        "CommonsInvalidWindow": lambda: (
            f"un délai de contestation de {a['window']} s n'est pas permis : de {a['min']} s à {a['max']} s"
        ),
        "CommonsInvalidAmount": lambda: f"le montant {amount(a['amount'])} n'est pas permis",
        "CreditPolicyNone": lambda: f"aucune politique de crédit n'est votée pour les membres {kind(a['kind'])}s",
        "CreditPolicyInvalid": lambda: (
            f"une politique de crédit de {pct(a['turnoverBps'])} du chiffre d'affaires plafonnée à "
            f"{amount(a['cap'])} n'est pas permise (au plus 100 % du chiffre d'affaires, un plafond au plus le "
            "plus grand montant)"
        ),
        "CreditPolicyPinned": lambda: (
            f"le comité de crédit a fixé à la main la ligne de crédit de {a['account']} : la politique la laisse"
        ),
        "CreditPolicyNoRaise": lambda: (
            f"la politique donne à {a['account']} une limite de {amount(a['policyLimit'])}, pas plus que ses "
            f"{amount(a['creditLimit'])}"
        ),
        "ReserveUnknownProject": lambda: f"il n'y a pas de projet {a['projectId']}",
        "ReserveInvalidProject": lambda: (
            f"un projet de {a['instalments']} versement(s) de {amount(a['instalment'])} tous les {a['interval']} s "
            "n'est pas permis (au moins un versement, non nul, à intervalle s'il y en a plusieurs)"
        ),
        "ReserveProjectClosed": lambda: (
            f"le projet {a['projectId']} est clos : {a['paid']} de ses {a['instalments']} versements payés"
        ),
        "ReserveInstalmentNotDue": lambda: (
            f"le versement {a['number']} du projet {a['projectId']} n'est dû qu'à l'instant {a['dueAt']}"
        ),
        "ReserveCoverageBelowFloor": lambda: (
            f"le payer laisserait la réserve à {amount(a['reserveAfter'])} pour {amount(a['creditInUseAfter'])} "
            f"de crédit utilisé : sous le plancher de couverture de {pct(a['floorBps'])}"
        ),
        "ReserveFloorTooHigh": lambda: (
            f"un plancher de couverture de {pct(a['floorBps'])} dépasse le maximum de {pct(a['maxFloorBps'])}"
        ),
        "AccessControlEnforcedDefaultAdminRules": lambda: (
            "le rôle d'administration se transmet en deux temps seulement (offrir, puis accepter), jamais "
            "accordé ni retiré"
        ),
        "AccessControlEnforcedDefaultAdminDelay": lambda: (
            f"le nouvel administrateur ne peut accepter qu'à partir de l'instant {a['schedule']}"
        ),
        "AccessControlInvalidDefaultAdmin": lambda: f"{a['defaultAdmin']} ne peut pas devenir administrateur",
        "GovernorVoterNotActive": lambda: f"{a['voter']} {status(a['status'])} : seuls les membres actifs votent",
        "GovernorDelayNotElapsed": lambda: (
            f"le délai n'est pas écoulé : la proposition {short_id(a['proposalId'])} prend effet à l'instant {a['eta']}"
        ),
        "GovernorNoVoteAtSnapshot": lambda: (
            f"{a['voter']} n'avait pas de voix quand la liste des votants a été arrêtée (instant {a['snapshot']})"
        ),
        "GovernorAlreadyCastVote": lambda: f"{a['voter']} a déjà voté sur cette proposition",
        "GovernorInsufficientProposerVotes": lambda: (
            f"{a['proposer']} n'a pas de voix : seuls les membres actifs proposent"
        ),
        "GovernorUnexpectedProposalState": lambda: (
            f"la proposition {short_id(a['proposalId'])} est {PROPOSAL[ProposalState.of(a['current'])]} : "
            "impossible dans cet état"
        ),
        "GovernorNonexistentProposal": lambda: f"il n'y a pas de proposition {short_id(a['proposalId'])}",
        "GovernorOnlyExecutor": lambda: f"{a['account']} n'est pas le timelock : seul un vote fait cela",
        "GovernorInvalidProposalLength": lambda: (
            "les appels, valeurs et cibles d'une proposition ne sont pas en même nombre"
        ),
        "ConstitutionCallUnknown": lambda: (
            f"la constitution ne soumet pas cet appel au vote des membres ({a['selector'].hex()} sur {a['target']})"
        ),
        "ConstitutionCallWithValue": lambda: f"l'appel {a['index']} envoie de l'ether : une proposition jamais",
        "ConstitutionRoleUnknown": lambda: (
            f"la constitution ne soumet pas au vote l'attribution de {role_name(a['role'])} sur {a['target']}"
        ),
        "ConstitutionRoleOnlyForTimelock": lambda: (
            f"{role_name(a['role'])} sur {a['target']} exécute les votes des membres : il ne va qu'au timelock "
            f"{a['timelock']}, jamais à {a['account']}"
        ),
        "ConstitutionFeeAboveBound": lambda: (
            f"une commission de {pct(a['feeBps'])} dépasse la borne de la constitution, {pct(a['boundBps'])}"
        ),
        "ConstitutionStimulusOutOfBounds": lambda: (
            f"une relance de {amount(a['extraCredit'])} jusqu'à {a['endsAt']} sort des bornes de la constitution : "
            f"au plus {amount(a['maxExtraCredit'])}, finissant au plus tard à {a['latestEnd']}"
        ),
        "ConstitutionInvalidRule": lambda: (
            f"une règle de quorum {pct(a['quorumBps'])}, de seuil {pct(a['supportBps'])} et de délai {a['delay']} s "
            "n'est pas permise (au plus 100 % chacun, un seuil d'au moins la majorité simple, au plus 92 jours)"
        ),
        "TimelockUnexpectedOperationState": lambda: "le délai du timelock n'est pas écoulé, ou c'est déjà fait",
        "TimelockUnauthorizedCaller": lambda: f"{a['caller']} ne peut pas agir sur le timelock",
        "OwnableUnauthorizedAccount": lambda: f"{a['account']} n'est pas le propriétaire : seul un vote fait cela",
        "OwnableInvalidOwner": lambda: f"{a['owner']} ne peut pas être le propriétaire",
        "GovernorAlreadyQueuedProposal": lambda: f"la proposition {short_id(a['proposalId'])} attend déjà son délai",
        "GovernorNotQueuedProposal": lambda: f"la proposition {short_id(a['proposalId'])} n'attend pas son délai",
        "GovernorDisabledDeposit": lambda: "le gouverneur n'accepte pas d'ether",
        "GovernorInvalidQuorumFraction": lambda: (
            f"un quorum de {a['quorumNumerator']} sur {a['quorumDenominator']} n'est pas permis"
        ),
        "GovernorInvalidSignature": lambda: f"la signature du vote n'est pas celle de {a['voter']}",
        "GovernorInvalidVoteParams": lambda: "un vote ne prend pas de paramètres ici",
        "GovernorInvalidVoteType": lambda: "un vote est contre (0), pour (1) ou abstention (2)",
        "GovernorInvalidVotingPeriod": lambda: f"une durée de vote de {a['votingPeriod']} s n'est pas permise",
        "GovernorQueueNotImplemented": lambda: "ce gouverneur n'a pas de file d'attente",
        "GovernorRestrictedProposer": lambda: (
            f"la description réserve cette proposition à un autre que {a['proposer']}"
        ),
        "GovernorUnableToCancel": lambda: (
            f"{a['account']} ne peut pas annuler la proposition {short_id(a['proposalId'])} : seul son auteur, "
            "tant qu'elle est en attente"
        ),
        "FailedCall": lambda: "un appel de la proposition a échoué",
        "TimelockInsufficientDelay": lambda: f"un délai de {a['delay']} s est sous le minimum de {a['minDelay']} s",
        "TimelockInvalidOperationLength": lambda: (
            "les appels, valeurs et cibles d'une opération ne sont pas en même nombre"
        ),
        "TimelockUnexecutedPredecessor": lambda: "une opération dont elle dépend n'est pas encore faite",
        "ERC5805FutureLookup": lambda: (
            f"pas encore de décompte des voix pour l'instant {a['timepoint']} (nous sommes à {a['clock']})"
        ),
        "ERC6372InconsistentClock": lambda: "l'horloge des votes n'est pas celle qu'elle dit",
        "CheckpointUnorderedInsertion": lambda: "un point de décompte des voix hors d'ordre",
        "VotesExpiredSignature": lambda: f"la signature a expiré à l'instant {a['expiry']}",
        "InvalidAccountNonce": lambda: f"le nonce de {a['account']} est {a['currentNonce']}, pas celui signé",
        "InvalidShortString": lambda: "un nom trop long pour le domaine de signature",
        "StringTooLong": lambda: "un nom trop long pour le domaine de signature",
        "SafeCastOverflowedUintDowncast": lambda: f"{a['value']} ne tient pas sur {a['bits']} bits",
    }
