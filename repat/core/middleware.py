class NoStoreMiddleware:
    """Pages show personal data about children: browsers and proxies must not keep copies.
    Static files are served before this runs (WhiteNoise) and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Cache-Control", "no-store")
        return response
