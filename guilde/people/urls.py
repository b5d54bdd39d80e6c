from django.urls import path

from guilde.people import views

app_name = "people"
urlpatterns = [
    path("people/experts/", views.who_knows, name="who_knows"),
]
