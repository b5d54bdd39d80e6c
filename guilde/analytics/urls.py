from django.urls import path

from guilde.analytics import story_views, views

app_name = "analytics"
urlpatterns = [
    path("analytics/", views.instance_dashboard, name="instance"),
    path("communities/<slug:slug>/analytics/", views.community_dashboard, name="community"),
    path("communities/<slug:slug>/analytics/refresh/", views.refresh, name="refresh"),
    path("communities/<slug:slug>/analytics/<str:name>.csv", views.figure_csv, name="csv"),
    path("analytics/<str:name>.csv", views.figure_csv, name="instance_csv"),
    # Value-creation stories
    path("communities/<slug:slug>/stories/", story_views.story_list, name="stories"),
    path("communities/<slug:slug>/stories/new/", story_views.story_create, name="story_create"),
    path("communities/<slug:slug>/stories/<int:pk>/", story_views.story_detail, name="story"),
    path(
        "communities/<slug:slug>/stories/<int:pk>/edit/", story_views.story_edit, name="story_edit"
    ),
    path(
        "communities/<slug:slug>/stories/<int:pk>/delete/",
        story_views.story_delete,
        name="story_delete",
    ),
    path("stories/prompts/<int:pk>/dismiss/", story_views.prompt_dismiss, name="prompt_dismiss"),
]
