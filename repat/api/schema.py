"""The schema's documented error shape (repat/api/errors.py), added to every operation: whatever
goes wrong, a client reads one kind of body."""

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Machine-readable: invalid, not_found, stale..."},
                "message": {"type": "string", "description": "For people, in the request's language."},
                "fields": {
                    "type": "object",
                    "description": "The fields at fault and what is wrong with each.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
# The Error component, for an operation that answers it with a status of its own (the indicators' 202).
ERROR_REFERENCE = {"$ref": "#/components/schemas/Error"}
DESCRIPTIONS = {
    "400": "The input is not valid (`fields` says where), or the action refused it.",
    "401": "No valid token or session: unknown, revoked or expired token, or an account switched off.",
    "403": "The account may not do this, or the token may only read.",
    "404": "No such record, or one the account may not see (the same answer).",
    "405": "This method is not offered here.",
    "406": "Only JSON is offered.",
    "412": "The record changed since the version given in If-Match.",
    "415": "Send JSON.",
    "428": "If-Match with the record's version is required.",
    "429": "Too many requests for this token: wait for Retry-After seconds.",
}
ALWAYS = ("401", "403", "404", "405", "406", "429")
WITH_BODY = ("400", "415")
UPDATES = ("412", "428")


def error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the Error component, and its responses on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = [*ALWAYS, "400"]  # filters and cursors are input too
            if method in ("post", "put", "patch"):
                codes += WITH_BODY
            if method in ("put", "patch"):
                codes += UPDATES
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(code, {"description": DESCRIPTIONS[code], "content": reference})
    return result


try:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension
except ImportError:  # pragma: no cover - drf-spectacular is a requirement
    OpenApiAuthenticationExtension = object


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "repat.api.authentication.ApiTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal or service token: `Authorization: Bearer rpt_…` (docs/api.md).",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "repat.api.authentication.VerifiedSessionAuthentication"
    name = "session"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
