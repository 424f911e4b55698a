"""Sign-in at `/`, throttling, each role's home, and strangers kept out."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from offsite.web.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_is_served_at_the_root():
    response = Client().get("/")

    assert response.status_code == 200
    assert b'name="password"' in response.content


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("admin", "/console/"),
        ("dispatch", "/console/"),
        ("officer", "/console/"),
        ("auxiliary", "/console/"),
        ("legal", "/console/"),
        ("haidian", "/console/"),
        ("unit", "/portal/"),
    ],
)
def test_each_role_lands_on_its_home(city, username, home):
    client = Client()

    signed_in = client.post("/", {"username": username, "password": DEMO_PASSWORD})
    landing = client.get(signed_in["Location"])

    assert signed_in["Location"] == "/home/"
    assert landing["Location"] == home


def test_a_unit_user_signing_in_first_is_offered_electronic_service(city):
    """LM-5: the offer comes when the unit signs in, before anything else."""
    client = Client()
    client.post("/", {"username": "unit", "password": DEMO_PASSWORD})

    assert client.get("/portal/")["Location"] == "/portal/consent/"
    assert client.get("/portal/inbox/")["Location"] == "/portal/consent/"
    assert client.get("/portal/consent/").status_code == 200


def test_a_wrong_password_shows_the_form_again(city):
    response = Client().post("/", {"username": "officer", "password": "wrong"})

    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_five_failures_lock_the_user_name_even_for_the_right_password(city):
    client = Client()
    for _ in range(5):
        client.post("/", {"username": "officer", "password": "wrong"})

    response = client.post("/", {"username": "officer", "password": DEMO_PASSWORD})

    assert response.status_code == 429
    assert client.get("/console/")["Location"] == "/?next=/console/"


def test_the_lock_is_per_user_name(city):
    client = Client()
    for _ in range(5):
        client.post("/", {"username": "officer", "password": "wrong"})

    response = client.post("/", {"username": "dispatch", "password": DEMO_PASSWORD})

    assert response["Location"] == "/home/"


@pytest.mark.parametrize(
    "path",
    [
        "/console/",
        "/console/review/",
        "/console/events/1/",
        "/console/log/",
        "/portal/",
        "/portal/inbox/",
        "/portal/events/1/",
    ],
)
def test_strangers_are_sent_to_sign_in(db, path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/?next={path}"


@pytest.mark.parametrize("path", ["/api/v1/inbox", "/api/v1/consent"])
def test_strangers_get_401_from_the_api(db, path):
    assert Client().get(path).status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs", "/items/"])
def test_the_public_documents_need_no_sign_in(db, path):
    assert Client().get(path).status_code == 200


def test_the_intake_endpoint_checks_its_key_itself(db):
    response = Client().post(
        "/api/v1/observations",
        data=b"[]",
        content_type="application/json",
        HTTP_X_API_KEY="osk_not_a_key",
    )

    assert response.status_code == 401


def test_a_unit_user_may_not_open_the_console(city, sign_in):
    response = sign_in("unit").get("/console/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "工作台仅供消防救援机构工作人员使用" in page
    assert 'href="/home/"' in page


def test_staff_may_not_open_the_portal(city, sign_in):
    assert sign_in("officer").get("/portal/").status_code == 403


def test_signing_out_ends_the_session(city, sign_in):
    client = sign_in("officer")

    client.post("/sign-out/")

    assert client.get("/console/").status_code == 302


def test_a_refused_page_is_logged_in_one_line_without_a_traceback(
    city, sign_in, caplog
):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        sign_in("unit").get("/console/")

    (refusal,) = [r for r in caplog.records if r.name == "django.request"]
    assert refusal.getMessage() == "Forbidden (Permission denied): /console/"
    assert refusal.exc_info is None


def test_a_page_out_of_scope_says_so_in_the_users_language(city, sign_in):
    response = sign_in("haidian").get("/console/events/999999/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "未找到" in page
    assert 'href="/home/"' in page
