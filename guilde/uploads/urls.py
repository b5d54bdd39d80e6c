from django.urls import path

from guilde.uploads import views

app_name = "uploads"
urlpatterns = [
    path("uploads/<uuid:upload_id>/<str:name>", views.upload_file, name="file"),
    path("communities/<slug:slug>/uploads/", views.upload_create, name="create"),
]
