"""One's own reminders, and the programme's indicators (aggregates, published with the reports'
small-cell protection: repat/reports/suppression.py)."""

import datetime
import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from repat.reminders.models import Reminder
from repat.reminders.selectors import reminders_for, shows_case_numbers
from repat.reports import permissions as report_permissions
from repat.reports import selectors as report_selectors
from repat.reports.documents import INDICATOR_ROWS, indicator_label
from repat.reports.models import ReportSettings
from repat.reports.suppression import HIDDEN, Figure, is_small, publish, small_label

from .. import serializers as s
from .base import ApiViewMixin, ReadViewSet


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
    """The programme indicators on a day (today by default) over the reader's regions, as the
    dashboard and the progress reports publish them: counts below the threshold read `small`, the
    others are rounded (so that no one can be identified, even by comparing answers)."""

    @extend_schema(parameters=[s.IndicatorQuerySerializer], responses=s.IndicatorsSerializer)
    def get(self, request):
        user = request.user
        if not report_permissions.can_view_dashboard(user):
            raise exceptions.PermissionDenied()
        query = s.IndicatorQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or timezone.localdate()
        regions = report_permissions.dashboard_regions(user)
        region = query.validated_data["region"].pk if query.validated_data.get("region") else None
        operation = query.validated_data["operation"].pk if query.validated_data.get("operation") else None
        if region is not None and regions is not None and region not in regions:
            raise exceptions.ValidationError({"region": [_("Choose one of your regions.")]})
        scope = report_selectors.Scope(
            regions=regions,
            start=on - datetime.timedelta(days=365),
            end=on,
            operation=operation,
            region=region,
        )
        threshold = ReportSettings.current().suppression_threshold
        figures = published_indicators(scope, on, threshold)
        rows = [{"key": key, "label": indicator_label(key), **figures[key]} for key, _kind in INDICATOR_ROWS]
        body = {"on": on, "threshold": threshold, "small_label": small_label(threshold), "indicators": rows}
        return Response(s.IndicatorsSerializer(body).data)


def published_indicators(scope, on: datetime.date, threshold: int) -> dict[str, dict]:
    """The indicators as published (suppressed and rounded: nothing else is kept), from the cache
    for REPAT_API_INDICATORS_SECONDS: counting them over a million people takes seconds, and a
    partner's system asks for the same figures again and again."""
    cache_key = (
        "api-indicators:"
        + hashlib.sha256(json.dumps([scope.as_dict(), on.isoformat(), threshold], sort_keys=True).encode()).hexdigest()
    )
    figures = cache.get(cache_key)
    if figures is None:
        parts = report_selectors.indicator_parts(scope, on)
        placed = sum(part.count for part in parts["placed_with_family"])
        median = Figure(None, HIDDEN) if is_small(placed, threshold) else Figure(parts["median_days_to_family"])
        figures = {
            key: _figure(median if kind == "days" else publish(parts[key], threshold)) for key, kind in INDICATOR_ROWS
        }
        cache.set(cache_key, figures, settings.REPAT_API_INDICATORS_SECONDS)
    return figures


def _figure(figure: Figure) -> dict:
    return {"value": figure.value, "mark": figure.mark}
