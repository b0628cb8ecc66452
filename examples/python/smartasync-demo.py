#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""SmartAsync from Python: one function per job, whoever calls it.

1. Sync code calls an async GIO operation (g_file_load_contents_async)
   and simply gets its value.
2. A running GLib main loop calls a blocking function; it runs on a
   worker thread while the loop's timer keeps ticking.
"""

import hashlib
import sys
import time

import gi

gi.require_version('SmartAsync', '1')
from gi.repository import GLib, Gio, SmartAsync  # noqa: E402

# An async GIO pair, wrapped once.
load_contents = SmartAsync.async_pair(
    Gio.File.load_contents_async,
    lambda file, result: GLib.Bytes.new(file.load_contents_finish(result)[1]),
    returns=GLib.Bytes, params=[Gio.File], name='load_contents')


# A blocking Python function, made callable from sync and async code.
@SmartAsync.smartasync
def slow_checksum(path: str) -> str:
    time.sleep(0.3)    # pretend this is slow work
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(path):
    # Job 1: plain sync code, no loop: the async operation returns a value.
    data = load_contents(Gio.File.new_for_path(path))
    print('read %d bytes from sync code' % data.get_size(), flush=True)

    # Job 2: a running loop calls the blocking function without blocking.
    loop = GLib.MainLoop()
    ticks = 0

    def tick():
        nonlocal ticks
        ticks += 1
        print('tick', flush=True)
        return GLib.SOURCE_CONTINUE

    def on_checksum(fn, result):
        print('checksum %s after %d ticks' % (fn.call_finish(result), ticks), flush=True)
        GLib.source_remove(timer)
        loop.quit()

    def start():
        slow_checksum(path, callback=on_checksum)   # returns at once here
        return GLib.SOURCE_REMOVE

    timer = GLib.timeout_add(50, tick)
    GLib.idle_add(start)
    loop.run()


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else __file__)
