from django.utils import timezone, translation

from accounts.dates import person_zone
from accounts.regions import browser_country, format_locale


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
    """Pages in the language the person chose in settings (LocaleMiddleware's guess otherwise),
    with dates written as in their country (accounts.regions.format_locale).

    Runs after LocaleMiddleware (browser or switcher cookie) and authentication, so a logged-in
    person's own choice wins on every device. A visitor's country is the browser's region.
    `request.LANGUAGE_CODE` stays the interface language ("en", "de").
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        person = user if user is not None and user.is_authenticated else None
        if person is not None and person.language:
            translation.activate(person.language)
        language = translation.get_supported_language_variant(translation.get_language())
        request.LANGUAGE_CODE = language
        country = getattr(person, "country", "") or browser_country(
            request.headers.get("Accept-Language", "")
        )
        translation.activate(format_locale(language, str(country)))
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()  # a thread serves other people next (as with the time zone)
        return response
