"""Code tables of GB/T 26875.3-2011 and the vendor extensions seen in the field.

Chinese names are the standard's own wording and are shown to users; the
English names are ours. Section and table numbers are those of the standard.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

START: Final = b"@@"
END: Final = b"##"

# Table 1: bytes 0..26 are the start bytes and the control unit, then the ADU,
# the checksum and the two end bytes.
HEADER_BYTES: Final = 27
FRAME_OVERHEAD_BYTES: Final = 30
# Table 1: the application data unit is at most 1024 bytes.
MAX_ADU_BYTES: Final = 1024
MAX_FRAME_BYTES: Final = FRAME_OVERHEAD_BYTES + MAX_ADU_BYTES
# Four-Faith extension §12: `@@ src6 module1 system1 ##`, no checksum.
VENDOR_HEARTBEAT_BYTES: Final = 12

# Four-Faith sends main version 2 ("拓展版", 2021-05-18); the standard fixes 1.
FOUR_FAITH_MAIN_VERSION: Final = 2


@dataclass(frozen=True)
class Name:
    """A code's Chinese name (as printed in its source) and our English name."""

    zh: str
    en: str


# §6.6 table 2: the command byte of the control unit.
COMMAND_CONTROL: Final = 1
COMMAND_SEND_DATA: Final = 2
COMMAND_CONFIRM: Final = 3
COMMAND_REQUEST: Final = 4
COMMAND_ANSWER: Final = 5
COMMAND_DENY: Final = 6

COMMANDS: Final[dict[int, Name]] = {
    COMMAND_CONTROL: Name("控制命令", "control"),
    COMMAND_SEND_DATA: Name("发送数据", "send data"),
    COMMAND_CONFIRM: Name("确认", "confirm"),
    COMMAND_REQUEST: Name("请求", "request"),
    COMMAND_ANSWER: Name("应答", "answer"),
    COMMAND_DENY: Name("否认", "deny"),
}
# Table 2: 128..255 are user-defined; 0 and 7..127 are reserved and a centre
# answers them with a deny (§6.5).
USER_COMMANDS: Final = range(128, 256)


def command_name(command: int) -> Name:
    """Name a command byte."""
    if command in COMMANDS:
        return COMMANDS[command]
    if command in USER_COMMANDS:
        return Name("用户自定义", "user-defined")
    return Name("预留", "reserved")


# Table 3: type flags of the application data unit.
APP_TYPES: Final[dict[int, Name]] = {
    1: Name("上传建筑消防设施系统状态", "facility system status"),
    2: Name("上传建筑消防设施部件运行状态", "component status"),
    3: Name("上传建筑消防设施部件模拟量值", "component analog value"),
    4: Name("上传建筑消防设施操作信息", "facility operation"),
    5: Name("上传建筑消防设施软件版本", "facility software version"),
    6: Name("上传建筑消防设施系统配置情况", "facility system configuration"),
    7: Name("上传建筑消防设施部件配置情况", "component configuration"),
    8: Name("上传建筑消防设施系统时间", "facility system clock"),
    21: Name("上传用户信息传输装置运行状态", "transmission device status"),
    24: Name("上传用户信息传输装置操作信息", "transmission device operation"),
    25: Name("上传用户信息传输装置软件版本", "transmission device software version"),
    26: Name("上传用户信息传输装置配置情况", "transmission device configuration"),
    28: Name("上传用户信息传输装置系统时间", "transmission device clock"),
    61: Name("读建筑消防设施系统状态", "read facility system status"),
    62: Name("读建筑消防设施部件运行状态", "read component status"),
    63: Name("读建筑消防设施部件模拟量值", "read component analog value"),
    64: Name("读建筑消防设施操作信息", "read facility operations"),
    65: Name("读建筑消防设施软件版本", "read facility software version"),
    66: Name("读建筑消防设施系统配置情况", "read facility system configuration"),
    67: Name("读建筑消防设施部件配置情况", "read component configuration"),
    68: Name("读建筑消防设施系统时间", "read facility system clock"),
    81: Name("读用户信息传输装置运行状态", "read transmission device status"),
    84: Name("读用户信息传输装置操作信息记录", "read transmission device operations"),
    85: Name("读用户信息传输装置软件版本", "read transmission device software version"),
    86: Name("读用户信息传输装置配置情况", "read transmission device configuration"),
    88: Name("读用户信息传输装置系统时间", "read transmission device clock"),
    89: Name("初始化用户信息传输装置", "initialise transmission device"),
    90: Name("同步用户信息传输装置时钟", "synchronise transmission device clock"),
    91: Name("查岗命令", "duty check"),
}

# Four-Faith "城市消防远程监控系统协议_拓展版_20210518", main version 2.
FOUR_FAITH_APP_TYPES: Final[dict[int, Name]] = {
    9: Name("上传消控主机解析卡打印机信息", "parser card printer line (Four-Faith)"),
    10: Name("上传消控主机解析卡CRT信息", "parser card CRT line (Four-Faith)"),
    128: Name("修改部件模拟量", "change component analog setting (Four-Faith)"),
    129: Name("下发远程控制", "remote control (Four-Faith)"),
    130: Name(
        "上传建筑消防设施系统状态（含通道）", "channel system status (Four-Faith)"
    ),
    131: Name(
        "上传建筑消防设施部件运行状态（含通道）",
        "channel component status (Four-Faith)",
    ),
    132: Name(
        "上传建筑消防设施部件模拟量值（含通道）", "channel analog value (Four-Faith)"
    ),
    133: Name("远程应答", "remote control answer (Four-Faith)"),
    134: Name("升级", "firmware upgrade (Four-Faith)"),
    135: Name("升级", "firmware upgrade (Four-Faith)"),
    136: Name("升级", "firmware upgrade (Four-Faith)"),
    137: Name("升级", "firmware upgrade (Four-Faith)"),
    138: Name("电能", "electric energy (Four-Faith)"),
    139: Name("断路器", "circuit breaker (Four-Faith)"),
    140: Name("多通道", "multi-channel states and values (Four-Faith)"),
    141: Name("透传", "parser card pass-through (Four-Faith)"),
    142: Name("状态+模拟量", "device states and values (Four-Faith)"),
}

# Private types of main-version-1 senders, named from integrator notes (low
# confidence); their objects are kept as raw bytes.
VENDOR_APP_TYPES: Final[dict[int, Name]] = {
    135: Name("部件恢复", "component restored (Haiwan)"),
    150: Name("开关量输入", "switch input (Fubei)"),
    200: Name("用户信息传输装置与监控中心线路故障", "centre line fault (Haiwan)"),
    201: Name("用户信息传输装置与监控中心线路恢复", "centre line restored (Haiwan)"),
    204: Name("火警类型", "fire alarm classification (Haiwan)"),
    205: Name("联动状态", "linkage state (Haiwan)"),
    206: Name("其他运行状态", "other run states (Haiwan)"),
}

UPLOAD_APP_TYPES: Final = frozenset({1, 2, 3, 4, 5, 6, 7, 8, 21, 24, 25, 26, 28})
DOWNLINK_APP_TYPES: Final = frozenset(
    {61, 62, 63, 64, 65, 66, 67, 68, 81, 84, 85, 86, 88, 89, 90, 91}
)


def app_type_name(app_type: int, *, version_main: int = 1) -> Name:
    """Name a type flag as read in a frame of the given main version."""
    if version_main == FOUR_FAITH_MAIN_VERSION and app_type in FOUR_FAITH_APP_TYPES:
        return FOUR_FAITH_APP_TYPES[app_type]
    if app_type in APP_TYPES:
        return APP_TYPES[app_type]
    if version_main != FOUR_FAITH_MAIN_VERSION and app_type in VENDOR_APP_TYPES:
        return VENDOR_APP_TYPES[app_type]
    if 128 <= app_type <= 254:
        return Name("用户自定义", "user-defined")
    return Name("预留", "reserved")


# Table 4: system types; 128..137 are Four-Faith additions.
SYSTEM_TYPES: Final[dict[int, str]] = {
    0: "通用",
    1: "火灾报警系统",
    10: "消防联动控制器",
    11: "消火栓系统",
    12: "自动喷水灭火系统",
    13: "气体灭火系统",
    14: "水喷雾灭火系统(泵启动方式)",
    15: "水喷雾灭火系统(压力容器启动方式)",
    16: "泡沫灭火系统",
    17: "干粉灭火系统",
    18: "防烟排烟系统",
    19: "防火门及卷帘系统",
    20: "消防电梯",
    21: "消防应急广播",
    22: "消防应急照明和疏散指示系统",
    23: "消防电源",
    24: "消防电话",
}
FOUR_FAITH_SYSTEM_TYPES: Final[dict[int, str]] = {
    128: "独立部件系统",
    129: "电气火灾系统",
    130: "LoRa网关",
    131: "消防管道压力系统",
    132: "消防水池液位系统",
    133: "市政消火栓监测",
    134: "消防水箱液位系统",
    135: "烟感系统",
    136: "协议解析卡",
    137: "DTU",
}

# Table 5: component types; the standard does not drive alarm meaning from
# these (Haiwan reports fire on type 17), only the status bits do.
COMPONENT_TYPES: Final[dict[int, str]] = {
    0: "通用",
    1: "火灾报警控制器",
    10: "可燃气体探测器",
    11: "点型可燃气体探测器",
    12: "独立式可燃气体探测器",
    13: "线型可燃气体探测器",
    16: "电气火灾监控报警器",
    17: "剩余电流式电气火灾监控探测器",
    18: "测温式电气火灾监控探测器",
    21: "探测回路",
    22: "火灾显示盘",
    23: "手动火灾报警按钮",
    24: "消火栓按钮",
    25: "火灾探测器",
    30: "感温火灾探测器",
    31: "点型感温火灾探测器",
    32: "点型感温火灾探测器(S型)",
    33: "点型感温火灾探测器(R型)",
    34: "线型感温火灾探测器",
    35: "线型感温火灾探测器(S型)",
    36: "线型感温火灾探测器(R型)",
    37: "光纤感温火灾探测器",
    40: "感烟火灾探测器",
    41: "点型离子感烟火灾探测器",
    42: "点型光电感烟火灾探测器",
    43: "线型光束感烟火灾探测器",
    44: "吸气式感烟火灾探测器",
    50: "复合式火灾探测器",
    51: "复合式感烟感温火灾探测器",
    52: "复合式感光感温火灾探测器",
    53: "复合式感光感烟火灾探测器",
    61: "紫外火焰探测器",
    62: "红外火焰探测器",
    69: "感光火灾探测器",
    74: "气体探测器",
    78: "图像摄像方式火灾探测器",
    79: "感声火灾探测器",
    81: "气体灭火控制器",
    82: "消防电气控制装置",
    83: "消防控制室图形显示装置",
    84: "模块",
    85: "输入模块",
    86: "输出模块",
    87: "输入/输出模块",
    88: "中继模块",
    91: "消防水泵",
    92: "消防水箱",
    95: "喷淋泵",
    96: "水流指示器",
    97: "信号阀",
    98: "报警阀",
    99: "压力开关",
    101: "阀驱动装置",
    102: "防火门",
    103: "防火阀",
    104: "通风空调",
    105: "泡沫液泵",
    106: "管网电磁阀",
    111: "防烟排烟风机",
    113: "排烟防火阀",
    114: "常闭送风口",
    115: "排烟口",
    116: "电控挡烟垂壁",
    117: "防火卷帘控制器",
    118: "防火门监控器",
    121: "警报装置",
}
FOUR_FAITH_COMPONENT_TYPES: Final[dict[int, str]] = {
    19: "电气火灾监控报警器(2相)",
    80: "声光报警器",
    128: "消防水压",
    129: "消防液位",
    130: "消火栓智能闷盖",
    131: "解析卡",
    132: "LORA+路由",
    133: "用户信息传输装置",
}


def _table_name(code: int, table: dict[int, str], extra: dict[int, str]) -> str:
    if code in extra:
        return extra[code]
    if code in table:
        return table[code]
    return "用户自定义" if code >= 128 else "预留"


def system_type_name(code: int, *, version_main: int = 1) -> str:
    """Name a system type (table 4), with Four-Faith codes in version 2 frames."""
    extra = FOUR_FAITH_SYSTEM_TYPES if version_main == FOUR_FAITH_MAIN_VERSION else {}
    return _table_name(code, SYSTEM_TYPES, extra)


def component_type_name(code: int, *, version_main: int = 1) -> str:
    """Name a component type (table 5), with Four-Faith codes in version 2 frames."""
    extra = (
        FOUR_FAITH_COMPONENT_TYPES if version_main == FOUR_FAITH_MAIN_VERSION else {}
    )
    return _table_name(code, COMPONENT_TYPES, extra)


@dataclass(frozen=True)
class AnalogKind:
    """One analog type: its name, the unit and step of the raw value, and the
    canonical quantity the platform stores (name and factor from the raw value).
    """

    zh: str
    unit: str
    resolution: Decimal
    fact_name: str
    fact_factor: Decimal


def _analog(zh: str, unit: str, step: str, fact: str, factor: str) -> AnalogKind:
    return AnalogKind(zh, unit, Decimal(step), fact, Decimal(factor))


# Table 6: analog types; value = int16 raw × resolution. Type 5 is kPa, stored
# as MPa like type 4 so one threshold serves both.
ANALOG_TYPES: Final[dict[int, AnalogKind]] = {
    1: _analog("事件计数", "件", "1", "event_count", "1"),
    2: _analog("高度", "m", "0.01", "level_m", "0.01"),
    3: _analog("温度", "°C", "0.1", "temperature_c", "0.1"),
    4: _analog("压力", "MPa", "0.1", "pressure_mpa", "0.1"),
    5: _analog("压力", "kPa", "0.1", "pressure_mpa", "0.0001"),
    6: _analog("气体浓度", "%LEL", "0.1", "gas_lel_percent", "0.1"),
    7: _analog("时间", "s", "1", "time_s", "1"),
    8: _analog("电压", "V", "0.1", "voltage_v", "0.1"),
    9: _analog("电流", "A", "0.1", "current_a", "0.1"),
    10: _analog("流量", "L/s", "0.1", "flow_l_s", "0.1"),
    11: _analog("风量", "m³/min", "0.1", "air_volume_m3_min", "0.1"),
    12: _analog("风速", "m/s", "1", "wind_speed_m_s", "1"),
}


def _four_faith_analog_types() -> dict[int, AnalogKind]:
    kinds = {
        128: _analog("信号强度", "dBm", "1", "signal_dbm", "1"),
        129: _analog("电量", "mAh", "1", "battery_mah", "1"),
        136: _analog("电池电压", "mV", "1", "battery_mv", "1"),
        # The extension gives the liquid level in cm; the platform keeps metres.
        154: _analog("液位", "cm", "1", "level_m", "0.01"),
    }
    # Residual current i1..i8 and temperature T1..T8 of multi-channel electrical
    # fire detectors: channel 1 keeps the plain name, the others carry their
    # channel number so they do not overwrite each other at one point.
    for channel, code in enumerate((130, 131, 132, 133, 137, 138, 139, 140), 1):
        name = (
            "residual_current_ma" if channel == 1 else f"residual_current_{channel}_ma"
        )
        kinds[code] = _analog(f"剩余电流i{channel}", "mA", "1", name, "1")
    for channel, code in enumerate((134, 141, 142, 143, 144, 145, 146, 147), 1):
        name = "temperature_c" if channel == 1 else f"temperature_{channel}_c"
        kinds[code] = _analog(f"温度T{channel}", "°C", "0.1", name, "0.1")
    for phase, code in zip("abc", (148, 149, 150), strict=True):
        kinds[code] = _analog(
            f"U{phase}电压", "V", "0.1", f"phase_{phase}_voltage_v", "0.1"
        )
    for phase, code in zip("abc", (151, 152, 153), strict=True):
        kinds[code] = _analog(
            f"I{phase}电流", "10 mA", "1", f"phase_{phase}_current_a", "0.01"
        )
    return kinds


FOUR_FAITH_ANALOG_TYPES: Final[dict[int, AnalogKind]] = _four_faith_analog_types()


def analog_kind(code: int, *, version_main: int = 1) -> AnalogKind | None:
    """Return what an analog type measures, or None when the code is not known."""
    if version_main == FOUR_FAITH_MAIN_VERSION and code in FOUR_FAITH_ANALOG_TYPES:
        return FOUR_FAITH_ANALOG_TYPES[code]
    return ANALOG_TYPES.get(code)


# State names shared by the codec, the rules, the API and the screens (DESIGN).
FIRE_ALARM: Final = "fire_alarm"
FAULT: Final = "fault"
SHIELDED: Final = "shielded"
SUPERVISORY: Final = "supervisory"
STARTED: Final = "started"
FEEDBACK: Final = "feedback"
DELAYED: Final = "delayed"
MAIN_POWER_FAULT: Final = "main_power_fault"
BACKUP_POWER_FAULT: Final = "backup_power_fault"
BUS_FAULT: Final = "bus_fault"
MANUAL_MODE: Final = "manual_mode"
CONFIG_CHANGED: Final = "config_changed"
RESET: Final = "reset"
CHANNEL_FAULT: Final = "channel_fault"
LINE_FAULT: Final = "line_fault"
TEST_MODE: Final = "test_mode"
OFFLINE: Final = "offline"

STATE_NAMES: Final = (
    FIRE_ALARM,
    FAULT,
    SHIELDED,
    SUPERVISORY,
    STARTED,
    FEEDBACK,
    DELAYED,
    MAIN_POWER_FAULT,
    BACKUP_POWER_FAULT,
    BUS_FAULT,
    MANUAL_MODE,
    CONFIG_CHANGED,
    RESET,
    CHANNEL_FAULT,
    LINE_FAULT,
    TEST_MODE,
    OFFLINE,
)

# Fig. 6: system status, 2 bytes. Bit 0 = 0 means test state; real devices
# disagree on bit 0 (Haiwan sets it, the widely copied sample does not), so
# test_mode is a hint and never suppresses an alarm.
SYSTEM_STATUS_BITS: Final[dict[int, str]] = {
    1: FIRE_ALARM,
    2: FAULT,
    3: SHIELDED,
    4: SUPERVISORY,
    5: STARTED,
    6: FEEDBACK,
    7: DELAYED,
    8: MAIN_POWER_FAULT,
    9: BACKUP_POWER_FAULT,
    10: BUS_FAULT,
    11: MANUAL_MODE,
    12: CONFIG_CHANGED,
    13: RESET,
}
# Fig. 7: component status, 2 bytes; bit 8 is "电源故障" (power fault).
COMPONENT_STATUS_BITS: Final[dict[int, str]] = {
    1: FIRE_ALARM,
    2: FAULT,
    3: SHIELDED,
    4: SUPERVISORY,
    5: STARTED,
    6: FEEDBACK,
    7: DELAYED,
    8: MAIN_POWER_FAULT,
}
# Fig. 13: transmission device status, 1 byte.
DEVICE_STATUS_BITS: Final[dict[int, str]] = {
    1: FIRE_ALARM,
    2: FAULT,
    3: MAIN_POWER_FAULT,
    4: BACKUP_POWER_FAULT,
    5: CHANNEL_FAULT,
    6: LINE_FAULT,
}

# Four-Faith extension: component types whose status bits mean something else
# than fig. 7. Reading them with fig. 7 would turn "pressure above the upper
# limit" (bit 1) into a fire alarm, so these conditions keep their own names.
FOUR_FAITH_COMPONENT_STATUS_BITS: Final[dict[int, dict[int, str]]] = {
    # 消防水压 / 消防液位: bit 0 below the lower limit, bit 1 above the upper.
    128: {0: "below_low_limit", 1: "above_high_limit", 7: "battery_low"},
    129: {0: "below_low_limit", 1: "above_high_limit", 7: "battery_low"},
    # 烟感: bit 1 smoke, bit 2 fault, bit 4 tamper, bit 8 low voltage.
    40: {1: FIRE_ALARM, 2: FAULT, 4: "tamper", 8: "battery_low"},
    # 防火门: bit 0 open, bit 1 abnormal, bit 7 battery (bit 15 is the door kind).
    102: {0: "door_open", 1: "door_abnormal", 7: "battery_low"},
    # 消火栓闷盖: cap open, 60 mm outlet flow, 100 mm outlet change, twisting.
    130: {
        0: "cap_open",
        1: "water_flow_60mm",
        2: "outlet_change_100mm",
        3: "twisting",
        7: "battery_low",
    },
}


def status_states(
    status: int, bits: dict[int, str], *, test_bit: bool
) -> frozenset[str]:
    """Return the names of the conditions a status word sets."""
    states = {name for bit, name in bits.items() if status >> bit & 1}
    if test_bit and not status & 1:
        states.add(TEST_MODE)
    return frozenset(states)


def defined_states(bits: dict[int, str], *, test_bit: bool) -> tuple[str, ...]:
    """Return every condition a status word can report, in bit order."""
    names = tuple(dict.fromkeys(bits[bit] for bit in sorted(bits)))
    return (TEST_MODE, *names) if test_bit else names


# Fig. 9 and fig. 14: operation flags, 1 = performed. Bit 5 differs: "确认"
# (acknowledged) for the facility, "查岗应答" (duty check answer) for the device.
FACILITY_OPERATION_BITS: Final[dict[int, str]] = {
    0: "op_reset",
    1: "op_silence",
    2: "op_manual_alarm",
    3: "op_alarm_cleared",
    4: "op_self_test",
    5: "op_acknowledged",
    6: "op_test",
}
DEVICE_OPERATION_BITS: Final[dict[int, str]] = {
    **FACILITY_OPERATION_BITS,
    5: "duty_check_answer",
}

# Four-Faith type 9: the parser card's alarm type byte.
PRINTER_ALARM_BITS: Final[dict[int, str]] = {1: FIRE_ALARM, 2: FAULT, 3: "op_other"}

# Four-Faith §12 heartbeat: communication module byte.
COMM_MODULES: Final[dict[int, str]] = {
    0: "以太网",
    1: "NB网络",
    2: "LoRa模块",
    3: "LoRaWAN模块",
    4: "GPRS模块(解析卡)",
}
