from django.urls import path

from . import markers_views, views
from .pdf import views as pdf_views

app_name = "labs"
urlpatterns = [
    path("", views.panel_list, name="panel-list"),
    path("panels/new/", views.panel_create, name="panel-create"),
    path("panels/row/", views.panel_row, name="panel-row"),
    path("panels/units/", views.panel_units, name="panel-units"),
    path("panels/preview/", views.panel_preview, name="panel-preview"),
    path("quick-result/", views.quick_result, name="quick-result"),
    path("panels/<int:pk>/", views.panel_detail, name="panel-detail"),
    path("panels/<int:pk>/edit/", views.panel_edit, name="panel-edit"),
    path("panels/<int:pk>/delete/", views.panel_delete, name="panel-delete"),
    path("symptoms/", views.symptom_list, name="symptom-list"),
    path("symptoms/<int:pk>/delete/", views.symptom_delete, name="symptom-delete"),
    path("undo/", views.undo_delete, name="undo"),
    path("life-events/", views.life_event_list, name="life-event-list"),
    path("life-events/<int:pk>/delete/", views.life_event_delete, name="life-event-delete"),
    path("import/", views.import_csv, name="import"),
    path("import/confirm/", views.import_csv_confirm, name="import-confirm"),
    path("import/template.csv", views.import_template, name="import-template"),
    path("import/fhir/", views.import_fhir, name="import-fhir"),
    path("import/fhir/confirm/", views.import_fhir_confirm, name="import-fhir-confirm"),
    path("import/pdf/", pdf_views.pdf_import, name="import-pdf"),
    path("import/pdf/<int:pk>/", pdf_views.pdf_review, name="import-pdf-review"),
    path("import/pdf/<int:pk>/confirm/", pdf_views.pdf_confirm, name="import-pdf-confirm"),
    path("import/pdf/<int:pk>/discard/", pdf_views.pdf_discard, name="import-pdf-discard"),
    path("reports/<int:pk>/file/", pdf_views.report_file, name="report-file"),
    path("export/results.csv", views.export_csv, name="export-csv"),
    path("export/fhir.json", views.export_fhir, name="export-fhir"),
    path("markers/", markers_views.marker_list, name="marker-list"),
    path("markers/<int:pk>/", markers_views.marker_detail, name="marker-detail"),
    path("markers/<int:pk>/delete/", markers_views.marker_delete, name="marker-delete"),
]
