#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""GLib and GIO functions, wrapped as they are from their typelibs with
SmartAsync.wrap(): one callable for plain code and for asyncio.

    python3 wrap-typelib.py [FILE]

Plain code gets the values; a coroutine awaits the same callables, and
the blocking ones (the checksum, GLib.usleep) run on worker threads while
the loop's timer keeps ticking. Results are what PyGObject's own calls
return: a tuple for several results, bytes for byte arrays."""

import asyncio
import sys

import gi
gi.require_version('SmartAsync', '1')
from gi.repository import GLib, Gio, SmartAsync  # noqa: E402

load = SmartAsync.wrap(Gio.File.load_contents_async)       # an async pair
checksum = SmartAsync.wrap(GLib.compute_checksum_for_data)  # blocking, bytes in
guess = SmartAsync.wrap(Gio.content_type_guess)             # two results
sleep = SmartAsync.wrap(GLib.usleep)                        # blocking, 200 ms

path = sys.argv[1] if len(sys.argv) > 1 else __file__
file = Gio.File.new_for_path(path)

# Plain code: each call returns its value.
ok, contents, etag = load(file)
content_type, uncertain = guess(path, contents)
print('read %d bytes from sync code (%s)' % (len(contents), content_type))


async def main():
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    timer = asyncio.ensure_future(ticker())
    ok, contents, etag = await load(file)
    await sleep(200_000)
    digest = await checksum(GLib.ChecksumType.SHA256, contents)
    timer.cancel()
    print('checksum %s after %d ticks' % (digest, ticks))
    return digest


digest = asyncio.run(main())
assert digest == GLib.compute_checksum_for_data(GLib.ChecksumType.SHA256, contents)
