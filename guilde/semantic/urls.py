from django.urls import path

from guilde.semantic import views

app_name = "semantic"
urlpatterns = [
    path("search/related/", views.related, name="related"),
]
