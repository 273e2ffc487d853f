from .db_router import request_unit


class NoStoreMiddleware:
    """Pages show personal data about children: browsers and proxies must not keep copies.
    Static files are served before this runs (WhiteNoise) and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Cache-Control", "no-store")
        return response


class ReplicaPinMiddleware:
    """A request that writes reads from the primary from then on, even where reads may come from
    the replica (repat/core/db_router.py): whoever just saved something must see it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_unit():
            return self.get_response(request)
