"""The lists of the cases app taken away as CSV or Excel (repat/core/exports.py): the caseload, the
people search's results and a family's members, each with the columns its page shows, plus ids."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from repat.core.exports import Column, ListExport, filters_of

from . import selectors
from .search import find_people

ID = Column(_("ID"), lambda row: row.pk)


def _age(returnee) -> int | None:
    return returnee.age()


def _approximate(returnee) -> bool | None:
    return None if returnee.date_of_birth is None else returnee.age_is_approximate


CASELOAD_COLUMNS = (
    ID,
    Column(_("Case number"), lambda case: case.returnee.case_number),
    Column(_("Name"), lambda case: case.returnee.full_name),
    Column(_("Age"), lambda case: _age(case.returnee)),
    Column(_("Approximate age"), lambda case: _approximate(case.returnee)),
    Column(_("Sex"), lambda case: case.returnee.get_sex_display()),
    Column(_("Operation"), lambda case: case.returnee.operation),
    Column(_("Region"), lambda case: case.returnee.region),
    Column(_("Social worker"), lambda case: case.worker),
    Column(_("Status"), lambda case: case.get_status_display()),
    Column(_("Risk"), lambda case: case.get_risk_level_display()),
    Column(_("Next follow-up"), lambda case: case.next_follow_up),
    Column(_("Follow-up overdue"), lambda case: case.follow_up_overdue),
)


def caseload_export(*, user, params, search_param: str = "q") -> ListExport:
    """The caseload as its page lists it: the same filters, the same order. `params` holds the
    search text kept in the session (never in a URL); the audit trail records only that there was one."""
    filterset = selectors.caseload(user=user, params=params)
    return ListExport(
        name="caseload",
        columns=CASELOAD_COLUMNS,
        rows=filterset.qs,
        filters=filters_of(params, filterset.filters, search=search_param),
        searched=bool(str(params.get(search_param) or "").strip()),
    )


PEOPLE_COLUMNS = (
    Column(_("ID"), lambda hit: hit.returnee.pk),
    Column(_("Name"), lambda hit: hit.returnee.full_name),
    Column(_("Case number"), lambda hit: hit.returnee.case_number),
    Column(_("Age"), lambda hit: _age(hit.returnee)),
    Column(_("Approximate age"), lambda hit: _approximate(hit.returnee)),
    Column(_("Sex"), lambda hit: hit.returnee.get_sex_display()),
    Column(_("Region"), lambda hit: hit.returnee.region),
    Column(
        _("Family"),
        lambda hit: hit.returnee.membership.family.name if getattr(hit.returnee, "membership", None) else None,
    ),
    Column(_("Why it matched"), lambda hit: hit.reason),
    Column(_("Date of birth matches"), lambda hit: hit.born_as_asked),
)


def people_export(*, user, text: str) -> ListExport:
    """The people search's results (at most its page's 25), best first, as the page lists them."""
    hits = find_people(user, text).hits if text else []
    return ListExport(name="people-search", columns=PEOPLE_COLUMNS, rows=hits, searched=bool(text))


def _member_case(member, visible: set[int], value):
    """What the family page says in the case column: the case if the user may open it, else why not."""
    if not member.returnee_id:
        return gettext("Not a returnee")
    if member.returnee.case.pk not in visible:
        return gettext("Returnee, case held by another worker")
    return value(member.returnee.case)


def _kinship_test(member) -> str | None:
    test = member.kinship_test
    if test is None:
        return None
    reported = test.reported_on.isoformat() if test.reported_on else ""
    return ", ".join(part for part in (test.get_result_display(), test.laboratory, reported) if part)


def family_export(*, user, family) -> ListExport:
    """A family's members as the family page lists them (there is no list of families: a family's
    page is where families are listed, member by member)."""
    members = list(family.members.all())
    visible = selectors.visible_case_ids(user=user, cases=[m.returnee.case for m in members if m.returnee_id])
    columns = (
        ID,
        Column(_("Name"), lambda member: member.display_name),
        Column(_("Head of household"), lambda member: member.is_head),
        Column(_("Relationship"), lambda member: member.get_relationship_display()),
        Column(_("Whereabouts"), lambda member: member.get_whereabouts_display()),
        Column(_("Kinship established by"), lambda member: member.get_kinship_basis_display()),
        Column(_("Kinship test"), _kinship_test),
        Column(_("Notes"), lambda member: member.notes),
        Column(_("Case number"), lambda m: _member_case(m, visible, lambda case: case.returnee.case_number)),
        Column(_("Status"), lambda m: _member_case(m, visible, lambda case: case.get_status_display())),
        Column(_("Social worker"), lambda m: _member_case(m, visible, lambda case: case.worker)),
    )
    return ListExport(name="family-members", columns=columns, rows=members, obj=family)
