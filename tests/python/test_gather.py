# SPDX-License-Identifier: LGPL-2.1-or-later
"""SmartAsync.Gather from Python sync code: several calls at once in one
private context, outcomes in the order added (asyncio's own gather serves
coroutines)."""

import threading
import time

import pytest
from gi.repository import GLib, Gio, SmartAsync, SaTestCaller

from conftest import SLOW_MACHINE, assert_error

# Long enough that the two slow calls overlap even when the machine starts
# the second one late: under memcheck beside other work, 150 ms was once
# not enough.
MS = 1000 if SLOW_MACHINE else 150


@pytest.fixture
def slow_double():
    return SaTestCaller.new_slow_double()


def test_sync_gather_runs_calls_at_once_and_keeps_their_order(text_file, load, slow_double):
    gather = SmartAsync.Gather.new(SmartAsync.GatherFlags.NONE)
    assert gather.add(slow_double, [21, MS]) == 0
    assert gather.add(load, [text_file]) == 1
    assert gather.add(slow_double, [5, MS]) == 2
    SaTestCaller.slow_double_most_in_flight(True)
    assert gather.run_sync(None)
    assert gather.get_outcome(0) == 42
    assert gather.get_outcome_value(1).get_data() == b'smart and async\n'
    assert gather.get_outcome_value(2) == 10
    # At once, not one after the other: both were in progress together,
    # whatever the machine's load.
    assert SaTestCaller.slow_double_most_in_flight(False) == 2


def test_sync_gather_raises_the_first_failure_and_keeps_every_outcome(load, slow_double):
    gather = SmartAsync.Gather.new(SmartAsync.GatherFlags.NONE)
    gather.add(slow_double, [1, 1])
    gather.add(load, [Gio.File.new_for_path('/nonexistent/gather')])
    with pytest.raises(GLib.Error) as info:
        gather.run_sync(None)
    assert_error(info.value, Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)
    assert gather.get_outcome_value(0) == 2
    with pytest.raises(GLib.Error):
        gather.get_outcome_value(1)


def test_cancel_on_error_cancels_the_rest(load, slow_double):
    gather = SmartAsync.Gather.new(SmartAsync.GatherFlags.CANCEL_ON_ERROR)
    gather.add(slow_double, [1, 20000])
    gather.add(load, [Gio.File.new_for_path('/nonexistent/gather')])
    start = time.monotonic()
    with pytest.raises(GLib.Error) as info:
        gather.run_sync(None)
    assert time.monotonic() - start < 10
    assert_error(info.value, Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)
    with pytest.raises(GLib.Error) as cancelled:
        gather.get_outcome_value(0)
    assert_error(cancelled.value, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_cancelling_the_whole_from_another_thread(slow_double):
    gather = SmartAsync.Gather.new(SmartAsync.GatherFlags.NONE)
    cancellable = Gio.Cancellable()
    gather.add(slow_double, [1, 20000])
    gather.add(slow_double, [2, 20000])
    threading.Timer(0.05, cancellable.cancel).start()
    with pytest.raises(GLib.Error) as info:
        gather.run_sync(cancellable)
    assert_error(info.value, Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_first_completed(slow_double):
    gather = SmartAsync.Gather.new(SmartAsync.GatherFlags.FIRST_COMPLETED)
    gather.add(slow_double, [1, 20000])
    gather.add(slow_double, [3, 1])
    assert gather.run_sync(None)
    assert gather.get_first() == 1
    assert gather.get_outcome_value(1) == 6


def test_async_run_in_a_main_loop(loop, text_file, load, slow_double):
    gather = SmartAsync.Gather.new(SmartAsync.GatherFlags.NONE)
    gather.add(load, [text_file])
    gather.add(slow_double, [7, 10])
    outcomes = []

    def done(source, result):
        outcomes.append(source.run_finish(result))
        loop.done()

    loop.run(lambda: gather.run_async(None, done))
    assert outcomes == [True]
    assert gather.get_outcome_value(1) == 14
