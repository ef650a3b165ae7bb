from django.urls import path

from . import views

app_name = "protocols"
urlpatterns = [
    path("plan/", views.plan, name="plan"),
    path("plan.json", views.plan_json, name="plan-json"),
    path("plan/requisition/", views.requisition, name="requisition"),
    path("plan/history/", views.plan_history, name="plan-history"),
    path("plan/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plan/sources/", views.sources, name="sources"),
    path("plan/what-if/", views.what_if, name="what-if"),
    path("profile/", views.profile, name="profile"),
    path("supplements/", views.supplements, name="supplements"),
    path("supplements/<int:pk>/edit/", views.supplement_edit, name="supplement-edit"),
    path("supplements/<int:pk>/delete/", views.supplement_delete, name="supplement-delete"),
    path("supplements/<int:pk>/taken/", views.supplement_taken, name="supplement-taken"),
    path("supplements/taken/", views.doses, name="doses"),
]
