from django.urls import path

from guilde.accounts import views

app_name = "accounts"
urlpatterns = [
    path("members/<str:username>/", views.member_detail, name="member"),
    path("members/<str:username>/avatar/", views.member_avatar, name="avatar"),
    path("members/<str:username>/claim/", views.member_claim, name="claim"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("organisations/<slug:slug>/logo/", views.organisation_logo, name="organisation_logo"),
    path("settings/profile/", views.settings_profile, name="settings_profile"),
    path("settings/avatar/", views.settings_avatar, name="settings_avatar"),
    path(
        "settings/organisations/", views.settings_affiliation_add, name="settings_affiliation_add"
    ),
    path(
        "settings/organisations/<int:pk>/remove/",
        views.settings_affiliation_remove,
        name="settings_affiliation_remove",
    ),
    path("settings/tokens/", views.settings_tokens, name="settings_tokens"),
    path(
        "settings/tokens/<int:pk>/revoke/",
        views.settings_token_revoke,
        name="settings_token_revoke",
    ),
    path("settings/data/", views.settings_data, name="settings_data"),
    path(
        "settings/data/exports/<int:pk>/download/",
        views.settings_export_download,
        name="settings_export_download",
    ),
    path("accounts/invitation/<str:token>/", views.invitation_accept, name="invitation"),
]
