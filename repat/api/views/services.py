"""Referrals and their workflow, the service catalogue and providers. Referrals start from
services/permissions.py (provider staff: only those sent to their organisation, with the pages'
minimal data); each workflow step is a POST calling `referral_transition`, never a status write."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from services import actions, permissions, selectors
from services.filters import ReferralFilter
from services.models import Provider, Referral, ServiceType

from .. import serializers as s
from ..permissions import TokenScope
from .base import ReadViewSet

STEPS = tuple(Referral.TRANSITIONS)


class ApiReferralFilter(ReferralFilter):
    """The referral queue's filters (services/filters.py) as query parameters; the order is the
    cursor's, so the page's `sort` is left out (of the schema too)."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        for_provider = permissions.provider_of(request.user) is not None
        super().__init__(data, queryset, request=request, prefix=prefix, for_provider=for_provider)


del ApiReferralFilter.base_filters["sort"]  # a copy of its parent's: the page keeps its `sort`


class ReferralViewSet(ReadViewSet):
    schema_model = Referral
    serializer_class = s.ReferralSerializer
    filterset_class = ApiReferralFilter
    cursor_ordering = ("-created_at", "-id")

    def visible_queryset(self):
        return permissions.referrals_visible_to(self.request.user).select_related(*selectors.LIST_RELATED)

    def audit_case(self, obj):
        return obj.case_id  # provider staff included: whoever reads a referral is in the case's log

    def get_serializer_context(self):
        # A list leaves out `steps` (who may do what is worked out per referral, a few queries each):
        # a client reads one referral to see the steps it may take.
        return {**super().get_serializer_context(), "steps": getattr(self, "_steps", None)}

    def retrieve(self, request, *args, **kwargs):
        referral = self.get_object()
        self._steps = {referral.pk: self._allowed(referral)}
        self.get_object = lambda: referral
        return super().retrieve(request, *args, **kwargs)

    def _allowed(self, referral) -> list[str]:
        if referral.status not in {source for step in Referral.TRANSITIONS.values() for source in step.sources}:
            return []
        return permissions.allowed_transitions(self.request.user, referral)

    @extend_schema(
        request=s.ReferralStepSerializer,
        responses=s.ReferralSerializer,
        parameters=[OpenApiParameter("step", str, OpenApiParameter.PATH, enum=STEPS)],
    )
    @action(detail=True, methods=["post"], url_path="steps/<str:step>", filterset_class=None)
    def step(self, request, pk=None, step=None):
        """Take one step of the workflow: submit, assign, accept, decline, start, complete, cancel,
        revoke, or override (a supervisor lets a referral go ahead without consent)."""
        if step not in Referral.TRANSITIONS:
            raise exceptions.NotFound(_("Unknown step."))
        referral = self.get_object()
        serializer = s.ReferralStepSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if step == "override":
            if data["expected_status"] != referral.status:
                raise exceptions.ValidationError({"expected_status": [_("The referral's status has changed.")]})
            actions.referral_consent_override(actor=request.user, referral=referral, reason=data["reason"])
        else:
            actions.referral_transition(
                actor=request.user,
                referral=referral,
                action=step,
                expected_status=data["expected_status"],
                comment=data["comment"],
                reason=data["reason"],
                provider=data.get("provider"),
                assignee=data.get("assignee"),
                provider_brief=data.get("provider_brief"),
                outcome=data["outcome"],
                completed_on=data.get("completed_on"),
            )
        referral = self.get_queryset().get(pk=referral.pk)
        self._steps = {referral.pk: self._allowed(referral)}
        return Response(self.get_serializer(referral).data)


class ServiceTypeViewSet(ReadViewSet):
    """The service catalogue: what may be requested (the services still offered)."""

    schema_model = ServiceType
    serializer_class = s.ServiceTypeSerializer
    filterset_fields = ["category"]
    cursor_ordering = "id"

    def visible_queryset(self):
        return ServiceType.objects.filter(is_active=True).select_related("category")

    def audited(self) -> bool:
        return False


class SeesProviders(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return permissions.can_coordinate(user) or permissions.can_override_consent(user)


class ProviderViewSet(ReadViewSet):
    """Providers, for those who assign referrals or oversee them (coordinators, supervisors,
    administrators), as the providers page."""

    schema_model = Provider
    serializer_class = s.ProviderSerializer
    filterset_fields = ["kind", "accepting_referrals"]
    cursor_ordering = "id"

    permission_classes = [TokenScope, SeesProviders]

    def visible_queryset(self):
        return Provider.objects.prefetch_related("regions", "service_types")

    def audited(self) -> bool:
        return False
