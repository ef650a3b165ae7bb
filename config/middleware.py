from django.conf import settings
from django.utils.cache import patch_cache_control


class ContentSecurityPolicyMiddleware:
    """Send one strict Content-Security-Policy: our own scripts only, no inline script."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every response our views make.

    Pages, fragments and downloads carry health data; no browser cache, proxy or CDN may
    keep a copy. Static files never get here (WhiteNoise answers them earlier).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
