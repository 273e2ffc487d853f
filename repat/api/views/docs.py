"""The schema and the interactive documentation, served from static files (drf-spectacular's
sidecar): no CDN, and the site's CSP holds. Both documentation pages are ordinary pages of the site
(sign-in required); Swagger UI starts from a script file (static/js/api-docs.js), not an inline
one. Redoc styles itself with <style> elements it writes at run time, so its page alone allows
inline styles (it shows the schema, no personal data); Swagger UI writes one fixed inline style,
allowed by its hash."""

from csp.decorators import csp_update
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView

from .base import ApiViewMixin


class SchemaView(ApiViewMixin, SpectacularAPIView):
    """The OpenAPI 3 schema, for tokens as for sessions (a client generates its code from it): JSON
    by default, YAML with ?format=yaml."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]


# The one inline style Swagger UI 5 writes at run time (its own, fixed): allowed by its hash alone.
SWAGGER_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"


@method_decorator(csp_update({"style-src": ["'self'", SWAGGER_STYLE]}), "get")
class SwaggerView(TemplateView):
    template_name = "api/swagger_ui.html"


@method_decorator(csp_update({"style-src": ["'self'", "'unsafe-inline'"], "worker-src": ["'self'", "blob:"]}), "get")
class RedocView(TemplateView):
    template_name = "api/redoc.html"
