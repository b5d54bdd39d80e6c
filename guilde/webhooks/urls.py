from django.urls import URLPattern, path

from guilde.webhooks import views

app_name = "webhooks"


def _routes(prefix: str, scope: str) -> list[URLPattern]:
    """The same pages for a community's webhooks and for the instance's."""
    return [
        path(f"{prefix}/", views.webhook_list, name=f"{scope}_list"),
        path(f"{prefix}/new/", views.webhook_create, name=f"{scope}_create"),
        path(f"{prefix}/<int:pk>/", views.webhook_detail, name=f"{scope}_detail"),
        path(f"{prefix}/<int:pk>/test/", views.webhook_test, name=f"{scope}_test"),
        path(f"{prefix}/<int:pk>/state/", views.webhook_state, name=f"{scope}_state"),
        path(f"{prefix}/<int:pk>/secret/", views.webhook_secret, name=f"{scope}_secret"),
        path(f"{prefix}/<int:pk>/rotate/", views.webhook_rotate, name=f"{scope}_rotate"),
        path(f"{prefix}/<int:pk>/delete/", views.webhook_delete, name=f"{scope}_delete"),
    ]


urlpatterns = [
    *_routes("communities/<slug:slug>/webhooks", "community"),
    *_routes("webhooks", "instance"),
]
