"""Returnees, families, cases, notes (visits and other contacts), documents and follow-up tasks.
Every queryset starts from cases/permissions.py; every write is a cases action."""

import django_filters
from django.db.models import Prefetch, Q
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from cases import actions, permissions
from cases.filters import CaseFilter
from cases.models import Case, Family, FamilyMember, FollowUpTask, IdentityDocument, Note, Returnee
from cases.selectors import tasks_visible_to

from .. import serializers as s
from .base import ReadViewSet, etag, if_match

CASE_RELATED = ("returnee", "returnee__region", "returnee__operation", "worker")


class ApiCaseFilter(CaseFilter):
    """The caseload's filters (cases/filters.py) as query parameters; the order is the cursor's, so
    the page's `sort` is left out (of the schema too)."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix, user=request.user)

    def filter_indicator(self, queryset, name, value: str):  # the hint tells the schema it is a string
        return super().filter_indicator(queryset, name, value)


del ApiCaseFilter.base_filters["sort"]  # a copy of its parent's: the page keeps its `sort`


class ReturneeFilter(django_filters.FilterSet):
    class Meta:
        model = Returnee
        fields = ["region", "operation", "sex", "citizenship_status"]


def _write(request, serializer_class, *, partial: bool = False):
    serializer = serializer_class(data=request.data, partial=partial, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ReturneeViewSet(ReadViewSet):
    """Returnees one may see (their case is in one's scope). Updating needs If-Match."""

    schema_model = Returnee
    serializer_class = s.ReturneeSerializer
    filterset_class = ReturneeFilter

    def visible_queryset(self):
        return permissions.returnees_visible_to(self.request.user).select_related("case")

    def audit_case(self, obj):
        return obj.case.pk

    @extend_schema(request=s.ReturneeUpdateSerializer, responses=s.ReturneeSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    @extend_schema(request=s.ReturneeUpdateSerializer, responses=s.ReturneeSerializer)
    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    def _update(self, request, *, partial):
        returnee = self.get_object()
        version = if_match(request, returnee)
        data = _write(request, s.ReturneeUpdateSerializer, partial=partial)
        returnee = actions.returnee_update(actor=request.user, returnee=returnee, data=data, version=version)
        returnee = self.get_queryset().get(pk=returnee.pk)
        response = Response(self.get_serializer(returnee).data)
        response["ETag"] = etag(returnee)
        return response

    @extend_schema(request=s.DocumentCreateSerializer, responses={201: s.DocumentSerializer})
    @action(detail=True, methods=["post"], url_path="documents")
    def documents(self, request, pk=None):
        """Record a document the returnee needs or has (as the returnee page's form)."""
        returnee = self.get_object()
        data = _write(request, s.DocumentCreateSerializer)
        document = actions.document_add(actor=request.user, returnee=returnee, data=data)
        return Response(s.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class FamilyViewSet(ReadViewSet):
    schema_model = Family
    serializer_class = s.FamilySerializer
    filterset_fields = ["region"]

    def visible_queryset(self):
        families = permissions.families_visible_to(self.request.user)
        if self.action == "retrieve":
            # As the family page: a record merged into another keeps its place out of sight.
            members = FamilyMember.objects.filter(
                Q(returnee__isnull=True) | Q(returnee__merged_into__isnull=True)
            ).select_related("returnee")
            families = families.prefetch_related(Prefetch("members", queryset=members))
        return families

    def get_serializer_class(self):
        return s.FamilyDetailSerializer if self.action == "retrieve" else s.FamilySerializer


class CaseViewSet(ReadViewSet):
    """Cases one may see, with the caseload's filters. Closing a case goes through a supervisor's
    approval, as on the pages; updating needs If-Match."""

    schema_model = Case
    serializer_class = s.CaseSerializer
    filterset_class = ApiCaseFilter

    def visible_queryset(self):
        return permissions.cases_visible_to(self.request.user).select_related(*CASE_RELATED)

    def audit_case(self, obj):
        return obj.pk

    @extend_schema(request=s.CaseUpdateSerializer, responses=s.CaseSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    @extend_schema(request=s.CaseUpdateSerializer, responses=s.CaseSerializer)
    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    def _update(self, request, *, partial):
        case = self.get_object()
        version = if_match(request, case)
        data = _write(request, s.CaseUpdateSerializer, partial=partial)
        case = actions.case_update(actor=request.user, case=case, data=data, version=version)
        case = self.get_queryset().get(pk=case.pk)
        response = Response(self.get_serializer(case).data)
        response["ETag"] = etag(case)
        return response

    @extend_schema(request=s.NoteCreateSerializer, responses={201: s.NoteSerializer})
    @action(detail=True, methods=["post"], url_path="notes", filterset_class=None)
    def notes(self, request, pk=None):
        """Log a visit or another contact (as the case page's form)."""
        case = self.get_object()
        data = _write(request, s.NoteCreateSerializer)
        note = actions.note_log(actor=request.user, case=case, **data)
        return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.TaskCreateSerializer, responses={201: s.TaskSerializer})
    @action(detail=True, methods=["post"], url_path="tasks", filterset_class=None)
    def tasks(self, request, pk=None):
        """Schedule a follow-up task on the case."""
        case = self.get_object()
        data = _write(request, s.TaskCreateSerializer)
        task = actions.task_schedule(actor=request.user, case=case, **data)
        return Response(s.TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReferralCreateSerializer, responses={201: s.ReferralSerializer})
    @action(detail=True, methods=["post"], url_path="referrals", filterset_class=None)
    def referrals(self, request, pk=None):
        """Request a service for the case (as a draft, or submitted at once)."""
        from services import actions as service_actions
        from services import permissions as service_permissions

        case = self.get_object()
        data = _write(request, s.ReferralCreateSerializer)
        submit = data.pop("submit")
        referral = service_actions.referral_create(actor=request.user, case=case, submit=submit, **data)
        steps = {referral.pk: service_permissions.allowed_transitions(request.user, referral)}
        context = {"request": request, "steps": steps}
        return Response(s.ReferralSerializer(referral, context=context).data, status=status.HTTP_201_CREATED)


class NoteFilter(django_filters.FilterSet):
    class Meta:
        model = Note
        fields = ["case", "kind"]


class NoteViewSet(ReadViewSet):
    """Visits and other contacts of the cases one may see (`kind`: home_visit, office_visit...)."""

    schema_model = Note
    serializer_class = s.NoteSerializer
    filterset_class = NoteFilter

    def visible_queryset(self):
        condition = permissions.visible_through(self.request.user, "case")
        notes = Note.objects.all() if condition is None else Note.objects.filter(condition)
        return notes.select_related("author")

    def audit_case(self, obj):
        return obj.case_id


class DocumentFilter(django_filters.FilterSet):
    class Meta:
        model = IdentityDocument
        fields = ["returnee", "kind", "status"]


class DocumentViewSet(ReadViewSet):
    """Identity documents, from missing to issued. Details change by PATCH (If-Match), the status
    only by `transition`, along the documents' workflow."""

    schema_model = IdentityDocument
    serializer_class = s.DocumentSerializer
    filterset_class = DocumentFilter

    def visible_queryset(self):
        return permissions.documents_visible_to(self.request.user).select_related("returnee__case")

    def audit_case(self, obj):
        return obj.returnee.case.pk

    @extend_schema(request=s.DocumentFieldsSerializer, responses=s.DocumentSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    @extend_schema(request=s.DocumentFieldsSerializer, responses=s.DocumentSerializer)
    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    def _update(self, request, *, partial):
        document = self.get_object()
        version = if_match(request, document)
        data = _write(request, s.DocumentFieldsSerializer, partial=partial)
        document = actions.document_update(actor=request.user, document=document, data=data, version=version)
        response = Response(self.get_serializer(document).data)
        response["ETag"] = etag(document)
        return response

    @extend_schema(request=s.DocumentTransitionSerializer, responses=s.DocumentSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def transition(self, request, pk=None):
        """Move the document to its next status (requested, in progress, issued, refused with a reason)."""
        document = self.get_object()
        data = _write(request, s.DocumentTransitionSerializer)
        document = actions.document_transition(
            actor=request.user,
            document=document,
            status=data["status"],
            on=data.get("on"),
            reason=data.get("reason", ""),
        )
        response = Response(self.get_serializer(document).data)
        response["ETag"] = etag(document)
        return response


class TaskFilter(django_filters.FilterSet):
    done = django_filters.BooleanFilter(field_name="done_at", lookup_expr="isnull", exclude=True)
    mine = django_filters.BooleanFilter(method="filter_mine")

    class Meta:
        model = FollowUpTask
        fields = ["case", "assigned_to", "done"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(assigned_to=self.request.user) if value else queryset


class TaskViewSet(ReadViewSet):
    schema_model = FollowUpTask
    serializer_class = s.TaskSerializer
    filterset_class = TaskFilter

    def visible_queryset(self):
        return tasks_visible_to(user=self.request.user).select_related("assigned_to")

    def audit_case(self, obj):
        return obj.case_id

    @extend_schema(request=None, responses=s.TaskSerializer)
    @action(detail=True, methods=["post"], filterset_class=None)
    def done(self, request, pk=None):
        """Mark the task done (its assignee, or whoever may change the case)."""
        task = actions.task_done(actor=request.user, task=self.get_object())
        return Response(self.get_serializer(task).data)
