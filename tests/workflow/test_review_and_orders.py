"""Review (IM-15, LM-12), warnings and orders (IM-13, LM-13), unit answers."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.db import transaction

from offsite.delivery.models import Notice, OutboxMessage
from offsite.supervision.models import Event, EvidenceFile, Prompt
from offsite.supervision.services import (
    Refused,
    TransitionRefused,
    answer,
    confirm,
    dismiss,
    next_document_number,
)

from .support import beijing, notices, serve

pytestmark = pytest.mark.django_db


def test_an_officer_confirms_and_the_warning_goes_to_the_unit(
    breach, officer, unit_user
):
    # fire_lane: 1 calendar day to clear the lane; Monday 2 March 2026.
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    assert event.state == "awaiting_review"
    assert event.due_at == beijing(2026, 3, 3, 9, 15)

    confirm(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))

    stored = Event.objects.get(pk=event.pk)
    assert stored.state == "warned"
    assert stored.due_at == beijing(2026, 3, 3, 23, 59, 59)
    assert notices(event) == [("warning", "")]


def test_nothing_reaches_the_unit_before_confirmation(breach, unit_user):
    # IM-15: data a person must confirm is not published to the unit.
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))

    assert Notice.objects.filter(event=event).count() == 0
    assert Prompt.objects.filter(event=event).count() == 0


def test_an_auxiliary_may_not_confirm(breach, auxiliary, unit_user):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))

    with pytest.raises(TransitionRefused) as refused:
        confirm(event, actor=auxiliary, at=beijing(2026, 3, 2, 11, 0))

    assert "only officer may (LM-9, IM-15" in str(refused.value)
    assert refused.value.forbidden is True
    assert Event.objects.get(pk=event.pk).state == "awaiting_review"
    assert Notice.objects.count() == 0


def test_a_dismissal_needs_a_reason_and_tells_the_unit_nothing(
    breach, officer, unit_user
):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))

    with pytest.raises(ValueError, match="reason: must not be empty"):
        dismiss(event, actor=officer, at=beijing(2026, 3, 2, 11, 0), reason=" ")
    dismiss(
        event, actor=officer, at=beijing(2026, 3, 2, 11, 0), reason="camera misread"
    )

    assert Event.objects.get(pk=event.pk).state == "dismissed"
    assert Notice.objects.count() == 0


def test_a_fire_alarm_prompts_the_unit_at_once(breach, unit_user):
    # LM-12: urgent, decided by the system, the unit is prompted at once.
    event = breach("fire_alarm", beijing(2026, 3, 2, 10, 0))

    assert event.state == "warned"
    assert notices(event) == [("immediate_prompt", "")]


def test_a_rectification_order_gets_the_first_number_of_the_year(
    breach, officer, unit_user
):
    event = breach("emergency_plan", beijing(2026, 3, 2, 9, 0))

    confirm(event, actor=officer, at=beijing(2026, 3, 2, 10, 0))

    assert Event.objects.get(pk=event.pk).state == "ordered"
    assert notices(event) == [("rectification_order", "京朝消限字〔2026〕第0001号")]
    assert Prompt.objects.get(event=event).text.startswith(
        "京朝消限字〔2026〕第0001号\n"
    )


def test_order_numbers_run_in_sequence_per_authority_and_year(authority):
    chaoyang, haidian = authority("110105"), authority("110108")

    with transaction.atomic():
        numbers = [
            next_document_number(chaoyang, at=beijing(2026, 3, 2, 10, 0)),
            next_document_number(chaoyang, at=beijing(2026, 12, 31, 23, 0)),
            next_document_number(haidian, at=beijing(2026, 3, 2, 10, 0)),
            next_document_number(chaoyang, at=beijing(2027, 1, 1, 0, 30)),
            next_document_number(chaoyang, at=beijing(2027, 1, 4, 9, 0)),
        ]

    assert numbers == [
        "京朝消限字〔2026〕第0001号",
        "京朝消限字〔2026〕第0002号",
        "京海消限字〔2026〕第0001号",
        "京朝消限字〔2027〕第0001号",
        "京朝消限字〔2027〕第0002号",
    ]


def test_the_year_of_a_number_is_the_beijing_year(authority):
    # 31 December 2026 17:00 UTC is already 1 January 2027 in Beijing.
    number = next_document_number(authority("110105"), at=beijing(2027, 1, 1, 1, 0))

    assert number == "京朝消限字〔2027〕第0001号"


def test_two_orders_of_one_district_get_distinct_numbers(breach, officer, unit_user):
    first = breach("emergency_plan", beijing(2026, 3, 2, 9, 0), subject="plan:a")
    second = breach("key_unit_file", beijing(2026, 3, 2, 9, 5), subject="file:a")

    confirm(first, actor=officer, at=beijing(2026, 3, 2, 10, 0))
    confirm(second, actor=officer, at=beijing(2026, 3, 2, 10, 1))

    assert sorted(
        Prompt.objects.exclude(document_number="").values_list(
            "document_number", flat=True
        )
    ) == ["京朝消限字〔2026〕第0001号", "京朝消限字〔2026〕第0002号"]


def test_a_decision_rolled_back_leaves_no_notice_and_nothing_to_send(
    breach, officer, unit_user
):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))

    with pytest.raises(RuntimeError), transaction.atomic():
        confirm(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))
        raise RuntimeError("the process dies before the commit")

    assert Notice.objects.count() == 0
    assert OutboxMessage.objects.count() == 0
    assert Event.objects.get(pk=event.pk).state == "awaiting_review"


def test_a_committed_notice_waits_in_the_outbox_and_is_sent_once(
    breach, officer, unit_user
):
    # Deciding commits the notice with its outbox row; a dispatcher started
    # after a crash finds it and sends it, and a second run sends nothing.
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    confirm(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))
    assert list(OutboxMessage.objects.values_list("status", flat=True)) == ["pending"]

    serve(beijing(2026, 3, 2, 11, 5))
    serve(beijing(2026, 3, 2, 11, 10))

    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == ("sent", 1)


def test_the_unit_answers_with_evidence_kept_by_its_hash(
    breach, officer, unit_user, evidence_root
):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    confirm(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))
    photo = b"\xff\xd8 photo of the cleared lane"

    row = answer(
        event,
        actor=unit_user,
        at=beijing(2026, 3, 2, 15, 0),
        text="已清理北侧消防车通道",
        evidence_files=[ContentFile(photo, name="lane.jpg")],
    )

    kept = EvidenceFile.objects.get(answer=row)
    digest = hashlib.sha256(photo).hexdigest()
    assert (kept.name, kept.size_bytes, kept.sha256) == ("lane.jpg", 28, digest)
    assert kept.path == f"evidence/{digest[:2]}/{digest}.jpg"
    assert (evidence_root / kept.path).read_bytes() == photo


def test_an_evidence_file_over_10_mib_refuses_the_whole_answer(
    breach, officer, unit_user, evidence_root
):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    confirm(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))
    big = ContentFile(b"0" * (10 * 1024 * 1024 + 1), name="video.mp4")

    with pytest.raises(ValueError, match=r"evidence_files\[1\]: 'video.mp4' is "):
        answer(
            event,
            actor=unit_user,
            at=beijing(2026, 3, 2, 15, 0),
            text="见附件",
            evidence_files=[ContentFile(b"ok", name="a.txt"), big],
        )

    assert EvidenceFile.objects.count() == 0
    assert not evidence_root.exists()


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("车辆\x00已移走", "text: must not contain the NUL character"),
        ("长" * 4001, "text: 4001 characters, at most 4000"),
    ],
)
def test_an_answer_no_record_can_keep_is_refused_naming_the_rule(
    breach, officer, unit_user, text, rule
):
    """PostgreSQL keeps no NUL in text: refused up front, the same everywhere."""
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    confirm(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))

    with pytest.raises(ValueError, match=rule):
        answer(event, actor=unit_user, at=beijing(2026, 3, 2, 15, 0), text=text)

    assert not event.answers.exists()


def test_a_reason_with_nul_or_past_one_line_is_refused(breach, officer):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))

    with pytest.raises(ValueError, match="reason: must not contain the NUL"):
        dismiss(event, actor=officer, at=beijing(2026, 3, 2, 10, 0), reason="a\x00b")
    with pytest.raises(ValueError, match="reason: 301 characters, at most 300"):
        dismiss(event, actor=officer, at=beijing(2026, 3, 2, 10, 0), reason="x" * 301)

    event.refresh_from_db()
    assert event.state == "awaiting_review"


def test_an_evidence_files_odd_type_is_kept_as_plain_bytes(
    breach, officer, unit_user, evidence_root
):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    confirm(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))
    odd = ContentFile(b"photo", name="lane.jpg")
    odd.content_type = "image/" + "x" * 200

    row = answer(
        event,
        actor=unit_user,
        at=beijing(2026, 3, 2, 15, 0),
        text="见附件",
        evidence_files=[odd],
    )

    assert row.files.get().content_type == "application/octet-stream"


def test_a_long_file_name_is_cut_keeping_its_type(
    breach, officer, unit_user, evidence_root
):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    confirm(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))

    row = answer(
        event,
        actor=unit_user,
        at=beijing(2026, 3, 2, 15, 0),
        text="见附件",
        evidence_files=[ContentFile(b"text", name="中" * 300 + ".txt")],
    )

    kept = row.files.get().name
    assert (len(kept), kept[-5:]) == (200, "中.txt")


def test_another_units_user_may_not_answer(breach, officer, unit_user, other_unit_user):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    confirm(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))

    with pytest.raises(Refused, match="only a user of unit 京华商业广场 answers"):
        answer(event, actor=other_unit_user, at=beijing(2026, 3, 2, 15, 0), text="done")


def test_data_back_to_normal_before_the_deadline_ends_the_event(
    breach, back_to_normal, officer, unit_user
):
    event = breach("fire_lane", beijing(2026, 3, 2, 9, 15))
    confirm(event, actor=officer, at=beijing(2026, 3, 2, 11, 0))

    back_to_normal(event, beijing(2026, 3, 3, 8, 0))

    assert Event.objects.get(pk=event.pk).state == "ended"
