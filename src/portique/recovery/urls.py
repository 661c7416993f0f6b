from django.urls import path

from portique.recovery import views

app_name = "recovery"

urlpatterns = [
    path("", views.request_link, name="request"),
    path("envoye/", views.sent, name="sent"),
    path("nouveau-mot-de-passe/", views.new_password, name="new_password"),
    path("nouveau-mot-de-passe/regles/", views.new_password_rules, name="new_password_rules"),
    path("termine/", views.done, name="done"),
    path("lien/<str:token>/", views.link_landing, name="link"),
]
