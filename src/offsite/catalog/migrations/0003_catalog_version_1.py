"""Load version 1 of the supervision item list and the legal periods.

One scenario for each matter of LM-13 and IM-12, with its rules and the
numbers they apply. Every number names its source and a confidence tag:
[C] confirmed, [C-3p] confirmed from a third-party copy, [R] recalled, [I]
inferred. Numbers no regulation sets are marked as local policy defaults
and apply from 2026-01-01. The data is written out here rather than
imported, so the migration keeps loading the same rows whatever the app
code becomes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import migrations

POLICY_FROM = date(2026, 1, 1)
# 2026-01-01 00:00 Beijing time.
PUBLISHED_AT = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
SYSTEM = "消防非现场监管信息系统"
FORMATS_DEVICE = (
    "GB/T 26875.3-2011 用户信息传输装置通信协议；"
    "MQTT JSON（offsite/v1/<provider>/<device>/<stream>）；HTTP API JSON（/api/v1/）"
)
FORMATS_API = "HTTP API JSON（/api/v1/，开放数据接口，IM-4）"
LM13_FIRST = "《消防非现场监管与行政执法衔接工作办法》第十三条第一款"
LM13_SECOND = "《消防非现场监管与行政执法衔接工作办法》第十三条第二款"
# LM-13 names no number of days for the rectification period; the rule it
# follows is 消防监督检查规定 Art. 20: the period fits how hard the fix is.
PERIOD_BY_DIFFICULTY = (
    "本地政策默认值：衔接工作办法第十三条未规定期限天数；"
    "依《消防监督检查规定》第二十条按改正违法行为的难易程度确定，"
)


def _threshold(
    parameter: str,
    value: str,
    unit: str,
    source: str,
    confidence: str,
    effective_from: date = POLICY_FROM,
    *,
    policy: bool = False,
) -> dict:
    return {
        "parameter": parameter,
        "value": Decimal(value),
        "unit": unit,
        "source": source,
        "confidence": confidence,
        "is_local_policy_default": policy,
        "effective_from": effective_from,
    }


def _policy(parameter: str, value: str, unit: str, source: str) -> dict:
    return _threshold(parameter, value, unit, source, "[I]", policy=True)


def _rule(
    code: str,
    kind: str,
    observation_name: str,
    description: str,
    basis: str = "",
    *,
    breach_when: str = "true",
    thresholds: tuple[dict, ...] = (),
) -> dict:
    return {
        "code": code,
        "kind": kind,
        "observation_name": observation_name,
        "breach_when": breach_when,
        "basis": basis,
        "description": description,
        "thresholds": thresholds,
    }


def _evaluation(
    code: str, name: str, name_en: str, data_types: str, data_sources: str
) -> dict:
    # IM-12: evaluation information is no legal duty and is never sent to the
    # unit; it feeds the risk + credit grading (IM-10). It has no rules: the
    # grading reads the observations named in data_types.
    return {
        "code": code,
        "name": name,
        "name_en": name_en,
        "grade": "evaluation",
        "family": "evaluation",
        "procedure": "none",
        "requires_confirmation": False,
        "urgent": False,
        "period": None,
        "legal_basis": (
            "《北京市消防非现场监管实施办法》第十二条（评价信息）、"
            "第九条（“风险+信用”分级评估）"
        ),
        "data_types": data_types,
        "data_formats": FORMATS_API,
        "data_sources": data_sources,
        "method": "分析评估：作为“风险+信用”分级评估的指标数据，不向单位发送",
        "description": "不属于单位法定职责，但对消防风险和管理水平有实质影响。",
        "rules": (),
    }


SCENARIOS = (
    {
        "code": "fire_alarm",
        "name": "火灾报警",
        "name_en": "Fire alarm",
        "grade": "warning",
        "family": "warning",
        "procedure": "immediate_prompt",
        # LM-12 ¶2: a result that must be handled at once is prompted by the
        # system itself; the device decides, no person confirms first.
        "requires_confirmation": False,
        "urgent": True,
        "period": (
            1,
            "hours",
            "本地政策默认值：接到火灾报警后应立即以最快方式确认并处置"
            "（GB 25506-2010 4.2），衔接工作办法未规定期限",
            True,
        ),
        "legal_basis": (
            "《中华人民共和国消防法》第十六条第一款第（二）项；"
            "GB 25506-2010《消防控制室通用技术要求》4.2（接到火灾报警后以最快方式"
            "确认，确认后立即报警“119”）；"
            "《消防非现场监管与行政执法衔接工作办法》第十二条第二款"
        ),
        "data_types": "火灾报警信号：报警部位（系统、部件、地址）、报警时间",
        "data_formats": FORMATS_DEVICE,
        "data_sources": "用户信息传输装置、火灾报警控制器（实时监控设施）",
        "method": "监测预警：实时监测，系统自动判定，立即提示单位及有关人员",
        "description": "任一点位火灾报警，系统立即提示单位确认处置，不进入审核队列。",
        "rules": (
            _rule(
                "fire_alarm",
                "state",
                "fire_alarm",
                "火灾报警控制器任一点位报警",
                "GB 25506-2010 4.2",
            ),
        ),
    },
    {
        "code": "facility_status",
        "name": "消防设施运行状态",
        "name_en": "Operating status of fire facilities",
        "grade": "warning",
        "family": "warning",
        "procedure": "warning",
        "requires_confirmation": False,
        "urgent": False,
        "period": (
            3,
            "working_days",
            PERIOD_BY_DIFFICULTY + "设施故障维修取3个工作日",
            True,
        ),
        "legal_basis": (
            "《中华人民共和国消防法》第十六条第一款第（二）项、第六十条第一款"
            "第（一）项和第（二）项；GB 25506-2010 4.2（不得将应处于自动状态的设在"
            "手动状态）；GB 35181-2017 7.7.2（火灾自动报警系统处于故障状态，不能"
            "恢复正常运行）；" + LM13_SECOND
        ),
        "data_types": (
            "火灾报警控制器及联动设备的故障、屏蔽、主电/备电故障、总线故障、"
            "手动/自动状态；用户信息传输装置在线状态与心跳"
        ),
        "data_formats": FORMATS_DEVICE,
        "data_sources": "用户信息传输装置、火灾报警控制器、消防联动控制器、物联网感知设备",
        "method": "监测预警：实时监测与无数据判定，系统自动判定",
        "description": "设施运行状态异常，发送预警提示；限期内恢复正常的事件终结。",
        "rules": (
            _rule(
                "fault_unrestored",
                "state_held",
                "fault",
                "点位故障持续24小时未恢复",
                "GB 35181-2017 7.7.2",
                thresholds=(
                    _policy(
                        "hold_minutes",
                        "1440",
                        "min",
                        "本地政策默认值：GB 35181-2017 7.7.2 以故障“不能恢复正常运行”"
                        "为判定要素，未给出时长；待 GB 35181-2025 附录A 核实",
                    ),
                ),
            ),
            _rule(
                "fault_repeated",
                "count_in_window",
                "fault",
                "同一点位24小时内故障超过5次（反复故障，24小时规则捕捉不到）",
                thresholds=(
                    _policy(
                        "window_minutes",
                        "1440",
                        "min",
                        "本地政策默认值：以自然日为统计窗口",
                    ),
                    _policy(
                        "max_count",
                        "5",
                        "count",
                        "本地政策默认值：反复故障视为设备故障迹象，不得以屏蔽代替维修",
                    ),
                ),
            ),
            _rule(
                "main_power_fault",
                "state",
                "main_power_fault",
                "主电源故障",
                "GB 25506-2010 4.2（设备处于正常工作状态）",
            ),
            _rule(
                "backup_power_fault",
                "state",
                "backup_power_fault",
                "备用电源故障",
                "GB 25506-2010 4.2（设备处于正常工作状态）",
            ),
            _rule(
                "bus_fault",
                "state",
                "bus_fault",
                "总线故障",
                "GB 25506-2010 4.2（设备处于正常工作状态）",
            ),
            _rule(
                "manual_mode",
                "state",
                "manual_mode",
                "应处于自动状态的控制器或控制柜处于手动状态",
                "GB 25506-2010 4.2：不得将应处于自动状态的设在手动状态",
            ),
            _rule(
                "shielded_ratio",
                "ratio",
                "shielded",
                "同一设备被屏蔽点位占比超过5%",
                thresholds=(
                    _policy(
                        "max_ratio_percent",
                        "5",
                        "%",
                        "本地政策默认值：标准未规定屏蔽比例；待 GB 35181-2025 附录A"
                        "（系统不能正常运行的判定）核实",
                    ),
                ),
            ),
            _rule(
                "transmission_silent",
                "silence",
                "*",
                "用户信息传输装置30分钟无任何数据（离线）",
                thresholds=(
                    _policy(
                        "silence_minutes",
                        "30",
                        "min",
                        "本地政策默认值；GB 50440-2007 监控中心对联网用户巡检间隔"
                        "不大于2小时 [R]；GB 26875.1-2011 4.1.2.1 状态信息10秒内传输",
                    ),
                ),
            ),
            _rule(
                "device_offline",
                "state",
                "offline",
                "设备报告离线",
                "GB 26875.1-2011 4.1.2.1",
            ),
        ),
    },
    {
        "code": "water_supply",
        "name": "消防给水（水压、水位）",
        "name_en": "Fire water supply (pressure and level)",
        "grade": "warning",
        "family": "warning",
        "procedure": "warning",
        "requires_confirmation": False,
        "urgent": False,
        "period": (
            3,
            "working_days",
            PERIOD_BY_DIFFICULTY + "给水设施维修取3个工作日",
            True,
        ),
        "legal_basis": (
            "《中华人民共和国消防法》第十六条第一款第（二）项、第六十条第一款"
            "第（一）项；GB 55036-2022《消防设施通用规范》4.0.5；GB 50084-2017"
            "《自动喷水灭火系统设计规范》；GB 50974-2014《消防给水及消火栓系统技术"
            "规范》5.2.2；" + LM13_SECOND
        ),
        "data_types": "喷淋末端及管网压力（MPa）、消防水池/水箱水位（m）",
        "data_formats": FORMATS_DEVICE,
        "data_sources": "水压、水位物联网感知设备（“三水一火”感知，京消函〔2024〕23号）",
        "method": "监测预警：实时监测，系统自动判定",
        "description": "水压、水位超出正常区间，发送预警提示；限期内恢复正常的事件终结。",
        "rules": (
            _rule(
                "sprinkler_pressure",
                "numeric_range",
                "pressure_mpa",
                "喷淋最不利点压力低于0.05 MPa持续10分钟，或管网压力高于1.2 MPa",
                "GB 55036-2022 4.0.5；GB 50084-2017",
                thresholds=(
                    _threshold(
                        "min",
                        "0.05",
                        "MPa",
                        "GB 55036-2022《消防设施通用规范》4.0.5：自动喷水灭火系统最不利点"
                        "处喷头的工作压力不应小于0.05 MPa（2023-03-01施行）",
                        "[C]",
                        date(2023, 3, 1),
                    ),
                    _threshold(
                        "max",
                        "1.2",
                        "MPa",
                        "GB 50084-2017《自动喷水灭火系统设计规范》：配水管道工作压力"
                        "不应大于1.20 MPa（2018-01-01施行）",
                        "[R]",
                        date(2018, 1, 1),
                    ),
                    _policy(
                        "hold_minutes",
                        "10",
                        "min",
                        "本地政策默认值：短于10分钟的压力波动（如试水）不予预警",
                    ),
                ),
            ),
            _rule(
                "tank_level",
                "numeric_range",
                "level_m",
                "消防水池/水箱水位低于0.5 m持续10分钟",
                "GB 50974-2014 5.2.1（水箱有效容积）",
                thresholds=(
                    _policy(
                        "min",
                        "0.5",
                        "m",
                        "本地政策默认值：标准以有效容积规定，各水箱高度不同；登记水箱"
                        "尺寸后应按有效水位逐一设定",
                    ),
                    _policy(
                        "hold_minutes",
                        "10",
                        "min",
                        "本地政策默认值：短于10分钟的水位波动（如水泵试运行）不予预警",
                    ),
                ),
            ),
        ),
    },
    {
        "code": "control_room_duty",
        "name": "消防控制室值班",
        "name_en": "Fire control room duty",
        "grade": "disposal",
        "family": "clue_on_warning",
        "procedure": "warning",
        # The warning itself forms a case clue (LM-13 ¶1), and an unanswered
        # check may be a transmission fault (LM-17), so a person confirms.
        "requires_confirmation": True,
        "urgent": False,
        "period": None,
        "legal_basis": (
            "GB 25506-2010 4.2（24小时值班，每班不少于2人，持证上岗）；"
            "《北京市消防条例》（2011）第十二条第（八）项、第八十条第一款；"
            "《北京市消防条例》（2025年修订，2025-05-01施行）：消防控制室24小时值班、"
            "每班不少于2人；《高层民用建筑消防安全管理规定》第二十六条；" + LM13_FIRST
        ),
        "data_types": "远程查岗应答（查岗时间、应答时间）、当班持证值班人数",
        "data_formats": FORMATS_DEVICE,
        "data_sources": "消防控制室图形显示装置、用户信息传输装置（查岗应答）；单位报送的值班排班",
        "method": "非现场检查：远程随机查岗与值班数据比对，系统判定，调度中心确认",
        "description": "发送预警提示后即形成案件线索，立案后三个工作日内现场调查取证。",
        "rules": (
            _rule(
                "duty_check_unanswered",
                "silence",
                "duty_check_answer",
                "查岗后10分钟内无应答（自查岗指令发出时起算）",
                "GB 25506-2010 4.2；《北京市消防条例》（2011）第十二条第（八）项",
                thresholds=(
                    _policy(
                        "silence_minutes",
                        "10",
                        "min",
                        "本地政策默认值：标准未规定查岗应答时限；北京已有以“超时应答”"
                        "查处的案例",
                    ),
                ),
            ),
            _rule(
                "staff_on_duty",
                "numeric_range",
                "control_room_staff_on_duty",
                "当班持证值班人员少于2人",
                "GB 25506-2010 4.2；《北京市消防条例》（2025年修订）",
                thresholds=(
                    _threshold(
                        "min",
                        "2",
                        "persons",
                        "GB 25506-2010《消防控制室通用技术要求》4.2：每班不少于2人"
                        "（2011-07-01施行）；《北京市消防条例》（2025年修订）同",
                        "[C]",
                        date(2011, 7, 1),
                    ),
                ),
            ),
        ),
    },
    {
        "code": "hot_work",
        "name": "施工动火",
        "name_en": "Hot work on construction",
        "grade": "disposal",
        "family": "clue_on_warning",
        "procedure": "warning",
        "requires_confirmation": True,
        "urgent": False,
        "period": None,
        "legal_basis": (
            "《中华人民共和国消防法》第二十一条第一款（明火作业应当事先办理审批"
            "手续）、第六十三条第（二）项；" + LM13_FIRST
        ),
        "data_types": "动火作业识别结果（时间、位置、影像）、动火审批记录",
        "data_formats": FORMATS_API,
        "data_sources": "视频智能识别、单位报送的动火审批信息",
        "method": "非现场检查：视频AI识别与审批数据比对，调度中心人工确认有效性",
        "description": "发送预警提示后即形成案件线索，立案后三个工作日内现场调查取证。",
        "rules": (
            _rule(
                "hot_work_without_permit",
                "state",
                "hot_work_without_permit",
                "未经审批进行动火作业",
                "《中华人民共和国消防法》第二十一条第一款",
            ),
        ),
    },
    {
        "code": "maintenance",
        "name": "设施维保检测",
        "name_en": "Maintenance and testing by service providers",
        "grade": "disposal",
        "family": "clue_on_warning",
        "procedure": "warning",
        "requires_confirmation": True,
        "urgent": False,
        "period": None,
        "legal_basis": (
            "《中华人民共和国消防法》第十六条第一款第（三）项（对建筑消防设施每年"
            "至少进行一次全面检测）、第六十九条；应急管理部令第7号《社会消防技术"
            "服务管理规定》；" + LM13_FIRST
        ),
        "data_types": "维保检测记录（项目、日期、服务机构、人员）",
        "data_formats": FORMATS_API,
        "data_sources": "技术服务机构在规定信息系统记录的维保检测信息",
        "method": "数据筛查比对：一年内无全面检测记录即判定，调度中心确认",
        "description": (
            "发送预警提示后即形成案件线索。大型商业综合体每月单项检查的要求"
            "（北京市2024年修订草案）尚未作为规则，因规则暂不能按单位类别区分。"
        ),
        "rules": (
            _rule(
                "annual_inspection_missing",
                "silence",
                "maintenance_record",
                "一年内无全面检测记录",
                "《中华人民共和国消防法》第十六条第一款第（三）项",
                thresholds=(
                    _threshold(
                        "silence_minutes",
                        "525600",
                        "min",
                        "《中华人民共和国消防法》第十六条第一款第（三）项：每年至少"
                        "进行一次全面检测（365日；现行文本2021-04-29施行）",
                        "[C]",
                        date(2021, 4, 29),
                    ),
                ),
            ),
        ),
    },
    {
        "code": "qualification",
        "name": "从业资格",
        "name_en": "Professional qualification",
        "grade": "disposal",
        "family": "clue_on_warning",
        "procedure": "warning",
        "requires_confirmation": True,
        "urgent": False,
        "period": None,
        "legal_basis": (
            "《中华人民共和国消防法》第二十一条第二款（自动消防系统的操作人员必须"
            "持证上岗）；GB 25506-2010 4.2；《消防监督检查规定》第十条第一款"
            "第（七）项；" + LM13_FIRST
        ),
        "data_types": "消防设施操作员证书（编号、等级、有效期）与在岗人员",
        "data_formats": FORMATS_API,
        "data_sources": "职业资格共享数据、单位报送的人员信息",
        "method": "数据比对：证书无效或过期即判定，调度中心人工确认",
        "description": "发送预警提示后即形成案件线索，立案后三个工作日内现场调查取证。",
        "rules": (
            _rule(
                "operator_certificate_invalid",
                "registry_fact",
                "operator_certificate_valid",
                "在岗操作人员无有效证书",
                "《中华人民共和国消防法》第二十一条第二款",
                breach_when="false",
            ),
        ),
    },
    {
        "code": "fire_lane",
        "name": "消防车通道",
        "name_en": "Fire lanes",
        "grade": "warning",
        "family": "warning",
        "procedure": "warning",
        "requires_confirmation": True,
        "urgent": False,
        "period": (
            1,
            "days",
            PERIOD_BY_DIFFICULTY + "占用消防车通道应立即改正（第十九条），"
            "举报核查时限为24小时（第十八条），取1日",
            True,
        ),
        "legal_basis": (
            "《中华人民共和国消防法》第二十八条、第六十条第一款第（五）项；"
            + LM13_SECOND
            + "；第十六条（告知属地消防救援站修订灭火预案）"
        ),
        "data_types": "消防车通道识别结果（占用、堵塞、封闭；时间、位置、影像）",
        "data_formats": FORMATS_API,
        "data_sources": "视频智能识别、网上巡查、第三方公开数据",
        "method": "监测预警：视频AI识别，调度中心人工确认后发送预警提示",
        "description": "消防车通道被占用、堵塞或封闭；限期内恢复畅通的事件终结。",
        "rules": (
            _rule(
                "fire_lane_blocked",
                "state",
                "fire_lane_blocked",
                "消防车通道被占用、堵塞或封闭",
                "《中华人民共和国消防法》第二十八条、第六十条第一款第（五）项",
            ),
        ),
    },
    {
        "code": "self_inspection",
        "name": "防火自查",
        "name_en": "Fire-safety self-inspection",
        "grade": "warning",
        "family": "rectification_order",
        "procedure": "rectification_order",
        "requires_confirmation": False,
        "urgent": False,
        "period": (
            5,
            "working_days",
            PERIOD_BY_DIFFICULTY + "补做并记录防火检查取5个工作日",
            True,
        ),
        "legal_basis": (
            "《中华人民共和国消防法》第十六条第一款第（五）项、第六十七条；"
            "公安部令第61号《机关、团体、企业、事业单位消防安全管理规定》第二十五条、"
            "第二十六条；" + LM13_SECOND
        ),
        "data_types": "防火检查、防火巡查记录（日期、检查人员、发现问题及整改）",
        "data_formats": FORMATS_API,
        "data_sources": "单位在规定信息系统记录的防火检查信息",
        "method": "数据筛查：规定周期内无防火检查记录即判定，系统自动判定",
        "description": (
            "按“其他单位每月”设定；机关、团体、事业单位每季度一次的要求尚未区分，"
            "因规则暂不能按单位类别区分。"
        ),
        "rules": (
            _rule(
                "monthly_check_missing",
                "silence",
                "self_inspection_record",
                "31日内无防火检查记录",
                "公安部令第61号第二十六条",
                thresholds=(
                    _threshold(
                        "silence_minutes",
                        "44640",
                        "min",
                        "公安部令第61号第二十六条：其他单位应当至少每月进行一次防火检查"
                        "（每月按31日计；2002-05-01施行）",
                        "[C-3p]",
                        date(2002, 5, 1),
                    ),
                ),
            ),
        ),
    },
    {
        "code": "key_unit_file",
        "name": "重点单位档案",
        "name_en": "Key-unit fire-safety file",
        "grade": "warning",
        "family": "rectification_order",
        "procedure": "rectification_order",
        "requires_confirmation": True,
        "urgent": False,
        "period": (
            10,
            "working_days",
            PERIOD_BY_DIFFICULTY + "建立或补全消防档案取10个工作日",
            True,
        ),
        "legal_basis": (
            "《中华人民共和国消防法》第十七条第二款第（二）项（建立消防档案）、"
            "第六十七条；公安部令第61号第八章（消防档案）；" + LM13_SECOND
        ),
        "data_types": (
            "消防档案：消防安全基本情况与管理情况（法律文书、设施检测维保记录、"
            "隐患整改、巡查检查、培训演练等）"
        ),
        "data_formats": FORMATS_API,
        "data_sources": "单位报送的消防档案信息、政府部门共享数据",
        "method": "非现场检查：档案完整性比对，调度中心人工确认",
        "description": "重点单位消防档案缺失或不完整，发送责令限期改正通知。",
        "rules": (
            _rule(
                "file_incomplete",
                "registry_fact",
                "key_unit_file_complete",
                "消防档案缺失或不完整",
                "《中华人民共和国消防法》第十七条第二款第（二）项",
                breach_when="false",
            ),
        ),
    },
    {
        "code": "emergency_plan",
        "name": "预案制定及内容",
        "name_en": "Emergency plan and its content",
        "grade": "warning",
        "family": "rectification_order",
        "procedure": "rectification_order",
        "requires_confirmation": True,
        "urgent": False,
        "period": (
            10,
            "working_days",
            PERIOD_BY_DIFFICULTY + "制定或修订灭火和应急疏散预案取10个工作日",
            True,
        ),
        "legal_basis": (
            "《中华人民共和国消防法》第十六条第一款第（一）项（制定灭火和应急疏散"
            "预案）、第六十七条；《消防监督检查规定》第十条第一款第（三）项；"
            "公安部令第61号第七章（灭火、应急疏散预案和演练）；" + LM13_SECOND
        ),
        "data_types": "灭火和应急疏散预案（文本、修订日期、人员分工）",
        "data_formats": FORMATS_API,
        "data_sources": "单位报送的预案信息",
        "method": "非现场检查：预案备案与内容核对，调度中心人工确认",
        "description": "未制定预案或预案内容不全，发送责令限期改正通知。",
        "rules": (
            _rule(
                "plan_missing",
                "registry_fact",
                "emergency_plan_on_file",
                "无灭火和应急疏散预案备案",
                "《中华人民共和国消防法》第十六条第一款第（一）项",
                breach_when="false",
            ),
        ),
    },
    {
        "code": "duty_log",
        "name": "控制室值班记录",
        "name_en": "Control-room duty log",
        "grade": "warning",
        "family": "rectification_order",
        "procedure": "rectification_order",
        "requires_confirmation": False,
        "urgent": False,
        "period": (
            3,
            "working_days",
            PERIOD_BY_DIFFICULTY + "补全值班记录取3个工作日",
            True,
        ),
        "legal_basis": (
            "GB 25201-2010《建筑消防设施的维护管理》（消防控制室值班记录）；"
            "GB 25506-2010 4.2；" + LM13_SECOND
        ),
        "data_types": "《消防控制室值班记录表》：每2小时设备运行状态、交接班、报警与故障处理",
        "data_formats": FORMATS_API,
        "data_sources": "单位在规定信息系统记录的值班记录",
        "method": "数据筛查：一日内无值班记录即判定，系统自动判定",
        "description": "值班记录缺失，发送责令限期改正通知。",
        "rules": (
            _rule(
                "daily_log_missing",
                "silence",
                "duty_log_record",
                "一日内无值班记录",
                "GB 25201-2010（值班记录每2小时记录一次，每日检查）",
                thresholds=(
                    _threshold(
                        "silence_minutes",
                        "1440",
                        "min",
                        "GB 25201-2010《建筑消防设施的维护管理》：每2小时记录设备运行"
                        "状态，每日检查与交接班时填写值班记录（2011-03-01施行，日期据记忆）",
                        "[C-3p]",
                        date(2011, 3, 1),
                    ),
                ),
            ),
        ),
    },
    {
        "code": "emergency_standby",
        "name": "应急值守",
        "name_en": "Emergency standby",
        "grade": "warning",
        "family": "rectification_order",
        "procedure": "rectification_order",
        "requires_confirmation": False,
        "urgent": False,
        "period": (
            5,
            "working_days",
            PERIOD_BY_DIFFICULTY + "落实应急值守人员与力量取5个工作日",
            True,
        ),
        "legal_basis": (
            "《中华人民共和国消防法》第十六条第一款第（一）项、第（六）项；"
            + LM13_SECOND
        ),
        "data_types": "应急值守人员在岗与应急处置力量就绪状态",
        "data_formats": FORMATS_API,
        "data_sources": "单位报送的应急值守信息",
        "method": "数据筛查：值守未就绪即判定，系统自动判定",
        "description": "应急值守未落实，发送责令限期改正通知。",
        "rules": (
            _rule(
                "standby_not_ready",
                "registry_fact",
                "emergency_standby_ready",
                "应急值守未就绪",
                "《中华人民共和国消防法》第十六条第一款",
                breach_when="false",
            ),
        ),
    },
    _evaluation(
        "business_type",
        "经营业态",
        "Business type",
        "经营业态（文本，观测名 business_type）",
        "政府部门共享的登记信息、单位报送",
    ),
    _evaluation(
        "scale",
        "经营规模",
        "Scale",
        "建筑面积（m²，观测名 floor_area_m2）",
        "政府部门共享的登记信息、单位报送",
    ),
    _evaluation(
        "layout",
        "布局",
        "Layout",
        "平面布局是否变更（是/否，观测名 layout_changed）",
        "单位报送、政府部门共享数据",
    ),
    _evaluation(
        "professional_staff",
        "聘用专业人员",
        "Professional staff",
        "聘用注册消防工程师等专业人员人数（观测名 professional_staff_count）",
        "单位报送、职业资格共享数据",
    ),
)

LEGAL_PERIODS = (
    (
        "review_hours",
        "审核确认时限",
        24,
        "hours",
        "《消防非现场监管与行政执法衔接工作办法》第十二条第三款：监管调度中心应当在"
        "数据产生的24小时内审核确认（LM-12）",
    ),
    (
        "clue_assignment_hours",
        "线索分派时限",
        24,
        "hours",
        "《消防非现场监管与行政执法衔接工作办法》第十三条第三款：在案件线索信息产生的"
        "24小时内分派监管人员立案调查（LM-13）",
    ),
    (
        "investigation_working_days",
        "现场调查时限",
        3,
        "working_days",
        "《消防非现场监管与行政执法衔接工作办法》第十三条第一款：立案后三个工作日内"
        "开展现场调查取证（LM-13）",
    ),
    (
        "review_request_window_days",
        "复核申请期限",
        15,
        "days",
        "《消防非现场监管与行政执法衔接工作办法》第十四条第一款：收到预警提示信息或者"
        "责令改正通知十五日内可以申请复核（LM-14）",
    ),
    (
        "review_request_answer_working_days",
        "复核答复时限",
        3,
        "working_days",
        "《消防非现场监管与行政执法衔接工作办法》第十四条第二款：自收到申请后三个工作日"
        "内进行复核（LM-14）",
    ),
)


def load(apps, schema_editor) -> None:
    CatalogVersion = apps.get_model("catalog", "CatalogVersion")
    Scenario = apps.get_model("catalog", "Scenario")
    Rule = apps.get_model("catalog", "Rule")
    Threshold = apps.get_model("catalog", "Threshold")
    LegalPeriod = apps.get_model("catalog", "LegalPeriod")

    version = CatalogVersion.objects.create(
        number=1,
        note="首版非现场监管事项清单（LM-13、IM-12 各场景）",
        published_at=PUBLISHED_AT,
    )
    for data in SCENARIOS:
        period = data["period"]
        scenario = Scenario.objects.create(
            version=version,
            code=data["code"],
            name=data["name"],
            name_en=data["name_en"],
            grade=data["grade"],
            family=data["family"],
            procedure=data["procedure"],
            requires_confirmation=data["requires_confirmation"],
            urgent=data["urgent"],
            rectification_period_value=period[0] if period else None,
            rectification_period_unit=period[1] if period else "",
            rectification_period_source=period[2] if period else "",
            rectification_period_is_local_policy_default=(
                period[3] if period else False
            ),
            legal_basis=data["legal_basis"],
            data_types=data["data_types"],
            data_formats=data["data_formats"],
            data_sources=data["data_sources"],
            method=data["method"],
            supporting_system=SYSTEM,
            description=data["description"],
        )
        for rule_data in data["rules"]:
            rule = Rule.objects.create(
                scenario=scenario,
                code=rule_data["code"],
                kind=rule_data["kind"],
                observation_name=rule_data["observation_name"],
                breach_when=rule_data["breach_when"],
                basis=rule_data["basis"],
                description=rule_data["description"],
            )
            for threshold in rule_data["thresholds"]:
                Threshold.objects.create(rule=rule, **threshold)

    for code, name, value, unit, source in LEGAL_PERIODS:
        LegalPeriod.objects.create(
            code=code,
            name=name,
            value=value,
            unit=unit,
            source=source,
            is_local_policy_default=False,
            effective_from=POLICY_FROM,
        )


def unload(apps, schema_editor) -> None:
    CatalogVersion = apps.get_model("catalog", "CatalogVersion")
    Scenario = apps.get_model("catalog", "Scenario")
    LegalPeriod = apps.get_model("catalog", "LegalPeriod")

    Scenario.objects.filter(version__number=1).delete()
    CatalogVersion.objects.filter(number=1).delete()
    LegalPeriod.objects.filter(
        code__in=[row[0] for row in LEGAL_PERIODS], effective_from=POLICY_FROM
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_rule_breach_when_scenario_authority")]

    operations = [migrations.RunPython(load, unload)]
