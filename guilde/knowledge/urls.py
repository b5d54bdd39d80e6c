from django.urls import path

from guilde.knowledge import views

app_name = "knowledge"
community = "communities/<slug:slug>"
article = f"{community}/articles/<int:pk>"
urlpatterns = [
    path(f"{community}/articles/", views.article_list, name="articles"),
    path(f"{community}/articles/new/", views.article_create, name="create"),
    path(f"{community}/articles/draft/", views.article_draft, name="draft"),
    path(f"{community}/articles/proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path(f"{article}/", views.article_detail, name="article"),
    path(f"{article}/edit/", views.article_edit, name="edit"),
    path(f"{article}/history/", views.article_history, name="history"),
    path(f"{article}/revisions/<int:number>/", views.revision_detail, name="revision"),
    path(f"{article}/revisions/<int:number>/restore/", views.article_restore, name="restore"),
    path(f"{article}/diff/", views.article_diff, name="diff"),
    path(f"{article}/publish/", views.article_publish, name="publish"),
    path(f"{article}/verify/", views.article_verify, name="verify"),
    path(f"{article}/report/", views.article_report, name="report"),
    path(f"{article}/archive/", views.article_archive, name="archive"),
    path(f"{article}/feedback/", views.article_feedback, name="feedback"),
    path(f"{community}/threads/<int:pk>/promote/", views.promote, name="promote"),
    path(f"{community}/knowledge-health/", views.health, name="health"),
    path(f"{community}/paths/new/", views.path_create, name="path_create"),
    path(f"{community}/paths/<int:pk>/", views.path_detail, name="path"),
    path(f"{community}/paths/<int:pk>/edit/", views.path_edit, name="path_edit"),
    path(f"{community}/paths/steps/<int:pk>/done/", views.step_toggle, name="step_toggle"),
]
