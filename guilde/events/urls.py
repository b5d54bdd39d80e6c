from django.urls import path

from guilde.events import views

app_name = "events"
community = "communities/<slug:slug>/events"
event = f"{community}/<int:pk>"
urlpatterns = [
    path("events/", views.all_events, name="all"),
    path("events/calendar/", views.all_month, name="all_month"),
    path("settings/calendar/", views.calendar_settings, name="calendar_settings"),
    path("calendar/<str:token>.ics", views.member_feed, name="member_feed"),
    path(f"{community}/", views.community_events, name="community"),
    path(f"{community}/calendar/", views.community_month, name="community_month"),
    path(f"{community}/calendar.ics", views.community_feed, name="community_feed"),
    path(f"{community}/new/", views.event_create, name="create"),
    path(f"{event}/", views.event_detail, name="detail"),
    path(f"{event}/edit/", views.event_edit, name="edit"),
    path(f"{event}/cancel/", views.event_cancel, name="cancel"),
    path(f"{event}/move/", views.occurrence_move, name="move"),
    path(f"{event}/rsvp/", views.event_rsvp, name="rsvp"),
    path(f"{event}/event.ics", views.event_ics, name="ics"),
    path(f"{event}/attendance/", views.attendance_mark, name="attendance"),
    path(f"{event}/notes/", views.event_followup, name="followup"),
    path(f"{event}/capture/", views.event_capture, name="capture"),
    path(f"{event}/feedback/", views.event_feedback, name="feedback"),
]
