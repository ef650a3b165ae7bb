from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("dashboard.urls")),
    path("accounts/", include("allauth.urls")),
    path("settings/", include("accounts.urls")),
    path("labs/", include("labs.urls")),
    path("", include("protocols.urls")),
    path("reminders/", include("protocols.reminder_urls")),
    path("admin/", admin.site.urls),
]
