from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("dashboard/", views.home, name="home"),
    path("trends/", views.trends, name="trends"),
    path("report/", views.report, name="report"),
    path("report.pdf", views.report_pdf, name="report-pdf"),
    path("share/", views.share, name="share"),
    path("share/<int:pk>/revoke/", views.share_revoke, name="share-revoke"),
    path("shared/<str:token>/", views.shared_view, name="shared"),
]
