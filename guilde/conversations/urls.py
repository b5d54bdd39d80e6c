from django.urls import path

from guilde.conversations import views

app_name = "conversations"
urlpatterns = [
    path("messages/", views.conversation_list, name="list"),
    path("messages/new/", views.conversation_new, name="new"),
    path("messages/<int:pk>/", views.conversation_detail, name="detail"),
    path("messages/<int:pk>/leave/", views.conversation_leave, name="leave"),
    path("messages/reports/<int:pk>/", views.message_report, name="report"),
    path("members/<str:username>/block/", views.member_block, name="block"),
]
