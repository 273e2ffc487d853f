"""Documents, consent, kinship and care on the person page."""

from dataclasses import dataclass

from .. import consent as consent_rules
from ..models import IdentityDocument, Returnee


@dataclass
class DocumentSummary:
    documents: list
    missing_core: list[str]
    overdue: int

    @property
    def restored(self) -> int:
        return len(IdentityDocument.CORE_KINDS) - len(self.missing_core)


def document_summary(*, returnee: Returnee) -> DocumentSummary:
    """The returnee's documents, which core documents are not yet issued, and how many are overdue."""
    documents = list(returnee.documents.select_related("scan"))
    issued = {d.kind for d in documents if d.status == IdentityDocument.Status.ISSUED}
    labels = dict(IdentityDocument.Kind.choices)
    missing = [str(labels[kind]) for kind in IdentityDocument.CORE_KINDS if kind not in issued]
    return DocumentSummary(documents, missing, sum(d.is_overdue for d in documents))


def returnee_overview(*, returnee: Returnee) -> dict:
    """Everything the returnee page shows beyond the returnee row, in a fixed number of queries."""
    # Each consent's problems are what the referral gate would say: "Valid" only when none.
    consents = list(
        returnee.consents.select_related("form", "giver__returnee", "guardianship", "provider", "service_category")
    )
    for consent in consents:
        consent.returnee = returnee  # the rules read the returnee and their family membership
    consent_rules.with_problems(consents)
    return {
        "document_summary": document_summary(returnee=returnee),
        "consents": consents,
        "valid_consents": [consent for consent in consents if not consent.problems],
        "kinship_tests": list(
            returnee.kinship_tests.select_related("relative", "relative__returnee", "relative__family", "consent")
        ),
        "care_arrangements": list(returnee.care_arrangements.all()),
    }
