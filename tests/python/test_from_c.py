# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python callables called by C code (tests/python/c-caller): the C side
runs its own GMainLoop and calls the function from one of its callbacks,
an async context, with sa_function_call_asyncv() or the smart call
sa_function_callv()."""

import threading
import time

import pytest

from gi.repository import GLib, GObject, Gio, SaTestCaller, SmartAsync

from conftest import BLOCK, MAX_GAP, assert_error, max_gap, sa_function, without_stall

ran_on = []


@sa_function
def slow_concat(a: str, b: str) -> str:
    ran_on.append(threading.current_thread())
    time.sleep(BLOCK)    # the GIL is released while sleeping
    return a + b


@sa_function
def fails(x: int) -> int:
    raise ZeroDivisionError('%d / 0' % x)


@pytest.mark.parametrize('smart', [False, True], ids=['call_asyncv', 'callv'])
def test_c_calls_a_python_callable_in_an_async_context(smart):
    python_ticks = []

    def python_tick():
        python_ticks.append(time.monotonic())
        return GLib.SOURCE_CONTINUE

    def measure():
        ran_on.clear()
        python_ticks.clear()
        # A Python timer on the context the C loop iterates: it can only
        # fire while the worker running slow_concat does not hold the GIL.
        timer = GLib.timeout_add(20, python_tick)
        try:
            python_ticks.append(time.monotonic())
            ok, value, c_ticks = SaTestCaller.call_from_loop(slow_concat, ['smart', 'async'], smart)
            python_ticks.append(time.monotonic())
        finally:
            GLib.source_remove(timer)

        assert ok and value == 'smartasync'
        # It ran on a worker thread, not on the thread running the C loop...
        assert len(ran_on) == 1 and ran_on[0] is not threading.current_thread()
        c_gap = SaTestCaller.last_max_tick_gap() / 1e6
        # Both loops' figures, as one: the fewer ticks, the longer gap.
        ticks = min(c_ticks, len(python_ticks) - 2)
        gap = max(c_gap, max_gap(python_ticks))
        return ticks, gap, (c_ticks, c_gap, python_ticks)

    # ...while the C loop kept running, Python timers included: the C loop
    # never stalled for as long as the call blocks, nor did the Python code
    # it dispatches.
    ticks, gap, details = without_stall(measure, min_ticks=4)
    assert ticks >= 4, details
    assert gap < MAX_GAP, (gap, details)


def test_c_gets_a_python_exception_as_a_gerror():
    with pytest.raises(GLib.Error) as info:
        SaTestCaller.call_from_loop(fails, [7], False)
    assert_error(info.value, SmartAsync.error_quark(), SmartAsync.Error.FAILED)
    assert 'ZeroDivisionError: 7 / 0' in info.value.message


def test_c_calls_a_python_async_callable_in_an_async_context():
    def start(args, n_args, cancellable, task):
        # Completed from the C loop's context, later.
        GLib.timeout_add(30, lambda: task.return_value(args[0].get_basename()))

    fn = SmartAsync.Function.new_async_full('basename', GObject.TYPE_STRING,
                                            [Gio.File], 0, start)
    ok, value, ticks = SaTestCaller.call_from_loop(fn, [Gio.File.new_for_path('/a/b.txt')], True)
    assert ok and value == 'b.txt'


def test_c_calls_a_python_callable_from_its_own_thread():
    ran_on.clear()
    ok, value = SaTestCaller.call_from_thread(slow_concat, ['a', 'b'], None)
    assert ok and value == 'ab'
    assert ran_on[0].name != threading.current_thread().name


def test_c_call_then_a_python_sync_call():
    """No cache poisoning: after C's loop ends, plain Python gets a value."""
    ok, value, ticks = SaTestCaller.call_from_loop(slow_concat, ['x', 'y'], True)
    assert value == 'xy'
    assert slow_concat('p', 'q') == 'pq'
