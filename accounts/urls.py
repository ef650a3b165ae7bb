from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.preferences, name="preferences"),
    path("delete/", views.delete_account, name="delete"),
    path("export/", views.export_account, name="export"),
    path("import/", views.import_account, name="import"),
    path("language/", views.set_language, name="set-language"),
]
