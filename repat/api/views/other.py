"""One's own reminders, and the programme's indicators (aggregates, published with the reports'
small-cell protection: repat/reports/suppression.py)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from repat.reminders.models import Reminder
from repat.reminders.selectors import reminders_for, shows_case_numbers
from repat.reports import actions as report_actions
from repat.reports import permissions as report_permissions
from repat.reports.documents import INDICATOR_ROWS, indicator_label
from repat.reports.models import ReportSettings
from repat.reports.suppression import small_label

from .. import serializers as s
from ..errors import error_body
from ..schema import ERROR_REFERENCE
from .base import ApiViewMixin, ReadViewSet

# What a 202 asks a client to wait before asking again: the computation takes seconds (15 to 20 at a
# million people), and a worker may be busy with others.
COMPUTING_RETRY_SECONDS = 30


class ReminderViewSet(ReadViewSet):
    """The reminders addressed to the account (as its reminders page): a reminder names its case
    only while the reader may still see it, and never a case number to provider staff."""

    schema_model = Reminder
    serializer_class = s.ReminderSerializer
    filterset_fields = ["stage", "item_type"]

    def visible_queryset(self):
        return reminders_for(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "shows_case_numbers": shows_case_numbers(self.request.user)}

    def audited(self) -> bool:
        return False


class IndicatorsView(ApiViewMixin, APIView):
    """The programme indicators on a day (by default the latest computed) over the reader's regions,
    as the dashboard and the progress reports publish them: counts below the threshold read `small`,
    the others are rounded (so that no one can be identified, even by comparing answers). They are
    computed in the background, as the dashboard's figures are (repat/reports/actions.py): an answer
    says when; the first request of a scope answers 202 and queues the computation."""

    @extend_schema(
        parameters=[
            s.IndicatorQuerySerializer,
            OpenApiParameter(
                "Retry-After",
                int,
                OpenApiParameter.HEADER,
                response=[202],
                description="Seconds to wait before asking again.",
            ),
        ],
        responses={
            200: s.IndicatorsSerializer,
            202: OpenApiResponse(
                response=ERROR_REFERENCE,
                description="The figures of this scope are being computed: ask again after Retry-After seconds.",
                examples=[
                    OpenApiExample(
                        "computing",
                        value=error_body(
                            "computing",
                            f"The figures are being computed. Ask again in {COMPUTING_RETRY_SECONDS} seconds.",
                        ),
                        status_codes=["202"],
                    )
                ],
            ),
        },
    )
    def get(self, request):
        user = request.user
        if not report_permissions.can_view_dashboard(user):
            raise exceptions.PermissionDenied()
        query = s.IndicatorQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        regions = report_permissions.dashboard_regions(user)
        region = query.validated_data["region"].pk if query.validated_data.get("region") else None
        operation = query.validated_data["operation"].pk if query.validated_data.get("operation") else None
        if region is not None and regions is not None and region not in regions:
            raise exceptions.ValidationError({"region": [_("Choose one of your regions.")]})
        report_settings = ReportSettings.current()
        snapshot = report_actions.indicators_snapshot(
            regions=regions,
            on=query.validated_data.get("on"),
            operation=operation,
            region=region,
            report_settings=report_settings,
        )
        if snapshot.figures is None:
            message = _("The figures are being computed. Ask again in %(seconds)s seconds.") % {
                "seconds": COMPUTING_RETRY_SECONDS
            }
            return Response(
                error_body("computing", message), status=202, headers={"Retry-After": str(COMPUTING_RETRY_SECONDS)}
            )
        threshold = snapshot.scope["threshold"]
        figures = snapshot.figures["indicators"]
        body = {
            "on": snapshot.figures["on"],
            "computed_at": snapshot.computed_at,
            "threshold": threshold,
            "small_label": small_label(threshold),
            "indicators": [
                {"key": key, "label": indicator_label(key), **figures[key]} for key, _kind in INDICATOR_ROWS
            ],
        }
        return Response(s.IndicatorsSerializer(body).data)
