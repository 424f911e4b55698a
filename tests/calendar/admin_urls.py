"""Only the admin, so the calendar's admin pages are tested on their own."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
