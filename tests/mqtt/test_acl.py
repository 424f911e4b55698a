"""The shipped broker ACL keeps each provider to its own topics.

This starts a private Mosquitto with `deploy/mosquitto/offsite-acl.conf`
and a password file of three users: two providers and the intake.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

ACL_FILE = Path(__file__).resolve().parents[2] / "deploy/mosquitto/offsite-acl.conf"
USERS = {"iot-a": "secret-a", "iot-b": "secret-b", "offsite-intake": "secret-i"}
WAIT_SECONDS = 5


@pytest.fixture(scope="module")
def acl_broker_port(tmp_path_factory) -> int:
    mosquitto = shutil.which("mosquitto") or shutil.which(
        "mosquitto", path="/usr/sbin:/usr/local/sbin"
    )
    mosquitto_passwd = shutil.which("mosquitto_passwd")
    if mosquitto is None or mosquitto_passwd is None:
        pytest.skip("mosquitto and mosquitto_passwd are needed to try the ACL")
    home = tmp_path_factory.mktemp("acl-broker")
    passwords = home / "passwd"
    for index, (user, password) in enumerate(USERS.items()):
        create = ["-c"] if index == 0 else []
        subprocess.run(
            [mosquitto_passwd, *create, "-b", str(passwords), user, password],
            check=True,
        )
    port = _free_port()
    config = home / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\n"
        "allow_anonymous false\n"
        f"password_file {passwords}\n"
        f"acl_file {ACL_FILE}\n"
        "persistence false\n"
        # Run as root (CI), Mosquitto would switch to its own user, which
        # cannot read this private directory.
        "user root\n"
    )
    with open(home / "mosquitto.log", "wb") as log:
        broker = subprocess.Popen(
            [mosquitto, "-c", str(config)], stdout=log, stderr=log
        )
    try:
        _wait_for_port(port)
        yield port
    finally:
        broker.terminate()
        broker.wait(WAIT_SECONDS)


def test_a_provider_publishes_under_its_own_slug_and_not_under_another(
    acl_broker_port,
):
    received: list[str] = []
    intake = _client("offsite-intake", acl_broker_port)
    intake.on_message = lambda _c, _u, message: received.append(message.topic)
    subscribed = threading.Event()
    intake.on_subscribe = lambda *_: subscribed.set()
    intake.subscribe("offsite/v1/#", qos=1)
    assert subscribed.wait(WAIT_SECONDS)
    provider = _client("iot-a", acl_broker_port)

    denied = provider.publish("offsite/v1/iot-b/smoke-9/status", b"{}", qos=1)
    allowed = provider.publish("offsite/v1/iot-a/smoke-7/status", b"{}", qos=1)
    denied.wait_for_publish(WAIT_SECONDS)
    allowed.wait_for_publish(WAIT_SECONDS)
    deadline = time.monotonic() + WAIT_SECONDS
    while not received and time.monotonic() < deadline:
        time.sleep(0.02)

    # Messages of one publisher arrive in order: had the first passed, it
    # would be here before the second.
    assert received == ["offsite/v1/iot-a/smoke-7/status"]
    for client in (provider, intake):
        client.disconnect()
        client.loop_stop()


def test_a_wrong_password_is_refused(acl_broker_port):
    answers: list[str] = []
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.username_pw_set("iot-a", "not-the-password")
    client.on_connect = lambda _c, _u, _f, reason, _p: answers.append(str(reason))

    client.connect("127.0.0.1", acl_broker_port)
    client.loop(timeout=WAIT_SECONDS)

    assert answers == ["Not authorized"]


def _client(user: str, port: int) -> paho.Client:
    client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv5)
    client.username_pw_set(user, USERS[user])
    client.connect("127.0.0.1", port)
    client.loop_start()
    deadline = time.monotonic() + WAIT_SECONDS
    while not client.is_connected() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert client.is_connected(), f"{user} could not sign in"
    return client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the ACL test broker did not listen on port {port}")
