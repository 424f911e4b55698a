"""Reference frames from `reference/gb26875.md` §6, byte for byte."""

from __future__ import annotations

# Haiwan UITD, real captures (leepeiliang/fire haiwan.txt).
S1_COMPONENT_FIRE = bytes.fromhex(
    "4040480001012a210f19091701000000000001000000000030000202010101112db832010300"
    "2020202020202020202020202020202020202020202020202020202020202015210f190917"
    "a02323"
)
S2_DEVICE_CLOCK = bytes.fromhex(
    "40400000010134200a1b09170100000000000100000000000800021c0134200a1b09175d2323"
)
S3_SYSTEM_RESET = bytes.fromhex(
    "40400700010106210a1b09170100000000000100000000000c00020101010001201410101909"
    "17162323"
)
S5_FACILITY_SILENCE = bytes.fromhex(
    "40400500010104210a1b09170100000000000100000000000c00020401010102000a0f101909"
    "17ec2323"
)
S6_DEVICE_RESET = bytes.fromhex(
    "40401000010110210a1b09170100000000000100000000000a000218010101261010190917302323"
)
S8_CONFIRM = bytes.fromhex(
    "40400000010122210a1b09170100000000000100000000000000038f2323"
)
# Four-Faith F-PRC200 parser card, main version 2.
S9_FACILITY_CLOCK = bytes.fromhex(
    "4040020002033517081901182825518012ff0000000000000a000208010000351708190118572323"
)
S11_VENDOR_HEARTBEAT = bytes.fromhex("40400725518012ff04882323")
# The widely copied library sample (shootingfans codec_test.go, dgiot baowen.json).
S12_LIBRARY_FIRE = bytes.fromhex(
    "404000000101180d11160a140000000000000605040302013000020201010300d90006000200"
    "a3c1c7f8a3b1b2e3dfc8b2b8d7dfc0c8000000000000000000000000000000301213010814"
    "682323"
)
S13_INIT_REQUEST = bytes.fromhex(
    "4040010000010500090207150504030201000b0a09080706030004590100d12323"
)
# Negative sample: checksum placeholder 00 where 0x2d is due.
S18_BAD_CHECKSUM = bytes.fromhex(
    "4040000901002E070A190B13009A243BE6360000000000013000020201010081000003650002"
    "000000000000000000000000000000000000000000000000000000000000002E070A190B1300"
    "2323"
)

VALID_SAMPLES = {
    "S1": S1_COMPONENT_FIRE,
    "S2": S2_DEVICE_CLOCK,
    "S3": S3_SYSTEM_RESET,
    "S5": S5_FACILITY_SILENCE,
    "S6": S6_DEVICE_RESET,
    "S8": S8_CONFIRM,
    "S9": S9_FACILITY_CLOCK,
    "S11": S11_VENDOR_HEARTBEAT,
    "S12": S12_LIBRARY_FIRE,
    "S13": S13_INIT_REQUEST,
}


def frame_with_adu(
    adu: bytes, *, command: int = 2, version_main: int = 1, serial: int = 1
) -> bytes:
    """Wrap an ADU in a frame with a correct checksum, written out by hand.

    Header: serial, versions, send time 2024-03-05 06:07:08, source address 1,
    destination address 2, the length of `adu`, the command byte.
    """
    control = (
        serial.to_bytes(2, "little")
        + bytes((version_main, 0))
        + bytes.fromhex("080706050318")
        + bytes.fromhex("010000000000")
        + bytes.fromhex("020000000000")
        + len(adu).to_bytes(2, "little")
        + bytes((command,))
    )
    body = control + adu
    return b"@@" + body + bytes((sum(body) % 256,)) + b"##"
