"""An API address that matches no route (an id that is not a number, a misspelt path) answers 404
in the API's error shape, like every other API error, instead of the site's HTML page."""

from django.http import JsonResponse
from django.utils.translation import gettext as _

from .errors import error_body

PREFIX = "/api/v1/"


class ApiNotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith(PREFIX)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return JsonResponse(error_body("not_found", _("Not found.")), status=404)
        return response
