from django.urls import path

from guilde.discussions import feeds, views

app_name = "discussions"
community = "communities/<slug:slug>"
urlpatterns = [
    path("t/<int:pk>/", views.thread_redirect, name="thread_short"),
    path(f"{community}/threads/", views.thread_list, name="threads"),
    path(f"{community}/threads/filter/<str:filter_>/", views.thread_list, name="threads_filtered"),
    path(f"{community}/threads/new/", views.thread_create, name="create"),
    path(f"{community}/threads/<int:pk>/", views.thread_detail, name="thread"),
    path(f"{community}/threads/<int:pk>/reply/", views.post_create, name="reply"),
    path(f"{community}/threads/<int:pk>/accept/", views.answer_accept, name="accept"),
    path(f"{community}/threads/<int:pk>/status/", views.idea_status, name="idea_status"),
    path(f"{community}/threads/<int:pk>/feed/", feeds.ThreadFeed(), name="thread_feed"),
    path(f"{community}/posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path(f"{community}/posts/<int:pk>/history/", views.post_history, name="post_history"),
    path(f"{community}/posts/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path(f"{community}/posts/<int:pk>/hide/", views.post_hide, name="post_hide"),
    path(f"{community}/posts/<int:pk>/purge/", views.post_purge, name="post_purge"),
    path(f"{community}/posts/<int:pk>/react/", views.post_react, name="post_react"),
    path(f"{community}/posts/<int:pk>/vote/", views.post_vote, name="post_vote"),
    path(f"{community}/preview/", views.preview, name="preview"),
    path(f"{community}/draft/", views.draft_save, name="draft"),
    path(f"{community}/feed/", feeds.CommunityFeed(), name="feed"),
]
