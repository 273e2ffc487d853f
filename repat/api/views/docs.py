"""The schema and the interactive documentation, served from static files (drf-spectacular's
sidecar): no CDN, and the site's CSP holds. Swagger UI loads its start-up script from a URL (the
"split" view) instead of an inline one. Redoc styles itself with <style> elements it writes at run
time, so its page alone allows inline styles (it shows the schema, no personal data)."""

from csp.decorators import csp_update
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .base import ApiViewMixin


class SchemaView(ApiViewMixin, SpectacularAPIView):
    """The OpenAPI 3 schema, for tokens as for sessions (a client generates its code from it)."""


class SwaggerView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"


@method_decorator(csp_update({"style-src": ["'self'", "'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}), "get")
class RedocView(TemplateView):
    template_name = "api/redoc.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(schema_url=reverse("api:schema"), **kwargs)
