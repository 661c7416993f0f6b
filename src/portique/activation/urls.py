from django.urls import path

from portique.activation import views

app_name = "activation"

urlpatterns = [
    path("", views.start, name="start"),
    path("identifiant/", views.IdentifierView.as_view(), name="identifier"),
    path(
        "mot-de-passe-provisoire/",
        views.ProvisionalPasswordView.as_view(),
        name="provisional_password",
    ),
    path("mail-de-secours/", views.RecoveryEmailView.as_view(), name="recovery_email"),
    path(
        "mail-de-secours/envoye/",
        views.RecoveryEmailSentView.as_view(),
        name="recovery_email_sent",
    ),
    path(
        "mail-de-secours/envoye/corriger/",
        views.RecoveryEmailCorrectView.as_view(),
        name="recovery_email_correct",
    ),
    path(
        "mail-de-secours/envoye/etat/",
        views.RecoveryEmailFateView.as_view(),
        name="recovery_email_fate",
    ),
    path("charte/", views.CharterView.as_view(), name="charter"),
    path("annuaire/", views.DirectoryView.as_view(), name="directory"),
    path("messagerie/", views.ForwardingView.as_view(), name="forwarding"),
    path("messagerie/envoye/", views.ForwardingSentView.as_view(), name="forwarding_sent"),
    path(
        "messagerie/envoye/corriger/",
        views.ForwardingCorrectView.as_view(),
        name="forwarding_correct",
    ),
    path("messagerie/envoye/etat/", views.ForwardingFateView.as_view(), name="forwarding_fate"),
    path("mot-de-passe/", views.NewPasswordView.as_view(), name="new_password"),
    path("mot-de-passe/regles/", views.NewPasswordRulesView.as_view(), name="new_password_rules"),
    path("termine/", views.DoneView.as_view(), name="done"),
    path("modifier/<slug:answer>/", views.revise, name="revise"),
    path("quitter/", views.leave, name="leave"),
    path("interrompue/", views.left, name="left"),
    path("lien/", views.LinkConfirmView.as_view(), name="link_confirm"),
    path("lien/<str:token>/", views.link_landing, name="link"),
]
