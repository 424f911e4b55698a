"""The confirmation of electronic service (电子送达确认书) a unit user is shown.

行政处罚法 Art. 61 allows service by e-mail and similar means only when the
party agrees and signs a confirmation; LM-5 makes the first sign-in the place
to offer it. A change of wording gets a new version, and each answer keeps
the text it answered.
"""

from __future__ import annotations

CONSENT_TEXT_VERSION = "2026-1"

CONSENT_TEXT = """\
电子送达确认书

本单位同意消防救援机构通过非现场监管平台向本单位电子送达法律文书及通知，\
包括即时提示、警示、责令限期改正通知书、复核答复等。送达渠道为：平台站内信箱，\
以及本单位在平台登记或在企业登记注册平台备案的电子邮箱、手机短信和即时通讯地址。

平台显示的发送日期为送达日期；本单位能够证明到达本单位特定系统的日期与平台显示\
日期不一致的，以证明的到达日期为准（《民事诉讼法》第九十条）。

本单位确认上述送达地址真实有效，地址变更时及时在平台更新；因地址错误或未及时\
更新导致文书未能实际接收的，不影响送达效力。本单位可随时撤回本确认，撤回前已\
发出的文书不受影响。
"""
