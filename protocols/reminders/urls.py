from django.urls import path

from . import views

app_name = "reminders"
urlpatterns = [
    path("snooze/<str:token>/", views.snooze, name="snooze"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path(
        "unsubscribe/<str:token>/one-click/",
        views.one_click_unsubscribe,
        name="one-click-unsubscribe",
    ),
]
