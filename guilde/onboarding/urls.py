from django.urls import path

from guilde.onboarding import views

app_name = "onboarding"
community = "communities/<slug:slug>"
urlpatterns = [
    path(f"{community}/welcome/", views.welcome, name="welcome"),
    path(f"{community}/welcome/buddy/", views.buddy_answer, name="buddy"),
    path(f"{community}/onboarding/", views.onboarding_settings, name="manage"),
    path(f"{community}/newcomers/", views.newcomers, name="newcomers"),
]
