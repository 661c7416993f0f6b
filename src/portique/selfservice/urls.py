from django.urls import path

from portique.selfservice import views
from portique.sso.views import logout_chosen

app_name = "selfservice"

urlpatterns = [
    path("connexion/", views.login, name="login"),
    path("deconnexion/", logout_chosen(views.logout), name="logout"),
    path("compte/", views.account_page, name="account"),
    path("compte/mot-de-passe/", views.change_password, name="password"),
    path("compte/mot-de-passe/regles/", views.password_rules_check, name="password_rules"),
    path("compte/mail-de-secours/", views.change_recovery_email, name="recovery_email"),
    path("compte/redirection/", views.change_forwarding, name="forwarding"),
    path("compte/annuaire/", views.change_directory_consent, name="directory"),
    path("compte/sessions/fermer/", views.end_session, name="end_session"),
    path("compte/sessions/fermer-les-autres/", views.end_other_sessions, name="end_other_sessions"),
    path("compte/charte/", views.charter, name="charter"),
    path("compte/charte/refuser/", logout_chosen(views.charter_refuse), name="charter_refuse"),
    path("compte/mes-donnees.json", views.data_json, name="data_json"),
    path("compte/mes-donnees.pdf", views.data_pdf_view, name="data_pdf"),
    path("compte/lien/", views.link_confirm, name="link_confirm"),
    path("compte/lien/<str:token>/", views.link_landing, name="link"),
]
