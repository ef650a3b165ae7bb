from django.conf import settings

# Which item of the top navigation a page belongs to, by URL namespace and name, so the nav
# can mark it with aria-current="page". Names not listed fall back to their namespace.
NAV_SECTIONS = {
    ("dashboard", "home"): "dashboard",
    ("dashboard", "trends"): "trends",
    ("labs", "symptom-list"): "symptoms",
    ("labs", "life-event-list"): "symptoms",
    ("protocols", "what-if"): "what-if",
}
NAV_NAMESPACES = {"labs": "results", "protocols": "plan", "accounts": "settings"}


def site(request):
    return {"SITE_URL": settings.SITE_URL, "nav_section": nav_section(request)}


def nav_section(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    namespace = match.namespace.split(":")[0]
    return NAV_SECTIONS.get((namespace, match.url_name), NAV_NAMESPACES.get(namespace, ""))
