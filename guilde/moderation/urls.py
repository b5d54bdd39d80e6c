from django.urls import path

from guilde.moderation import views

app_name = "moderation"
community = "communities/<slug:slug>"
urlpatterns = [
    path(f"{community}/posts/<int:pk>/flag/", views.flag, name="flag"),
    path(f"{community}/moderation/", views.queue, name="queue"),
    path(f"{community}/moderation/posts/<int:pk>/", views.decide, name="decide"),
    path(f"{community}/moderation/log/", views.log, name="log"),
    path(f"{community}/moderation/log.csv", views.log_csv, name="log_csv"),
    path(f"{community}/moderation/members/<str:username>/", views.member, name="member"),
    path(f"{community}/threads/<int:pk>/moderation/", views.thread_tools, name="thread"),
    path("moderation/", views.instance_queue, name="instance_queue"),
    path("moderation/log/", views.instance_log, name="instance_log"),
    path("moderation/log.csv", views.instance_log_csv, name="instance_log_csv"),
    path("moderation/members/<str:username>/", views.silence, name="silence"),
    path("moderation/notices/<int:pk>/", views.notice, name="notice"),
    path("moderation/appeals/<int:pk>/", views.appeal_decide, name="appeal_decide"),
]
