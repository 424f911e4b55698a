"""Top-level URLs: sign-in and pages at the root, admin, the API."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from offsite.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("offsite.web.urls")),
]
