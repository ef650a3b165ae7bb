from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path


def favicon(request):
    # Resolved per request: the hashed name exists only after collectstatic.
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("", include("dashboard.urls")),
    path("accounts/", include("allauth.urls")),
    path("settings/", include("accounts.urls")),
    path("labs/", include("labs.urls")),
    path("", include("protocols.urls")),
    path("reminders/", include("protocols.reminder_urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name none (error pages, downloads).
    path("favicon.ico", favicon),
]
