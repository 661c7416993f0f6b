from django.urls import path

from portique.helpdesk import views

app_name = "helpdesk"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("personnes/<int:pk>/", views.person, name="person"),
    path("personnes/<int:pk>/renvoyer-le-mail/", views.resend_mail, name="resend_mail"),
    path("personnes/<int:pk>/deverrouiller/", views.unlock, name="unlock"),
    path("personnes/<int:pk>/recommencer/", views.restart, name="restart"),
    path("personnes/<int:pk>/courrier/", views.reissue_letter, name="reissue_letter"),
    path("personnes/<int:pk>/fermer-les-sessions/", views.end_sessions, name="end_sessions"),
    path("configuration/", views.configuration, name="configuration"),
    path("consentements/", views.consents, name="consents"),
    path("consentements/charte.csv", views.consents_csv, name="consents_csv"),
    path("lien/<str:key>/", views.agent_password, name="agent_password"),
    path("mot-de-passe-enregistre/", views.agent_password_done, name="agent_password_done"),
]
