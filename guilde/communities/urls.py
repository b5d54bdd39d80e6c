from django.urls import path

from guilde.communities import views

app_name = "communities"
urlpatterns = [
    path("communities/", views.community_list, name="list"),
    path("communities/new/", views.community_create, name="create"),
    path("communities/invitations/<str:token>/", views.invitation_accept, name="invitation"),
    path("communities/<slug:slug>/", views.community_detail, name="detail"),
    path("communities/<slug:slug>/members/", views.community_members, name="members"),
    path("communities/<slug:slug>/guidelines/", views.community_guidelines, name="guidelines"),
    path("communities/<slug:slug>/join/", views.community_join, name="join"),
    path("communities/<slug:slug>/leave/", views.community_leave, name="leave"),
    path("communities/<slug:slug>/requests/", views.community_requests, name="requests"),
    path(
        "communities/<slug:slug>/requests/<str:username>/",
        views.community_request_decide,
        name="request_decide",
    ),
    path("communities/<slug:slug>/settings/", views.community_settings, name="settings"),
    path(
        "communities/<slug:slug>/members/<str:username>/role/",
        views.community_member_role,
        name="member_role",
    ),
    path("communities/<slug:slug>/restore/", views.community_restore, name="restore"),
]
