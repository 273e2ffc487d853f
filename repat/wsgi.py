import os

from django.core.wsgi import get_wsgi_application

from repat.core.timeouts import limit_web_statements

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repat.settings.prod")

# Web processes only (gunicorn, runserver): every SQL statement of a request has a time limit
# (REPAT_WEB_STATEMENT_TIMEOUT_MS). Workers, beat and management commands never import this module.
limit_web_statements()
application = get_wsgi_application()
