from django.urls import path

from guilde.people import views

app_name = "people"
urlpatterns = [
    path("members/", views.directory_page, name="directory"),
    path("members/<str:username>/expertise/", views.member_expertise, name="expertise"),
    path("members/<str:username>/follow/", views.follow_toggle, name="follow"),
    path("members/<str:username>/endorse/<str:skill>/", views.endorse_toggle, name="endorse"),
    path("people/", views.home, name="home"),
    path("people/experts/", views.who_knows, name="who_knows"),
    path("settings/expertise/", views.settings_page, name="settings"),
    path("questions/<int:thread_id>/could-answer/", views.could_answer, name="could_answer"),
    path("questions/<int:thread_id>/ask/", views.ask_to_answer, name="ask"),
    path(
        "organisations/<slug:slug>/contributions/",
        views.organisation_contributions,
        name="organisation_contributions",
    ),
]
