from django.utils import translation


class UserLanguageMiddleware:
    """Use the language a signed-in user chose last, on any device. Runs after LocaleMiddleware and
    authentication; a language cookie for this request (just switched) still wins."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        from django.conf import settings

        if language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
