from django.urls import path

from . import views

app_name = "reminders"
urlpatterns = [
    path("snooze/<str:token>/", views.snooze, name="snooze"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("calendar/new/", views.calendar_feed_new, name="calendar-new"),
    path("calendar/off/", views.calendar_feed_stop, name="calendar-off"),
    path("calendar/alarms/", views.calendar_feed_supplement_alarms, name="calendar-alarms"),
    path("doses/email/", views.dose_email, name="dose-email"),
    path("doses/unsubscribe/<str:token>/", views.dose_unsubscribe, name="dose-unsubscribe"),
    path(
        "doses/unsubscribe/<str:token>/one-click/",
        views.dose_one_click_unsubscribe,
        name="dose-one-click-unsubscribe",
    ),
    path(
        "unsubscribe/<str:token>/one-click/",
        views.one_click_unsubscribe,
        name="one-click-unsubscribe",
    ),
]
