from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from config.health import healthz

# The admin's own login form knows neither two-factor nor allauth's rate limits: send it
# through allauth's login (https://docs.allauth.org/en/latest/common/admin.html).
admin.site.login = secure_admin_login(admin.site.login)


def favicon(request):
    # Resolved per request: the hashed name exists only after collectstatic.
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("", include("dashboard.urls")),
    path("accounts/", include("allauth.urls")),
    path("settings/", include("accounts.urls")),
    # The report lived under labs/ before it moved to the dashboard: old bookmarks still work.
    path("labs/report/", RedirectView.as_view(pattern_name="dashboard:report", permanent=True)),
    path("labs/", include("labs.urls")),
    path("", include("protocols.urls")),
    path("reminders/", include("protocols.reminders.urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name none (error pages, downloads).
    path("favicon.ico", favicon),
    path("healthz", healthz, name="healthz"),
]
