from django.urls import path

from portique.sso import views

app_name = "sso"

urlpatterns = [
    path("connexion/", views.login, name="login"),
    path("retour/", views.callback, name="callback"),
]
