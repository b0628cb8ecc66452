# repl-session-asyncio.py: typed at the prompt; docs/guides/repl.md
# SPDX-License-Identifier: LGPL-2.1-or-later
import time
import gi
gi.require_version('SmartAsync', '1')
from gi.repository import SmartAsync

@SmartAsync.smartasync
def slow_add(a: int, b: int) -> int:
    time.sleep(0.1)
    return a + b

await slow_add(2, 3)
await asyncio.gather(slow_add(1, 1), slow_add(2, 2))
