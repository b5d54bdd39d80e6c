from django.urls import path

from guilde.analytics import views

app_name = "analytics"
urlpatterns = [
    path("analytics/", views.instance_dashboard, name="instance"),
    path("communities/<slug:slug>/analytics/", views.community_dashboard, name="community"),
    path("communities/<slug:slug>/analytics/refresh/", views.refresh, name="refresh"),
    path("communities/<slug:slug>/analytics/<str:name>.csv", views.figure_csv, name="csv"),
    path("analytics/<str:name>.csv", views.figure_csv, name="instance_csv"),
]
