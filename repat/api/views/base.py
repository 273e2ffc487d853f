"""What every API view shares: authentication in the view (not the login redirect of the pages),
integer ids in URLs (so that a refused id is audited as on the pages), If-Match on updates and the
access log of every read of a record."""

from rest_framework import mixins, viewsets
from rest_framework.response import Response

from repat.audit.actions import record_view
from repat.core.versions import version_of

from ..errors import PreconditionFailed, PreconditionRequired


class ApiViewMixin:
    lookup_value_converter = "int"

    @classmethod
    def as_view(cls, *args, **kwargs):
        view = super().as_view(*args, **kwargs)
        # A token authenticates in the view (DRF), after the middleware: the site's login redirect
        # must let the request through; DRF answers 401 to an anonymous one.
        view.login_required = False
        return view


class ReadViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List and read. `audit_case(obj)` names the case of a record whose read goes in the access log
    (as its page's does); None for records that are not about a case."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn without a user
            return self.schema_model.objects.none()
        return self.visible_queryset()

    def audit_case(self, obj) -> int | None:
        return None

    def audited(self) -> bool:
        return True

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        if self.audited():
            record_view(request._request, instance, case_id=self.audit_case(instance))
        response = Response(self.get_serializer(instance).data)
        if hasattr(instance, "updated_at"):
            response["ETag"] = etag(instance)
        return response


def etag(instance) -> str:
    return f'"{version_of(instance)}"'


def if_match(request, instance) -> str:
    """The version the client read (If-Match): required, and equal to the record's now. The action
    compares it again under the row's lock, so two clients cannot both pass."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    version = header.removeprefix("W/").strip('"')
    if version != version_of(instance):
        raise PreconditionFailed()
    return version
