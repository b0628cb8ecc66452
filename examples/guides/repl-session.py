# repl-session.py: typed at the prompt; docs/guides/repl.md
# SPDX-License-Identifier: LGPL-2.1-or-later
import time
import gi
gi.require_version('SmartAsync', '1')
from gi.repository import GLib, Gio, SmartAsync

load = SmartAsync.async_pair(
    Gio.File.load_contents_async,
    lambda file, res: GLib.Bytes.new(file.load_contents_finish(res)[1]),
    returns=GLib.Bytes, params=[Gio.File])

load(Gio.File.new_for_path('COPYING')).get_size()

@SmartAsync.smartasync
def slow_add(a: int, b: int) -> int:
    time.sleep(0.1)
    return a + b

slow_add(2, 3)
