# SPDX-License-Identifier: LGPL-2.1-or-later
"""SmartAsync's own scenarios, from Python."""

import asyncio
import threading
import time

from gi.repository import GLib, Gio, SmartAsync

# BLOCK: long enough that six calls in a row (6 * BLOCK) are told apart
# from six at once (about BLOCK) with room for the machine's overhead;
# longer under .ci/valgrind (SA_TEST_SLOW_MACHINE). MAX_GAP is below BLOCK.
from conftest import BLOCK, MAX_GAP, max_gap, sa_function, without_stall


@sa_function
def slow_square(x: int) -> int:
    time.sleep(BLOCK)   # blocking, GIL released
    return x * x


def test_sync_script_calls_async_gio_code(tmp_path, load):
    # A plain script, no loop anywhere: the async pair
    # g_file_load_contents_async/_finish simply returns its value.
    paths = []
    for i in range(3):
        path = tmp_path / ('file%d' % i)
        path.write_text('line %d\n' % i)
        paths.append(path)

    assert not SmartAsync.context_is_async()
    contents = [load(Gio.File.new_for_path(str(p))).get_data() for p in paths]
    assert contents == [b'line 0\n', b'line 1\n', b'line 2\n']


def test_main_loop_app_calls_blocking_code_while_a_timer_ticks(loop):
    events = []

    times = []   # the start, each tick, the result

    def tick():
        events.append('tick')
        times.append(time.monotonic())
        return GLib.SOURCE_CONTINUE

    def on_done(fn, result):
        events.append(('result', fn.call_finish(result)))
        times.append(time.monotonic())
        GLib.source_remove(timer)
        loop.done()

    def start():
        nonlocal timer
        timer = GLib.timeout_add(20, tick)
        times.append(time.monotonic())
        slow_square(7, callback=on_done)

    timer = 0

    def measure():
        events.clear()
        times.clear()
        loop.run(start)
        assert events[-1] == ('result', 49)
        return events.count('tick'), max_gap(times), times

    # The loop kept dispatching while the blocking function ran, and never
    # stopped for as long as the call blocks.
    ticks, gap, times_seen = without_stall(measure, min_ticks=4)
    assert ticks >= 4, times_seen
    assert gap < MAX_GAP, (gap, times_seen)


def test_concurrent_calls_gathered_with_asyncio():
    async def main():
        started = time.monotonic()
        values = await asyncio.gather(*(slow_square(i) for i in range(6)))
        return values, time.monotonic() - started

    values, elapsed = asyncio.run(main())
    assert values == [0, 1, 4, 9, 16, 25]
    # Six blocking calls of BLOCK seconds each, run concurrently.
    assert elapsed < 3 * BLOCK, elapsed


def test_asyncio_loop_keeps_running_during_a_blocking_call():
    ticks = []

    async def ticker(stop):
        while not stop.is_set():
            ticks.append(time.monotonic())
            await asyncio.sleep(0.02)

    async def main():
        stop = asyncio.Event()
        task = asyncio.create_task(ticker(stop))
        await asyncio.sleep(0)   # the ticker's first tick
        value = await slow_square(3)
        ticks.append(time.monotonic())   # the result
        stop.set()
        await task
        return value

    assert asyncio.run(main()) == 9
    assert len(ticks) >= 5, ticks
    gap = max_gap(ticks)
    assert gap < MAX_GAP, (gap, ticks)


def test_concurrent_async_pairs_gathered_with_asyncio(tmp_path, load):
    files = []
    for i in range(5):
        path = tmp_path / ('f%d' % i)
        path.write_bytes(b'%d' % i)
        files.append(Gio.File.new_for_path(str(path)))

    async def main():
        return await asyncio.gather(*(load(f) for f in files))

    assert [b.get_data() for b in asyncio.run(main())] == [b'0', b'1', b'2', b'3', b'4']


def test_same_callable_from_three_kinds_of_caller(loop):
    """One function, three callers, the path picked at run time."""
    # plain code
    assert slow_square(2) == 4

    # a GLib loop
    values = []

    def on_done(fn, result):
        values.append(fn.call_finish(result))
        loop.done()

    loop.run(lambda: slow_square(3, callback=on_done))

    # asyncio
    async def main():
        return await slow_square(4)

    values.append(asyncio.run(main()))

    # a worker thread of our own is a sync context
    def worker():
        values.append(slow_square(5))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert values == [9, 16, 25]
