"""Top-level URLs: sign-in and pages at the root, admin, the API."""

from __future__ import annotations

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from offsite.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for it on every page, admin's included.
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"))),
    path("", include("offsite.web.urls")),
]
