"""The referral queue taken away as CSV or Excel (repat/core/exports.py), with the columns its page
shows. Whom a referral is for is written only where the page would show it (`sees_identity`)."""

from django.utils.translation import gettext_lazy as _

from repat.core.exports import Column, ListExport, filters_of

from . import permissions, selectors


def referral_queue_export(*, user, params) -> ListExport:
    """The queue as its page lists it: the same filters, the same order."""
    filterset = selectors.referral_queue(user=user, params=params)

    def identity(value):
        return lambda referral: value(referral) if permissions.sees_identity(user, referral) else None

    columns = (
        Column(_("ID"), lambda referral: referral.pk),
        Column(_("Number"), lambda referral: referral.number),
        Column(_("Service"), lambda referral: referral.service_type),
        Column(_("Category"), lambda referral: referral.service_type.category),
        Column(_("Case number"), identity(lambda referral: referral.case.returnee.case_number)),
        Column(_("Name"), identity(lambda referral: referral.case.returnee.full_name)),
        Column(_("Status"), lambda referral: referral.get_status_display()),
        Column(_("Urgency"), lambda referral: referral.get_urgency_display()),
        Column(_("Provider"), lambda referral: referral.provider),
        Column(_("Assigned to"), lambda referral: referral.assignee),
        Column(_("Region"), identity(lambda referral: referral.region)),
        Column(_("Due"), lambda referral: referral.due_date),
        Column(_("Overdue"), lambda referral: referral.is_overdue),
        Column(_("Requested on"), lambda referral: referral.created_at.date()),
    )
    return ListExport(
        name="referrals", columns=columns, rows=filterset.qs, filters=filters_of(params, filterset.filters)
    )
