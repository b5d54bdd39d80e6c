from django.contrib import admin
from django.urls import include, path

from guilde.accounts.views import set_language
from guilde.api.urls import urlpatterns as api_urlpatterns
from guilde.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("favicon.ico", core_views.favicon),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("guilde.accounts.urls")),
    path("", include("guilde.communities.urls")),
    path("", include("guilde.uploads.urls")),
    path("", include("guilde.discussions.urls")),
    path("", include("guilde.conversations.urls")),
    path("", include("guilde.notifications.urls")),
    path("", include("guilde.moderation.urls")),
    path("", include("guilde.knowledge.urls")),
    path("", include("guilde.search.urls")),
    path("", include("guilde.semantic.urls")),
    path("", include("guilde.people.urls")),
    path("", include("guilde.events.urls")),
    path("", include("guilde.onboarding.urls")),
    path("", include("guilde.mentoring.urls")),
    path("", include("guilde.analytics.urls")),
    path("", include("guilde.webhooks.urls")),
    *api_urlpatterns,
    path("", include("guilde.home.urls")),
]

handler403 = "guilde.core.views.permission_denied"
handler404 = "guilde.core.views.page_not_found"
handler500 = "guilde.core.views.server_error"
