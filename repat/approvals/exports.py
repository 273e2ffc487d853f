"""The approvals queue taken away as CSV or Excel (repat/core/exports.py), with its page's columns."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from repat.core.exports import Column, ListExport, filters_of

from . import selectors


def _subject(approval) -> str:
    """What is to be approved, as the queue names it: "Plan · version 2"."""
    kind = str(approval.get_kind_display())
    if approval.plan:
        return f"{kind} · " + gettext("version %(version)s") % {"version": approval.plan.version}
    if approval.assessment:
        return f"{kind} · {approval.assessment.get_kind_display()}"
    return kind


COLUMNS = (
    Column(_("ID"), lambda approval: approval.pk),
    Column(_("Case number"), lambda approval: approval.case.returnee.case_number),
    Column(_("Approval of"), _subject),
    Column(_("Status"), lambda approval: approval.get_status_display()),
    Column(_("Region"), lambda approval: approval.region),
    Column(_("Requested by"), lambda approval: approval.requested_by),
    Column(_("Requested at"), lambda approval: approval.requested_at),
    Column(_("Answered by"), lambda approval: approval.decided_by),
    Column(_("Answered at"), lambda approval: approval.decided_at),
)


def approval_queue_export(*, user, params) -> ListExport:
    """The queue as its page lists it (an approver's default, the pending requests, included)."""
    filterset = selectors.approval_queue(user=user, params=params)
    return ListExport(
        name="approvals", columns=COLUMNS, rows=filterset.qs, filters=filters_of(filterset.data, filterset.filters)
    )
