"""Every error of the API in one shape, documented in the schema (repat/api/schema.py):

    {"error": {"code": "...", "message": "...", "fields": {"field": ["...", ...]}}}

`message` is translated into the request's language; `fields` names the fields at fault (empty
when none is). The actions' ValidationError, PermissionDenied and Http404 arrive here as they do on
the pages, so the API says what the pages say."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = gettext_lazy(
        "Send If-Match with the version (ETag) of the record you read, so that you overwrite no one's change."
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy(
        "Someone else saved changes to this record after you read it. Nothing was saved: read it again, "
        "then make your change."
    )
    default_code = "stale"


CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    412: "stale",
    415: "unsupported_media_type",
    428: "precondition_required",
    429: "throttled",
}


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


def _fields(detail) -> dict[str, list[str]]:
    """{field: [messages]}, nested fields joined with dots; errors of no field are left to `message`."""
    if not isinstance(detail, dict):
        return {}
    fields: dict[str, list[str]] = {}
    for name, value in detail.items():
        if name in (api_settings.NON_FIELD_ERRORS_KEY, NON_FIELD_ERRORS):
            continue
        if isinstance(value, dict):
            fields |= {f"{name}.{inner}": messages for inner, messages in _fields(value).items()}
        else:
            fields[str(name)] = _messages(value)
    return fields


def _non_field(detail) -> list[str]:
    if isinstance(detail, dict):
        return _messages([detail.get(api_settings.NON_FIELD_ERRORS_KEY, []), detail.get(NON_FIELD_ERRORS, [])])
    return _messages(detail)


def from_django(error: DjangoValidationError) -> exceptions.APIException:
    """An action's ValidationError: 412 when it says the record changed meanwhile, else 400."""
    if not hasattr(error, "error_dict") and any(item.code == "stale" for item in error.error_list):
        return PreconditionFailed()
    detail = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
    return exceptions.ValidationError(detail)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = from_django(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a server error: Django's handler (logged, e-mailed without personal data)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    code = CODES.get(exc.status_code, "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        general = _non_field(exc.detail)
        message = " ".join(general) if general else _("Check the fields marked.")
        body = error_body(code, message, fields)
    else:
        body = error_body(code, " ".join(_messages(exc.detail)))
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)
