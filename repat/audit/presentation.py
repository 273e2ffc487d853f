"""The audit trail as people read it: users by name, records as "Consent record of case KG-2024-00012",
pages by their title. The rows keep the internal names (model and route names never change with the
language); this module turns a page of rows into words with a fixed number of queries."""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import OuterRef, Subquery
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import AuditEvent

# The title of every page the trail names by its route (reads, exports, refusals).
PAGE_TITLES = {
    "accounts:confirm_password": gettext_lazy("Confirm your password"),
    "accounts:login": gettext_lazy("Sign in"),
    "accounts:logout": gettext_lazy("Sign out"),
    "accounts:password_change": gettext_lazy("Change password"),
    "accounts:password_changed": gettext_lazy("Password changed"),
    "accounts:recovery_codes": gettext_lazy("Recovery codes"),
    "accounts:recovery_codes_renew": gettext_lazy("Recovery codes"),
    "accounts:set_language": gettext_lazy("Language"),
    "accounts:two_factor": gettext_lazy("Two-factor sign-in"),
    "accounts:two_factor_disable": gettext_lazy("Two-factor sign-in"),
    "accounts:two_factor_setup": gettext_lazy("Two-factor sign-in"),
    "accounts:two_factor_verify": gettext_lazy("Two-factor sign-in"),
    "approvals:approve_selected": gettext_lazy("Approvals"),
    "approvals:detail": gettext_lazy("Approval request"),
    "approvals:queue": gettext_lazy("Approvals"),
    "approvals:queue_export": gettext_lazy("Approvals (export)"),
    "approvals:request": gettext_lazy("Ask for approval"),
    "approvals:withdraw": gettext_lazy("Approval request"),
    "audit:search": gettext_lazy("Audit trail"),
    "audit:verify": gettext_lazy("Audit trail"),
    "cases:assessment_create": gettext_lazy("Record an assessment"),
    "cases:assessment_update": gettext_lazy("Edit assessment"),
    "cases:attachment_download": gettext_lazy("Uploaded file"),
    "cases:care_create": gettext_lazy("Care arrangement"),
    "cases:case_detail": gettext_lazy("Case page"),
    "cases:case_summary": gettext_lazy("Case summary"),
    "cases:case_summary_pdf": gettext_lazy("Case summary"),
    "cases:case_update": gettext_lazy("Edit case"),
    "cases:caseload": gettext_lazy("My caseload"),
    "cases:caseload_export": gettext_lazy("Caseload (export)"),
    "cases:consent_create": gettext_lazy("Record consent"),
    "cases:consent_withdraw": gettext_lazy("Withdraw consent"),
    "cases:document_create": gettext_lazy("Record a document"),
    "cases:document_transition": gettext_lazy("Document status"),
    "cases:document_update": gettext_lazy("Edit document"),
    "cases:duplicate_decide": gettext_lazy("Probable duplicate"),
    "cases:emergency_access": gettext_lazy("Emergency access to a case"),
    "cases:family_detail": gettext_lazy("Family page"),
    "cases:family_export": gettext_lazy("Family (export)"),
    "cases:family_register": gettext_lazy("Register a family"),
    "cases:family_register_into": gettext_lazy("Register a family"),
    "cases:goal_create": gettext_lazy("Add a goal"),
    "cases:goal_progress": gettext_lazy("Progress on a goal"),
    "cases:goal_update": gettext_lazy("Edit goal"),
    "cases:kinship_create": gettext_lazy("Record a kinship (DNA) test"),
    "cases:kinship_result": gettext_lazy("Kinship test result"),
    "cases:manifest_commit": gettext_lazy("Manifest import"),
    "cases:manifest_detail": gettext_lazy("Manifest import"),
    "cases:manifest_file": gettext_lazy("Manifest import"),
    "cases:manifest_list": gettext_lazy("Import a manifest"),
    "cases:manifest_map": gettext_lazy("Manifest import"),
    "cases:manifest_template": gettext_lazy("Manifest import"),
    "cases:merge_undo": gettext_lazy("Undo a merge"),
    "cases:plan": gettext_lazy("Reintegration plan"),
    "cases:plan_detail": gettext_lazy("Reintegration plan"),
    "cases:plan_start": gettext_lazy("Reintegration plan"),
    "cases:restricted_section": gettext_lazy("Restricted section"),
    "cases:returnee_detail": gettext_lazy("Returnee page"),
    "cases:returnee_merge": gettext_lazy("Merge two records"),
    "cases:returnee_photo": gettext_lazy("Photo"),
    "cases:returnee_photo_edit": gettext_lazy("Change or remove the photo"),
    "cases:returnee_photo_remove": gettext_lazy("Remove the photo"),
    "cases:returnee_register": gettext_lazy("Register a returnee"),
    "cases:returnee_update": gettext_lazy("Edit returnee"),
    "cases:search": gettext_lazy("Find a person"),
    "cases:search_export": gettext_lazy("Search results (export)"),
    "cases:task_create": gettext_lazy("Schedule a follow-up task"),
    "cases:task_done": gettext_lazy("Follow-up task"),
    "cases:transfer_cancel": gettext_lazy("Transfers"),
    "cases:transfer_create": gettext_lazy("Transfer the case"),
    "cases:transfer_decide": gettext_lazy("Transfers"),
    "cases:transfers": gettext_lazy("Transfers"),
    "reminders:done": gettext_lazy("Reminders"),
    "reminders:escalations": gettext_lazy("Escalations"),
    "reminders:list": gettext_lazy("Reminders"),
    "reminders:list_export": gettext_lazy("Reminders (export)"),
    "reminders:mark_all_read": gettext_lazy("Reminders"),
    "reminders:open": gettext_lazy("Reminders"),
    "reminders:snooze": gettext_lazy("Reminders"),
    "reports:dashboard": gettext_lazy("Dashboard"),
    "reports:report_create": gettext_lazy("New progress report"),
    "reports:report_detail": gettext_lazy("Progress report"),
    "reports:report_download": gettext_lazy("Progress report (download)"),
    "reports:report_list": gettext_lazy("Progress reports"),
    "services:bulk_assign": gettext_lazy("Referrals"),
    "services:consent_overrides": gettext_lazy("Consent overrides"),
    "services:providers": gettext_lazy("Service providers"),
    "services:queue": gettext_lazy("Referrals"),
    "services:queue_export": gettext_lazy("Referrals (export)"),
    "services:referral_create": gettext_lazy("Request a service"),
    "services:referral_detail": gettext_lazy("Referral"),
    "services:referral_step": gettext_lazy("Referral step"),
    "today:home": gettext_lazy("Today"),
}
ADMIN_VIEWS = {
    "changelist": gettext_lazy("Administration: list of %(records)s"),
    "change": gettext_lazy("Administration: %(record)s"),
    "add": gettext_lazy("Administration: new %(record)s"),
    "delete": gettext_lazy("Administration: delete %(record)s"),
    "history": gettext_lazy("Administration: history of %(record)s"),
}


@dataclass(frozen=True)
class Row:
    """One row of the trail in words."""

    event: AuditEvent
    who: str
    record: str
    case_number: str
    detail: str


def _models() -> dict[str, type]:
    return {model._meta.model_name: model for model in apps.get_models()}


def page_title(route: str) -> str:
    """A route name ("cases:returnee_detail", "admin:cases_case_change") as the page's title."""
    if route in PAGE_TITLES:
        return str(PAGE_TITLES[route])
    if route.startswith("admin:"):
        for view, label in ADMIN_VIEWS.items():
            if route.endswith(f"_{view}"):
                model = _model_of_admin_route(route.removeprefix("admin:").removesuffix(f"_{view}"))
                if model is not None:
                    meta = model._meta
                    return str(label) % {"records": meta.verbose_name_plural, "record": meta.verbose_name}
        return _("Administration")
    return ""


def _model_of_admin_route(app_model: str):
    for model in apps.get_models():
        if f"{model._meta.app_label}_{model._meta.model_name}" == app_model:
            return model
    return None


# Details written as words by the actions (signals, merges, retention, emergency access).
DETAILS = {
    "add": gettext_lazy("Added to a list"),
    "remove": gettext_lazy("Removed from a list"),
    "clear": gettext_lazy("List emptied"),
    "merge": gettext_lazy("Records merged"),
    "merge undone": gettext_lazy("Merge of records undone"),
    "listed": gettext_lazy("Listed for anonymisation"),
    "anonymised": gettext_lazy("Anonymised after the retention period"),
    "approved": gettext_lazy("Approved"),
}


# The cases app sits above the audit trail, which may not import it: CasesConfig.ready() tells it
# the case model (to name a row's case by its number) and the labels of the case events.
_cases: dict = {}


def register_cases(*, case_model, number_field: str, event_labels: dict) -> None:
    _cases.update(model=case_model, number_field=number_field, event_labels=event_labels)


def case_ids_numbered(number: str):
    """The ids of the cases whose number is `number` (any letter case), as a queryset."""
    field = _cases["number_field"]
    return _cases["model"].objects.filter(**{f"{field}__iexact": number}).values_list("pk", flat=True)


def _detail(event: AuditEvent) -> str:
    detail = event.detail
    if detail in DETAILS:
        return str(DETAILS[detail])
    title = page_title(detail)
    if title:
        return title
    if detail in _cases["event_labels"]:
        return str(_cases["event_labels"][detail])
    return detail


def with_names(queryset):
    """The trail's rows with what names them, in the same query: the actor (joined), the case's
    number and, for a row about a user, that user's names (subqueries on primary keys)."""
    from repat.accounts.models import User

    def subject(field):
        return Subquery(User.objects.filter(pk=OuterRef("object_id")).values(field)[:1])

    cases = _cases["model"].objects.filter(pk=OuterRef("case_id"))
    return queryset.select_related("actor").annotate(
        case_number=Subquery(cases.values(_cases["number_field"])[:1]),
        subject_username=subject("username"),
        subject_first_name=subject("first_name"),
        subject_last_name=subject("last_name"),
    )


def _person(username: str, first_name: str, last_name: str) -> str:
    full = f"{first_name} {last_name}".strip()
    return f"{full} ({username})" if full else username


def describe(events) -> list[Row]:
    """The rows of one page of `with_names()` in words, without another query."""
    models = _models()
    rows = []
    for event in events:
        actor = event.actor
        who = _person(actor.username, actor.first_name, actor.last_name) if actor else (event.actor_name or "—")
        rows.append(
            Row(
                event=event,
                who=who,
                record=_record(event, models),
                case_number=event.case_number or "",
                detail=_detail(event),
            )
        )
    return rows


def _record(event, models) -> str:
    kind, case_number = event.object_type, event.case_number
    if not kind:
        return ""
    if kind == "user" and event.subject_username:
        name = _person(event.subject_username, event.subject_first_name or "", event.subject_last_name or "")
        return _("User %(name)s") % {"name": name}
    if kind == "case" and case_number and event.object_id == event.case_id:
        return _("Case %(number)s") % {"number": case_number}
    title = page_title(kind)
    if title:  # a refusal names the page that was refused, and the number asked for (ids probed in a row)
        return _("%(page)s, no. %(id)s") % {"page": title, "id": event.object_id} if event.object_id else title
    model = models.get(kind)
    if model is None:
        return kind
    name = capfirst(model._meta.verbose_name)
    if case_number:
        return _("%(record)s of case %(number)s") % {"record": name, "number": case_number}
    if event.object_id:
        return _("%(record)s no. %(id)s") % {"record": name, "id": event.object_id}
    return str(name)
