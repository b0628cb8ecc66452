# SPDX-License-Identifier: LGPL-2.1-or-later
"""Cancellation before a call starts and while it runs, in each context."""

import asyncio
import os
import threading
import time

import pytest

from gi.repository import GLib, Gio, SmartAsync

from conftest import assert_error, sa_function

IO_ERROR = Gio.io_error_quark()
CANCELLED = Gio.IOErrorEnum.CANCELLED


def make_waiter():
    """A blocking callable that waits, cooperatively, to be cancelled."""
    runs = []

    @sa_function
    def wait_for_cancel(limit: float, cancellable=None) -> int:
        runs.append(threading.current_thread())
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            cancellable.set_error_if_cancelled()   # raises GLib.Error
            time.sleep(0.005)
        return 1

    return wait_for_cancel, runs


@pytest.fixture
def pipe_reader():
    """An async pair reading from a pipe nobody writes to: it completes
    only when cancelled (a real GIO operation, g_input_stream_read_bytes_async).
    read.starts counts the reads started."""
    read_fd, write_fd = os.pipe()
    stream = Gio.UnixInputStream.new(read_fd, True)

    def start(stream, count, cancellable, callback):
        read.starts += 1
        stream.read_bytes_async(count, GLib.PRIORITY_DEFAULT, cancellable, callback)

    read = SmartAsync.async_pair(
        start, lambda stream, result: stream.read_bytes_finish(result),
        returns=GLib.Bytes, params=[Gio.InputStream, int], name='read_bytes')
    read.starts = 0
    yield read, stream
    stream.close(None)
    os.close(write_fd)


def cancelled():
    cancellable = Gio.Cancellable()
    cancellable.cancel()
    return cancellable

def error_collector(loop, expected=1):
    """A callback that finishes each call into a list of errors and ends
    the loop once `expected` arrived; and that list."""
    errors = []

    def on_done(fn, result):
        try:
            fn.call_finish(result)
        except GLib.Error as error:
            errors.append(error)
        if len(errors) == expected:
            loop.done()

    return on_done, errors


def test_cancelled_before_a_sync_call_never_runs_the_callable():
    waiter, runs = make_waiter()
    with pytest.raises(GLib.Error) as info:
        waiter(1.0, cancellable=cancelled())
    assert_error(info.value, IO_ERROR, CANCELLED)
    assert runs == []


def test_cancelled_before_an_async_pair_from_sync_code(pipe_reader):
    read, stream = pipe_reader
    with pytest.raises(GLib.Error) as info:
        read(stream, 10, cancellable=cancelled())
    assert_error(info.value, IO_ERROR, CANCELLED)
    assert read.starts == 0


def test_cancelled_before_an_async_pair_in_a_glib_loop(loop, pipe_reader):
    read, stream = pipe_reader
    on_done, errors = error_collector(loop)

    def start():
        assert SmartAsync.context_is_async()
        read(stream, 10, cancellable=cancelled(), callback=on_done)
        assert errors == []   # GIO's contract: never from inside the call

    loop.run(start)
    assert len(errors) == 1
    assert_error(errors[0], IO_ERROR, CANCELLED)
    assert read.starts == 0


def test_cancelled_before_a_call_in_a_glib_loop(loop):
    waiter, runs = make_waiter()
    on_done, errors = error_collector(loop)

    loop.run(lambda: waiter(1.0, cancellable=cancelled(), callback=on_done))
    assert_error(errors[0], IO_ERROR, CANCELLED)
    assert runs == []


def test_cancelled_before_an_awaited_call():
    waiter, runs = make_waiter()

    async def main():
        with pytest.raises(GLib.Error) as info:
            await waiter(1.0, cancellable=cancelled())
        return info.value

    assert_error(asyncio.run(main()), IO_ERROR, CANCELLED)
    assert runs == []


def test_cancelled_during_a_sync_call_of_a_blocking_callable():
    waiter, runs = make_waiter()
    cancellable = Gio.Cancellable()
    threading.Timer(0.05, cancellable.cancel).start()
    start = time.monotonic()
    with pytest.raises(GLib.Error) as info:
        waiter(5.0, cancellable=cancellable)
    assert_error(info.value, IO_ERROR, CANCELLED)
    assert time.monotonic() - start < 2
    assert len(runs) == 1


def test_cancelled_during_a_sync_call_of_an_async_pair(pipe_reader):
    read, stream = pipe_reader
    cancellable = Gio.Cancellable()
    threading.Timer(0.05, cancellable.cancel).start()
    with pytest.raises(GLib.Error) as info:
        read(stream, 10, cancellable=cancellable)
    assert_error(info.value, IO_ERROR, CANCELLED)
    assert read.starts == 1


def test_cancelled_during_a_call_in_a_glib_loop(loop, pipe_reader):
    read, stream = pipe_reader
    waiter, runs = make_waiter()
    on_done, errors = error_collector(loop, expected=2)
    cancellable = Gio.Cancellable()

    def start():
        waiter(5.0, cancellable=cancellable, callback=on_done)   # worker thread
        read(stream, 10, cancellable=cancellable, callback=on_done)  # async pair
        GLib.timeout_add(50, lambda: cancellable.cancel())

    loop.run(start)
    assert len(errors) == 2
    for error in errors:
        assert_error(error, IO_ERROR, CANCELLED)
    assert len(runs) == 1 and read.starts == 1   # both had started


def test_cancelling_the_awaiting_task_cancels_the_call():
    waiter, runs = make_waiter()
    seen = threading.Event()

    @sa_function
    def watch(cancellable=None) -> None:
        while not cancellable.is_cancelled():
            time.sleep(0.005)
        seen.set()

    async def main():
        task = asyncio.ensure_future(watch())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert seen.wait(2), 'the callable never saw the cancellation'


def test_cancelled_during_an_awaited_async_pair(pipe_reader):
    read, stream = pipe_reader
    cancellable = Gio.Cancellable()

    async def main():
        asyncio.get_running_loop().call_later(0.05, cancellable.cancel)
        with pytest.raises(GLib.Error) as info:
            await read(stream, 10, cancellable=cancellable)
        return info.value

    assert_error(asyncio.run(main()), IO_ERROR, CANCELLED)


def test_coroutine_callable_is_cancelled_through_its_cancellable():
    @sa_function
    async def sleepy() -> int:
        await asyncio.sleep(5)
        return 1

    cancellable = Gio.Cancellable()
    threading.Timer(0.05, cancellable.cancel).start()
    start = time.monotonic()
    with pytest.raises(GLib.Error) as info:
        sleepy(cancellable=cancellable)
    assert_error(info.value, IO_ERROR, CANCELLED)
    assert time.monotonic() - start < 2
