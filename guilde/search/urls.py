from django.urls import path

from guilde.search import views

app_name = "search"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("search/open/", views.search_open, name="open"),
    path("search/similar/", views.similar, name="similar"),
]
