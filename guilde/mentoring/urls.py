from django.urls import path

from guilde.mentoring import views

app_name = "mentoring"
community = "communities/<slug:slug>/mentoring"
programme = f"{community}/<int:pk>"
relationship = "mentoring/relationships/<int:pk>"
urlpatterns = [
    path("mentoring/", views.mine, name="mine"),
    path("mentoring/matches/<int:pk>/answer/", views.answer, name="answer"),
    path(f"{relationship}/", views.relationship_detail, name="relationship"),
    path(f"{relationship}/goals/", views.goal_add, name="goal_add"),
    path(f"{relationship}/goals/<int:goal_pk>/", views.goal_status, name="goal_status"),
    path(f"{relationship}/check-ins/", views.check_in, name="check_in"),
    path(f"{relationship}/resources/", views.resource_add, name="resource_add"),
    path(f"{relationship}/feedback/", views.feedback, name="feedback"),
    path(f"{relationship}/finish/", views.finish, name="finish"),
    path(f"{community}/", views.programme_list, name="programmes"),
    path(f"{community}/new/", views.programme_create, name="create"),
    path(f"{programme}/", views.programme_detail, name="programme"),
    path(f"{programme}/edit/", views.programme_edit, name="edit"),
    path(f"{programme}/status/", views.programme_move, name="move"),
    path(f"{programme}/apply/<str:role>/", views.application_edit, name="apply"),
    path(f"{programme}/apply/<str:role>/withdraw/", views.application_withdraw, name="withdraw"),
    path(f"{programme}/review/", views.review, name="review"),
    path(f"{programme}/matching/", views.run_matching, name="run"),
    path(f"{programme}/matches/<int:match_pk>/", views.match_action, name="match_action"),
    path(f"{programme}/swap/", views.match_swap, name="swap"),
    path(f"{programme}/assign/", views.match_assign, name="assign"),
    path(f"{programme}/publish/", views.publish, name="publish"),
]
