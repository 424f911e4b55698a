"""URLs of the sign-in, the console, the portal and the public pages."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from offsite.web import console, portal, public, signin

app_name = "web"

urlpatterns = [
    path("", signin.SignInView.as_view(), name="sign-in"),
    path(
        "sign-out/",
        auth_views.LogoutView.as_view(next_page="web:sign-in"),
        name="sign-out",
    ),
    path("home/", signin.home, name="home"),
    path("no-role/", signin.no_role, name="no-role"),
    path("items/", public.items, name="items"),
    path("console/", console.dashboard, name="console"),
    path("console/review/", console.review_queue, name="console-review"),
    path(
        "console/review/<int:pk>/decide/",
        console.review_decide,
        name="console-review-decide",
    ),
    path("console/events/", console.event_list, name="console-events"),
    path("console/events/<int:pk>/", console.event_detail, name="console-event"),
    path(
        "console/events/<int:pk>/action/",
        console.event_action,
        name="console-event-action",
    ),
    path(
        "console/review-requests/<int:pk>/answer/",
        console.review_request_answer,
        name="console-review-request-answer",
    ),
    path("console/clues/", console.clue_list, name="console-clues"),
    path("console/deadlines/", console.deadline_list, name="console-deadlines"),
    path("console/oversight/", console.oversight, name="console-oversight"),
    path("console/log/", console.operation_log, name="console-log"),
    path("console/raw/<int:pk>/", console.raw_record, name="console-raw"),
    path("console/evidence/<int:pk>/", console.evidence_file, name="console-evidence"),
    path("portal/", portal.home, name="portal"),
    path("portal/consent/", portal.consent, name="portal-consent"),
    path("portal/events/<int:pk>/", portal.event_detail, name="portal-event"),
    path("portal/events/<int:pk>/answer/", portal.answer, name="portal-answer"),
    path(
        "portal/events/<int:pk>/review/",
        portal.request_review,
        name="portal-review",
    ),
    path("portal/evidence/<int:pk>/", portal.evidence_file, name="portal-evidence"),
    path("portal/inbox/", portal.inbox, name="portal-inbox"),
    path("portal/inbox/<int:pk>/", portal.notice_detail, name="portal-notice"),
]
