from django.utils import timezone, translation

from accounts.dates import person_zone


class UserTimezoneMiddleware:
    """Show dates and times in the person's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(person_zone(user))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # a thread serves other people next


class UserLanguageMiddleware:
    """Pages in the language the person chose in settings (LocaleMiddleware's guess otherwise).

    Runs after LocaleMiddleware (browser or switcher cookie) and authentication, so a logged-in
    person's own choice wins on every device.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language and user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        translation.deactivate()  # a thread serves other people next (as with the time zone)
        return response
