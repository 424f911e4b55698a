"""Admin walks from a conclusion back to the raw bytes (IM-8)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from offsite.intake.models import Observation, RawRecord
from offsite.intake.replay import replay_files
from offsite.monitoring.models import CheckResult, Finding
from tests.conftest import S1_FIRE_ALARM

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, tmp_path, unit):
    capture = tmp_path / "s1.hex"
    capture.write_text(S1_FIRE_ALARM.hex() + "\n")
    replay_files([capture], unit=unit)
    user = get_user_model().objects.create_superuser("root", "r@x.invalid", "pw")
    client.force_login(user)
    return client


def test_a_raw_record_page_shows_its_bytes_and_the_decoded_frame(admin_client):
    raw = RawRecord.objects.get()

    page = admin_client.get(f"/admin/intake/rawrecord/{raw.pk}/change/")

    text = page.content.decode()
    assert page.status_code == 200
    assert S1_FIRE_ALARM.hex() in text
    assert "20101165" in text


def test_a_finding_links_to_its_check_result_then_observation_then_raw_record(
    admin_client,
):
    finding = Finding.objects.get()
    result = finding.check_result
    observation = Observation.objects.get(pk=result.observation_id)

    finding_page = admin_client.get(f"/admin/monitoring/finding/{finding.pk}/change/")
    result_page = admin_client.get(f"/admin/monitoring/checkresult/{result.pk}/change/")

    assert f"/admin/monitoring/checkresult/{result.pk}/change/" in (
        finding_page.content.decode()
    )
    assert f"/admin/intake/observation/{observation.pk}/change/" in (
        result_page.content.decode()
    )
    assert f"/admin/intake/rawrecord/{observation.raw_record_id}/change/" in (
        result_page.content.decode()
    )


def test_admin_cannot_edit_raw_records_or_results(admin_client):
    raw = RawRecord.objects.get()

    assert admin_client.get("/admin/intake/rawrecord/add/").status_code == 403
    response = admin_client.post(f"/admin/intake/rawrecord/{raw.pk}/delete/")
    assert response.status_code == 403
    assert CheckResult.objects.exists()
