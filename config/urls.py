from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", include("dashboard.urls")),
    path("accounts/", include("allauth.urls")),
    path("settings/", include("accounts.urls")),
    path("labs/", include("labs.urls")),
    path("", include("protocols.urls")),
    path("reminders/", include("protocols.reminder_urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name none (error pages, downloads).
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
]
