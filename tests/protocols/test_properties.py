"""Properties: generated frames of every type round-trip; noise only ever
raises FrameError."""

from __future__ import annotations

import contextlib
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from offsite.protocols.gb26875 import (
    AnalogValue,
    ChannelAnalogValue,
    ChannelComponentStatus,
    ChannelSystemStatus,
    ClockSync,
    ComponentConfig,
    ComponentQuery,
    ComponentStatus,
    DeviceClock,
    DeviceConfig,
    DeviceOperation,
    DeviceOperationLogQuery,
    DeviceQuery,
    DeviceSoftwareVersion,
    DeviceStatus,
    DutyCheck,
    FacilityClock,
    FacilityOperation,
    FacilitySoftwareVersion,
    FacilitySystemConfig,
    Frame,
    FrameError,
    FrameSplitter,
    Header,
    OperationLogQuery,
    PrinterLine,
    RawObjects,
    SystemQuery,
    SystemStatus,
    VendorHeartbeat,
    decode,
    encode,
    facts,
)

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
i16 = st.integers(-32768, 32767)
moments = st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31, 23, 59, 59)).map(
    lambda moment: moment.replace(microsecond=0)
)
times = st.none() | moments
description = st.binary(min_size=31, max_size=31)
text = st.binary(max_size=60)


def standard(cls, **fields):
    return st.builds(cls, **fields)


# (type flag, main version, strategy for one object, most objects to generate)
OBJECTS = [
    (1, 1, standard(SystemStatus, system_type=u8, system_address=u8, status=u16,
                    occurred_at=times), 8),
    (2, 1, standard(ComponentStatus, system_type=u8, system_address=u8,
                    component_type=u8, component_address=u32, status=u16,
                    description_raw=description, occurred_at=times), 8),
    (2, 2, standard(ComponentStatus, system_type=u8, system_address=u8,
                    component_type=u8, component_address=u32, status=u16,
                    description_raw=description, occurred_at=times,
                    extension=st.just("four_faith")), 8),
    (3, 1, standard(AnalogValue, system_type=u8, system_address=u8,
                    component_type=u8, component_address=u32, analog_type=u8,
                    raw_value=i16, occurred_at=times), 8),
    (3, 2, standard(AnalogValue, system_type=u8, system_address=u8,
                    component_type=u8, component_address=u32, analog_type=u8,
                    raw_value=i16, occurred_at=times,
                    extension=st.just("four_faith")), 8),
    (4, 1, standard(FacilityOperation, system_type=u8, system_address=u8,
                    flags=u8, operator=u8, occurred_at=times), 8),
    (5, 1, standard(FacilitySoftwareVersion, system_type=u8, system_address=u8,
                    major=u8, minor=u8), 1),
    (6, 1, standard(FacilitySystemConfig, system_type=u8, system_address=u8,
                    text_raw=text), 3),
    (7, 1, standard(ComponentConfig, system_type=u8, system_address=u8,
                    component_type=u8, component_address=u32,
                    description_raw=description), 8),
    (8, 1, standard(FacilityClock, system_type=u8, system_address=u8,
                    clock=times), 1),
    (21, 1, standard(DeviceStatus, status=u8, occurred_at=times), 1),
    (24, 1, standard(DeviceOperation, flags=u8, operator=u8, occurred_at=times), 8),
    (25, 1, standard(DeviceSoftwareVersion, major=u8, minor=u8), 1),
    (26, 1, standard(DeviceConfig, text_raw=text), 1),
    (28, 1, standard(DeviceClock, clock=times), 1),
    *[
        (t, 1, standard(SystemQuery, system_type=u8, system_address=u8), 8)
        for t in (61, 65, 66, 68)
    ],
    *[
        (t, 1, standard(ComponentQuery, system_type=u8, system_address=u8,
                        component_address=u32), 8)
        for t in (62, 63, 67)
    ],
    (64, 1, standard(OperationLogQuery, system_type=u8, system_address=u8,
                     count=u8, start_at=times), 1),
    *[(t, 1, standard(DeviceQuery, reserved=u8), 1) for t in (81, 85, 86, 88, 89)],
    (84, 1, standard(DeviceOperationLogQuery, count=u8, start_at=times), 1),
    (90, 1, standard(ClockSync, clock=times), 1),
    (91, 1, standard(DutyCheck, timeout_minutes=u8), 1),
    (9, 2, standard(PrinterLine, channel=u8, host_number=u8,
                    reserved=st.binary(min_size=2, max_size=2), alarm_type=u8,
                    name_raw=text, location_raw=text, info_raw=text,
                    occurred_at=times), 3),
    (130, 2, standard(ChannelSystemStatus, system_type=u8, system_address=u8,
                      status=u16, channel_type=u8, channel_number=u8,
                      occurred_at=times), 8),
    (131, 2, standard(ChannelComponentStatus, system_type=u8, system_address=u8,
                      component_type=u8, component_address=u32, status=u16,
                      description_raw=description, channel_type=u8,
                      channel_number=u8, occurred_at=times), 8),
    (132, 2, standard(ChannelAnalogValue, system_type=u8, system_address=u8,
                      component_type=u8, component_address=u32, analog_type=u8,
                      raw_value=i16, channel_type=u8, channel_number=u8,
                      occurred_at=times), 8),
]  # fmt: skip


@st.composite
def frames(draw):
    app_type, version_main, objects, most = draw(st.sampled_from(OBJECTS))
    header = Header(
        serial=draw(u16),
        version_main=version_main,
        version_user=draw(u8),
        sent_at=draw(times),
        source_address=draw(st.integers(0, 2**48 - 1)),
        destination_address=draw(st.integers(0, 2**48 - 1)),
        adu_length=0,
        command=draw(st.sampled_from([1, 2, 3, 4, 5, 6, 128, 255])),
    )
    return header, app_type, draw(st.lists(objects, max_size=most))


@given(frames())
@settings(max_examples=400)
def test_generated_frames_of_every_type_round_trip(generated):
    header, app_type, objects = generated

    data = encode(header, app_type, objects)
    frame = decode(data)

    assert frame.app_type == app_type
    assert list(frame.objects) == objects
    assert frame.header.serial == header.serial
    assert frame.header.sent_at == header.sent_at
    assert frame.header.adu_length == len(data) - 30
    assert encode(frame) == data


@given(
    app_type=st.sampled_from([10, 22, 135, 150, 200, 201, 204, 205, 206, 254]),
    count=u8,
    data=st.binary(max_size=200),
)
def test_unknown_types_are_kept_raw_and_round_trip(app_type, count, data):
    header = Header(1, 1, 1, None, 1, 2, 0, 2)

    frame = decode(encode(header, app_type, [RawObjects(app_type, data, count)]))

    assert frame.objects == (RawObjects(app_type, data, count),)


@given(st.sampled_from([b"", b"@@"]), st.binary(max_size=300))
@settings(max_examples=500)
def test_random_bytes_raise_only_frame_errors(prefix, data):
    with contextlib.suppress(FrameError):
        decode(prefix + data)


@st.composite
def well_framed_noise(draw):
    """Random control unit and ADU inside correct delimiters, length and checksum."""
    control = bytearray(draw(st.binary(min_size=25, max_size=25)))
    control[2] = draw(st.sampled_from([1, 2]))
    adu = draw(st.binary(max_size=120))
    if adu and draw(st.booleans()):
        adu = bytes((draw(st.sampled_from([1, 2, 3, 6, 9, 26, 130, 131, 132])),))
        adu += draw(st.binary(max_size=120))
    control[22:24] = len(adu).to_bytes(2, "little")
    body = bytes(control) + adu
    return b"@@" + body + bytes((sum(body) & 0xFF,)) + b"##"


@given(well_framed_noise())
@settings(max_examples=500)
def test_well_framed_noise_decodes_or_raises_frame_error(data):
    try:
        frame = decode(data)
    except FrameError:
        return
    assert isinstance(frame, Frame | VendorHeartbeat)
    facts(frame)


@given(frames(), st.binary(max_size=40), st.lists(st.integers(1, 60), max_size=30))
def test_splitter_finds_a_frame_after_noise_in_any_chunking(generated, noise, cuts):
    data = encode(*generated)
    stream = noise.replace(b"@", b"") + data
    splitter = FrameSplitter()
    found: list[bytes] = []
    position = 0
    for size in [*cuts, len(stream)]:
        found += splitter.feed(stream[position : position + size])
        position += size

    assert found == [data]
