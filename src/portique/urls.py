from django.contrib import admin
from django.urls import include, path

from portique.core import views as core_views
from portique.helpdesk import views as helpdesk_views
from portique.mail import views as mail_views
from portique.selfservice import views as selfservice_views
from portique.sso import views as sso_views

urlpatterns = [
    path("", sso_views.login_page_chosen(selfservice_views.home), name="home"),
    path("", include("portique.selfservice.urls")),
    path("probleme-de-connexion/", include("portique.recovery.urls")),
    path("annuaire/", include("portique.directory.urls")),
    path("charte/", core_views.charter, name="charter"),
    path("session/prolonger/", core_views.extend_session, name="extend_session"),
    path("activation/", include("portique.activation.urls")),
    path("dev/mail/", mail_views.dev_outbox, name="dev_outbox"),
    path("admin/login/", sso_views.agent_login_chosen(admin.site.login)),
    path("admin/", admin.site.urls),
    path("sso/", include("portique.sso.urls")),
    path("helpdesk/", include("portique.helpdesk.urls")),
    # For load balancers, orchestrators and Prometheus: no trailing slash, as they expect.
    path("healthz", helpdesk_views.healthz, name="healthz"),
    path("readyz", helpdesk_views.readyz, name="readyz"),
    path("metrics", helpdesk_views.metrics, name="metrics"),
    path("langue/", include("django.conf.urls.i18n")),
]

handler400 = "portique.core.views.bad_request"
handler403 = "portique.core.views.permission_denied"
handler404 = "portique.core.views.page_not_found"
handler500 = "portique.core.views.server_error"
