"""Transfers of a case between workers and regions: those waiting for the user, and those asked by them."""

from .. import permissions
from ..models import CaseTransfer

TRANSFER_RELATED = ("case__returnee", "from_worker", "to_worker", "from_region", "to_region", "requested_by")


def transfers_incoming(*, user) -> list:
    return list(permissions.transfers_answerable_by(user).select_related(*TRANSFER_RELATED)[:100])


def transfers_outgoing(*, user):
    """Transfers of cases the user may see, newest first (the last hundred)."""
    visible = permissions.cases_visible_to(user).values("pk")
    return CaseTransfer.objects.filter(case__in=visible).select_related(*TRANSFER_RELATED)[:100]
