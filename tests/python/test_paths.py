# SPDX-License-Identifier: LGPL-2.1-or-later
"""The four paths (sync or async caller × blocking or async callable), from
plain code, a GLib main loop and asyncio, through the override."""

import asyncio
import inspect
import threading
import time

from gi.repository import GLib, GObject, Gio, SmartAsync

from conftest import BLOCK, MAX_GAP, max_gap, sa_function, without_stall


@sa_function
def add(a: int, b: int) -> int:
    add.threads.append(threading.current_thread())
    return a + b


add.threads = []


def test_sync_caller_blocking_callable_runs_on_the_callers_thread():
    add.threads.clear()
    assert not SmartAsync.context_is_async()
    assert add(2, 3) == 5
    assert add.threads == [threading.current_thread()]


def test_integers_past_32_bits_travel_both_ways():
    assert add(2 ** 40, 1) == 2 ** 40 + 1
    assert add(-2 ** 62, -1) == -2 ** 62 - 1


def test_explicit_call_sync_takes_a_list():
    assert add.call_sync([4, 5]) == 9
    assert add.call_sync([4, 5], None) == 9


def test_sync_caller_async_pair_returns_the_value(text_file, load):
    assert not SmartAsync.context_is_async()
    assert load(text_file).get_data() == b'smart and async\n'


def test_sync_caller_python_async_callable_completed_from_another_thread():
    def start(args, n_args, cancellable, task):
        threading.Timer(0.05, task.return_value, (args[0] * 10,)).start()

    fn = SmartAsync.Function.new_async_full('later', GObject.TYPE_INT,
                                            [GObject.TYPE_INT], 0, start)
    assert fn.get_kind() == SmartAsync.FunctionKind.ASYNC
    assert fn(4) == 40


def test_glib_async_caller_async_pair_calls_back_later(loop, text_file, load):
    seen = {}

    def on_done(fn, result):
        seen['value'] = fn.call_finish(result).get_data()
        seen['thread'] = threading.current_thread()
        loop.done()

    def start():
        assert SmartAsync.context_is_async()
        assert load(text_file, callback=on_done) is None
        # GIO's contract: never from inside the call.
        assert 'value' not in seen

    loop.run(start)
    assert seen == {'value': b'smart and async\n', 'thread': threading.current_thread()}


def test_glib_async_caller_blocking_callable_runs_on_a_worker(loop):
    ran_on = []
    events = []   # (what, monotonic time): the start, each tick, the result

    @sa_function
    def slow_double(x: int) -> int:
        ran_on.append(threading.current_thread())
        time.sleep(BLOCK)
        return x * 2

    def on_done(fn, result):
        events.append(('done', time.monotonic()))
        GLib.source_remove(timer)
        assert fn.call_finish(result) == 42
        loop.done()

    def tick():
        events.append(('tick', time.monotonic()))
        return GLib.SOURCE_CONTINUE

    def start():
        nonlocal timer
        timer = GLib.timeout_add(20, tick)
        events.append(('start', time.monotonic()))
        slow_double(21, callback=on_done)

    timer = 0

    def measure():
        ran_on.clear()
        events.clear()
        loop.run(start)
        assert ran_on and ran_on[0] is not threading.current_thread()
        what = [w for w, _ in events]
        assert what[0] == 'start' and what[-1] == 'done', what
        return what.count('tick'), max_gap([t for _, t in events]), events

    # The loop never stopped dispatching for as long as the call blocks.
    ticks, gap, events_seen = without_stall(measure)
    assert ticks >= 3, events_seen
    assert gap < MAX_GAP, (gap, events_seen)


def test_explicit_call_async_and_call_finish(loop):
    values = []

    def on_done(fn, result, tag):
        values.append((fn.call_finish(result), tag))
        loop.done()

    loop.run(lambda: add.call_async([20, 22], None, on_done, 'tag'))
    assert values == [(42, 'tag')]


def test_gvalue_returning_twins_are_the_leak_free_calls(loop):
    # call_syncv_value() and call_finish_value() exist for GJS; PyGObject
    # 3.42 would leak the GValue they return, so the override makes them
    # call_sync() and call_finish().
    assert add.call_syncv_value([2, 3]) == 5
    values = []

    def on_done(fn, result):
        values.append(fn.call_finish_value(result))
        loop.done()

    loop.run(lambda: add.call_async([4, 5], None, on_done))
    assert values == [9]


def test_call_async_never_calls_back_inside_the_call_even_in_sync_code(loop):
    called = []
    add.call_async([1, 1], None, lambda fn, res: called.append(fn.call_finish(res)))
    assert called == []
    GLib.timeout_add(50, loop.done)
    loop.run(lambda: None)
    assert called == [2]


def test_smart_call_with_callback_in_sync_code_is_done_before_it_returns():
    values = []
    assert add(1, 2, callback=lambda fn, res: values.append(fn.call_finish(res))) is None
    assert values == [3]


def test_library_smart_call_returns_a_completed_result_in_sync_code():
    result = add.call([3, 4])
    assert add.call_finish(result) == 7


def test_glib_async_context_without_callback_refuses_to_block(loop):
    errors = []

    def start():
        try:
            add(1, 2)
        except TypeError as error:
            errors.append(str(error))
        loop.done()

    loop.run(start)
    assert len(errors) == 1 and 'callback' in errors[0]


def test_mode_sync_blocks_and_returns_in_a_loop(loop):
    fn = sa_function(lambda a, b: a * b, returns=int, params=[int, int])
    fn.set_mode(SmartAsync.Mode.SYNC)
    values = []

    def start():
        values.append(fn(6, 7))
        loop.done()

    loop.run(start)
    assert values == [42]


def test_mode_async_takes_the_callback_path_in_plain_code(loop):
    fn = sa_function(lambda a, b: a - b, returns=int, params=[int, int])
    fn.props.mode = SmartAsync.Mode.ASYNC
    values = []

    def on_done(f, result):
        values.append(f.call_finish(result))
        loop.done()

    fn(10, 3, callback=on_done)
    assert values == []   # pending: a loop will complete it
    loop.run(lambda: None)
    assert values == [7]


def test_asyncio_blocking_callable_returns_an_awaitable_and_runs_off_the_loop():
    ran_on = []

    @sa_function
    def mul(a: int, b: int) -> int:
        ran_on.append(threading.current_thread())
        return a * b

    async def main():
        pending = mul(6, 7)
        assert inspect.isawaitable(pending)
        return await pending

    assert asyncio.run(main()) == 42
    assert ran_on[0] is not threading.current_thread()


def test_asyncio_async_pair(text_file, load):
    async def main():
        return await load(text_file)

    assert asyncio.run(main()).get_data() == b'smart and async\n'


def test_asyncio_python_async_callable():
    def start(args, n_args, cancellable, task):
        threading.Timer(0.05, task.return_value, (args[0] + 1,)).start()

    fn = SmartAsync.Function.new_async_full('later', GObject.TYPE_INT,
                                            [GObject.TYPE_INT], 0, start)

    async def main():
        return await fn(41)

    assert asyncio.run(main()) == 42


def test_asyncio_coroutine_function_is_wrapped_too():
    @sa_function
    async def delayed(x: int) -> int:
        await asyncio.sleep(0.01)
        return x + 1

    assert delayed(1) == 2                       # sync code: a value

    async def main():
        return await delayed(2)

    assert asyncio.run(main()) == 3              # asyncio: an awaitable


def test_void_function_returns_none():
    seen = []

    @sa_function
    def record(x: str) -> None:
        seen.append(x)

    assert record('a') is None
    assert seen == ['a']
    assert record.get_return_type() == GObject.TYPE_NONE


def test_no_cache_poisoning_after_a_glib_loop_ends(loop):
    values = []

    def on_done(fn, result):
        values.append(fn.call_finish(result))
        loop.done()

    loop.run(lambda: add(1, 1, callback=on_done))
    assert values == [2]
    # The loop has ended: this is a sync context again.
    assert not SmartAsync.context_is_async()
    assert add(2, 2) == 4


def test_no_cache_poisoning_after_an_asyncio_loop_ends(text_file, load):
    async def main():
        return await add(1, 1), await load(text_file)

    value, data = asyncio.run(main())
    assert value == 2 and data.get_size() == 16
    assert add(3, 3) == 6
    assert load(text_file).get_size() == 16


def test_timeout_for_a_sync_caller_waiting_on_an_async_pair():
    kept = []

    def never(args, n_args, cancellable, task):
        kept.append(task)   # never completed

    fn = SmartAsync.Function.new_async_full('never', GObject.TYPE_INT, [], 0, never)
    start = time.monotonic()
    try:
        fn.call_syncv_with_timeout([], 100)
    except GLib.Error as error:
        assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.TIMED_OUT)
    else:
        raise AssertionError('expected G_IO_ERROR_TIMED_OUT')
    assert time.monotonic() - start < 2


def test_raw_constructor_shape_still_works():
    fn = SmartAsync.Function.new_sync_full(
        'raw', GObject.TYPE_STRING, [GObject.TYPE_STRING, GObject.TYPE_INT], 0,
        lambda args, n_args, cancellable: (True, args[0] * args[1]))
    assert fn.call_sync(['ab', 3]) == 'ababab'


def test_reading_a_stream_through_an_async_pair_with_io_priority(tmp_path):
    path = tmp_path / 'data'
    path.write_bytes(b'0123456789')
    read = SmartAsync.async_pair(
        lambda stream, count, cancellable, callback: stream.read_bytes_async(
            count, GLib.PRIORITY_DEFAULT, cancellable, callback),
        lambda stream, result: stream.read_bytes_finish(result),
        returns=GLib.Bytes, params=[Gio.InputStream, int], name='read_bytes')
    stream = Gio.File.new_for_path(str(path)).read(None)
    assert read(stream, 4).get_data() == b'0123'
