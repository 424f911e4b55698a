"""The protocols package stands alone: importing it loads no Django."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_codec_loads_no_django():
    code = (
        "import sys, offsite.protocols.gb26875; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
