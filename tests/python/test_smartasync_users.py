# SPDX-License-Identifier: LGPL-2.1-or-later
"""@SmartAsync.smartasync as SmartAsync's users write it: classes, methods,
no annotations, only the import changed. Each test names the behaviour of
SmartAsync's own test suite (genropy/smartasync 0.5.0,
tests/test_smartasync.py) that it covers; the code is ours."""

import asyncio
import concurrent.futures
import contextvars
import copy
import os
import pickle
import signal
import threading
import time

import pytest

from gi.repository import GLib, GObject, SaTestCaller, SmartAsync

from conftest import assert_error

smartasync = SmartAsync.smartasync


def as_object(value):
    return GObject.Value(GObject.TYPE_PYOBJECT, value)


class SimpleManager:
    def __init__(self):
        self.call_count = 0

    @smartasync
    async def async_method(self, value):
        await asyncio.sleep(0.01)
        self.call_count += 1
        return 'Result: %s' % value

    @smartasync
    def sync_method(self, value):
        self.call_count += 1
        self.ran_on = threading.current_thread()
        return 'Sync: %s' % value


class ManagerWithSlots:
    __slots__ = ('data',)

    def __init__(self):
        self.data = []

    @smartasync
    async def add_item(self, item):
        await asyncio.sleep(0.01)
        self.data.append(item)

    @smartasync
    async def get_count(self):
        await asyncio.sleep(0.01)
        return len(self.data)


# SmartAsync test 1: sync context.
def test_sync_context_async_method_without_await():
    obj = SimpleManager()
    assert obj.async_method('test') == 'Result: test'
    assert obj.call_count == 1
    assert obj.async_method('test2') == 'Result: test2'
    assert obj.call_count == 2
    assert obj.sync_method('sync') == 'Sync: sync'
    assert obj.call_count == 3
    assert obj.ran_on is threading.current_thread()


# SmartAsync test 2: async context; a def is offloaded to a thread.
def test_async_context_awaits_both_kinds():
    async def main():
        obj = SimpleManager()
        assert await obj.async_method('async') == 'Result: async'
        assert await obj.async_method('async2') == 'Result: async2'
        assert obj.call_count == 2
        assert await obj.sync_method('sync') == 'Sync: sync'
        assert obj.call_count == 3
        assert obj.ran_on is not threading.current_thread()

    asyncio.run(main())


# SmartAsync tests 3 and 4: classes with __slots__.
def test_slots_in_sync_code():
    obj = ManagerWithSlots()
    obj.add_item('item1')
    obj.add_item('item2')
    obj.add_item('item3')
    assert obj.get_count() == 3


def test_slots_in_async_code():
    async def main():
        obj = ManagerWithSlots()
        await obj.add_item('async1')
        await obj.add_item('async2')
        return await obj.get_count()

    assert asyncio.run(main()) == 2


# SmartAsync test 5: its cache reset exists; there is no cache behind it.
def test_cache_reset_is_accepted():
    obj = SimpleManager()
    obj.async_method._smartasync_reset_cache()
    assert obj.async_method('test1') == 'Result: test1'
    obj.async_method._smartasync_reset_cache()
    assert obj.async_method('test2') == 'Result: test2'


class BuggyManager:
    @smartasync
    async def buggy_method(self):
        await asyncio.sleep(0.01)
        raise RuntimeError('User error in async code')

    @smartasync
    async def async_error(self):
        await asyncio.sleep(0.01)
        raise ValueError('Async error')


# SmartAsync test 6: error propagation in sync code.
def test_error_propagates_in_sync_code():
    with pytest.raises(RuntimeError, match='User error in async code'):
        BuggyManager().buggy_method()


# SmartAsync test 7 checks a helpful error when asyncio.run() fails because
# a loop is running. Ours never calls asyncio.run(): sync code works with
# it broken, and a plain callback of a running loop gets an awaitable.
def test_asyncio_run_is_not_needed(monkeypatch):
    def broken_run(coro, **kwargs):
        coro.close()
        raise RuntimeError('asyncio.run() cannot be called from a running event loop')

    obj = SimpleManager()
    with monkeypatch.context() as patch:
        patch.setattr(asyncio, 'run', broken_run)
        assert obj.async_method('boom') == 'Result: boom'

    async def main():
        loop = asyncio.get_running_loop()
        scheduled = loop.create_future()
        # A plain callback while the loop runs: no coroutine of its own.
        loop.call_soon(lambda: scheduled.set_result(obj.async_method('later')))
        return await (await scheduled)

    assert asyncio.run(main()) == 'Result: later'


# SmartAsync test 8: error propagation in async code.
def test_error_propagates_in_async_code():
    async def main():
        with pytest.raises(ValueError, match='Async error'):
            await BuggyManager().async_error()

    asyncio.run(main())


# SmartAsync test 9: several instances, one decorated method.
def test_instances_share_the_method():
    obj1, obj2 = SimpleManager(), SimpleManager()
    assert obj1.async_method('obj1-sync') == 'Result: obj1-sync'
    assert obj2.async_method('obj2-sync') == 'Result: obj2-sync'
    assert (obj1.call_count, obj2.call_count) == (1, 1)


# SmartAsync test 10 (sync to async transition). SmartAsync caches the
# first context it sees, so after an asyncio loop has ended its sync call
# returns a coroutine (cache poisoning); ours returns the value, and the
# other way round.
def test_no_cache_poisoning_between_contexts():
    obj = SimpleManager()

    async def main():
        return await obj.async_method('async-test')

    assert asyncio.run(main()) == 'Result: async-test'
    assert obj.async_method('sync-after') == 'Result: sync-after'
    assert asyncio.run(main()) == 'Result: async-test'
    assert obj.call_count == 3


class LegacyLibrary:
    def __init__(self):
        self.processed = []
        # How many calls ran at once, at most: what "concurrently" means,
        # whatever the machine's load does to wall-clock times.
        self.running = 0
        self.most_running = 0
        self.lock = threading.Lock()

    @smartasync
    def blocking_operation(self, data):
        with self.lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        time.sleep(0.1)
        with self.lock:
            self.running -= 1
        self.processed.append(data.upper())
        return data.upper()


# SmartAsync test 11: an async app calls a sync library, concurrently.
def test_async_app_calls_blocking_library_concurrently():
    lib = LegacyLibrary()

    async def main():
        assert await lib.blocking_operation('legacy') == 'LEGACY'
        ticks = []

        async def ticker():
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        ticking = asyncio.ensure_future(ticker())
        lib.most_running = 0
        results = await asyncio.gather(*(lib.blocking_operation('item%d' % i)
                                         for i in (1, 2, 3)))
        ticking.cancel()
        return results, ticks

    results, ticks = asyncio.run(main())
    assert results == ['ITEM1', 'ITEM2', 'ITEM3']
    assert 'LEGACY' in lib.processed
    # Run side by side, not one after another, and the loop kept running
    # meanwhile.
    assert lib.most_running >= 2, lib.most_running
    assert len(ticks) >= 4, ticks


# SmartAsync tests 12 to 14: standalone functions.
@smartasync
async def process_data(x, y):
    await asyncio.sleep(0.01)
    return x + y


@smartasync
def cpu_intensive(n):
    time.sleep(0.01)
    return n * n


def test_standalone_async_function_in_sync_code():
    assert process_data(5, 3) == 8


def test_standalone_async_function_in_async_code():
    async def main():
        return await process_data(5, 3)

    assert asyncio.run(main()) == 8


def test_standalone_sync_function_in_async_code():
    async def main():
        assert await cpu_intensive(7) == 49
        return await asyncio.gather(cpu_intensive(2), cpu_intensive(3), cpu_intensive(4))

    assert asyncio.run(main()) == [4, 9, 16]


# Beyond SmartAsync's tests: descriptors, signatures, any values.
class Shapes:
    factor = 10

    @staticmethod
    @smartasync
    def static_outer(x):
        return x + 1

    @smartasync
    @staticmethod
    async def static_inner(x):
        return x + 2

    @classmethod
    @smartasync
    async def class_outer(cls, x):
        return cls.factor * x

    @smartasync
    @classmethod
    def class_inner(cls, x):
        return cls.factor + x


class MoreShapes(Shapes):
    factor = 100


def test_static_and_class_methods_in_either_order():
    for owner in (Shapes, Shapes()):
        assert owner.static_outer(1) == 2
        assert owner.static_inner(1) == 3
    assert Shapes.class_outer(2) == 20
    assert MoreShapes().class_outer(2) == 200
    assert Shapes().class_inner(2) == 12
    assert MoreShapes.class_inner(2) == 102

    async def main():
        return (await Shapes.static_outer(1), await Shapes.static_inner(1),
                await MoreShapes.class_outer(3), await MoreShapes.class_inner(3))

    assert asyncio.run(main()) == (2, 3, 300, 103)


@smartasync
async def everything(a, b=2, *rest, flag=False, **options):
    return a, b, rest, flag, options


def test_keywords_defaults_and_variadic_arguments():
    assert everything(1) == (1, 2, (), False, {})
    assert everything(1, 3, 4, 5, flag=True, x=[1]) == (1, 3, (4, 5), True, {'x': [1]})

    async def main():
        return await everything(a={'k': None}, options=b'x')

    assert asyncio.run(main()) == ({'k': None}, 2, (), False, {'options': b'x'})


# Probes: what a coroutine shares with its caller.
@smartasync
async def wait_for(event, queue, lock, future):
    await event.wait()
    item = await queue.get()
    async with lock:
        future.set_result(item * 2)
    return item


def test_loop_bound_objects_are_shared_with_an_awaited_async_def():
    async def main():
        event, queue, lock = asyncio.Event(), asyncio.Queue(), asyncio.Lock()
        future = asyncio.get_running_loop().create_future()
        waiting = asyncio.ensure_future(wait_for(event, queue, lock, future))
        await asyncio.sleep(0)
        event.set()
        await queue.put(21)
        return await asyncio.wait_for(waiting, 5), await future

    assert asyncio.run(main()) == (21, 42)


import contextvars  # noqa: E402

request_id = contextvars.ContextVar('request_id', default=None)


@smartasync
async def read_var_async():
    await asyncio.sleep(0)
    return request_id.get(), threading.current_thread()


@smartasync
def read_var_sync():
    return request_id.get(), threading.current_thread()


def test_context_variables_reach_both_async_paths():
    async def main():
        request_id.set('abc')
        return await read_var_async(), await read_var_sync()

    (in_async, async_thread), (in_sync, sync_thread) = asyncio.run(main())
    assert in_async == 'abc' and async_thread is threading.current_thread()
    assert in_sync == 'abc' and sync_thread is not threading.current_thread()
    # And in sync code, a copy of the caller's context, as asyncio.run().
    token = request_id.set('sync')
    try:
        assert read_var_async()[0] == 'sync'
    finally:
        request_id.reset(token)


class MyError(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


@smartasync
def fails_sync(x):
    try:
        {}[x]
    except KeyError as cause:
        raise MyError('no %s' % x, 42) from cause


@smartasync
async def fails_async(x):
    await asyncio.sleep(0)
    fails_sync.__wrapped__(x)


def check_my_error(error, x):
    assert type(error) is MyError
    assert error.code == 42 and str(error) == 'no %s' % x
    assert isinstance(error.__cause__, KeyError)
    # The traceback reaches the raise in the callable.
    frames = []
    tb = error.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    assert 'fails_sync' in frames, frames


@pytest.mark.parametrize('fn', [fails_sync, fails_async], ids=['def', 'async-def'])
def test_my_error_on_every_path_and_a_gerror_for_c(fn, loop):
    # No running loop.
    with pytest.raises(MyError) as info:
        fn('sync')
    check_my_error(info.value, 'sync')

    # In a running asyncio loop.
    async def main():
        try:
            await fn('asyncio')
        except MyError as error:
            return error

    check_my_error(asyncio.run(main()), 'asyncio')

    # In a GLib main-loop callback, with callback=.
    outcome = []

    def on_done(f, result):
        try:
            f.call_finish(result)
        except MyError as error:
            outcome.append(error)
        loop.done()

    loop.run(lambda: fn('glib', callback=on_done))
    check_my_error(outcome[0], 'glib')

    # A C caller gets a GError naming the type. (An untyped parameter is a
    # PyObject one: C passes a PyObject GValue.)
    with pytest.raises(GLib.Error) as info:
        SaTestCaller.call_from_loop(fn.function, [as_object('c')], True)
    assert_error(info.value, SmartAsync.error_quark(), SmartAsync.Error.FAILED)
    assert 'MyError: no c' in info.value.message


@pytest.mark.parametrize('kind', [KeyboardInterrupt, SystemExit])
def test_keyboard_interrupt_and_system_exit_are_never_swallowed(kind):
    @smartasync
    def stop_sync():
        raise kind()

    @smartasync
    async def stop_async():
        await asyncio.sleep(0)
        raise kind()

    with pytest.raises(kind):
        stop_sync()
    with pytest.raises(kind):
        stop_async()

    async def main():
        with pytest.raises(kind):
            await stop_async()
        with pytest.raises(kind):
            await stop_sync()

    asyncio.run(main())
    # The loop of this thread is still usable afterwards.
    assert process_data(1, 1) == 2


# The loop that runs an async def in sync code.
@smartasync
async def which_loop():
    return asyncio.get_running_loop()


def test_a_clean_call_reuses_the_loop_of_this_thread():
    first = which_loop()
    assert which_loop() is first and not first.is_closed()
    # Another thread, another loop.
    other = []
    thread = threading.Thread(target=lambda: other.append(which_loop()))
    thread.start()
    thread.join()
    assert other[0] is not first


def test_leftovers_are_cleaned_as_asyncio_run_does():
    cancelled = []
    finalized = []

    async def forgotten():
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def numbers():
        try:
            yield 1
            yield 2
        finally:
            finalized.append(True)

    @smartasync
    async def leaves_things_behind():
        loop = asyncio.get_running_loop()
        asyncio.ensure_future(forgotten())
        generator = numbers()
        await generator.__anext__()
        loop._keep = generator       # not finished, still referenced
        await loop.run_in_executor(None, time.sleep, 0)
        return loop

    used = leaves_things_behind()
    # The task was cancelled and awaited, the async generator finalized,
    # the executor shut down and the loop closed...
    assert cancelled == [True] and finalized == [True]
    assert used.is_closed()
    # ...and the next call gets a new one.
    assert which_loop() is not used


def _settings_left_behind(loop):
    read_end, write_end = os.pipe()
    loop.add_reader(read_end, lambda: None)
    loop._pipe = (read_end, write_end)


@pytest.mark.parametrize('leave', [
    _settings_left_behind,
    lambda loop: loop.add_signal_handler(signal.SIGUSR1, lambda: None),
    lambda loop: loop.set_exception_handler(lambda loop, context: None),
    lambda loop: loop.set_task_factory(lambda loop, coro: asyncio.Task(coro, loop=loop)),
    lambda loop: loop.set_debug(not loop.get_debug()),
], ids=['reader', 'signal-handler', 'exception-handler', 'task-factory', 'debug'])
def test_what_a_call_registers_on_the_loop_does_not_reach_the_next(leave):
    @smartasync
    async def configures():
        loop = asyncio.get_running_loop()
        leave(loop)
        return loop

    used = configures()
    # asyncio.run() would start the next call on a fresh loop: so do we.
    assert used.is_closed()
    assert which_loop() is not used
    pipe = getattr(used, '_pipe', None)
    if pipe:
        os.close(pipe[0])
        os.close(pipe[1])


def in_a_forked_child(check):
    """Whether check() returns true in a child forked here."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            ok = check()
        except BaseException:
            ok = False
        os.write(write_end, b'1' if ok else b'0')
        os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 1)
    os.close(read_end)
    os.waitpid(pid, 0)
    return answer == b'1'


@smartasync
async def child_work(x):
    await asyncio.sleep(0)
    return x * 2


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs os.fork()')
def test_a_child_forked_in_a_sync_called_async_def_gets_a_loop_of_its_own():
    # multiprocessing's fork start method, from code run to completion in
    # this thread's loop: the child must not run (or close) that loop.
    @smartasync
    async def main():
        return in_a_forked_child(lambda: child_work(3) == 6 and child_work(4) == 8)

    assert main()
    # The parent's loop still works after the child is gone.
    assert child_work(5) == 10


@smartasync
async def woken_by_another_thread():
    # The executor's result arrives through the loop's self-pipe, while
    # the loop waits in epoll.
    await asyncio.get_running_loop().run_in_executor(None, time.sleep, 0.05)
    return 'woken'


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs os.fork()')
def test_a_fork_leaves_the_loops_of_the_parents_other_threads_alone():
    # A worker thread has a loop of its own; a child forked meanwhile drops
    # the state of the threads it does not have, and must not close their
    # loops: that would unregister the parent's self-pipe from the epoll
    # instance both share, and the worker's next call would never wake.
    worker = concurrent.futures.ThreadPoolExecutor(1)
    try:
        assert worker.submit(child_work, 1).result() == 2     # a clean call: kept
        assert in_a_forked_child(lambda: True)
        # A hang here is the failure; the timeout only turns it into one.
        assert worker.submit(woken_by_another_thread).result(timeout=30) == 'woken'
    finally:
        worker.shutdown()


session = contextvars.ContextVar('session')


class Session:
    """Closed by its finalizer, with a call that fails and leaves a timer."""

    @smartasync
    async def close(self):
        asyncio.get_running_loop().call_later(60, lambda: None)
        raise ConnectionError('peer already gone')

    def __del__(self):
        try:
            self.close()
        except ConnectionError:
            pass


def test_a_call_made_by_a_finalizer_as_a_call_ends_does_not_break_it():
    # The session dies with the call's context, right after the loop stops
    # and before the call has checked that the loop is clean; as under
    # asyncio.run(), its close() gets a loop of its own and the call its
    # value.
    @smartasync
    async def handler(value):
        session.set(Session())
        await asyncio.sleep(0)
        return value

    assert handler(1) == 1
    loop = which_loop()
    assert handler(2) == 2 and which_loop() is loop


def test_run_to_completion_in_a_running_loop_is_refused_and_harms_nothing():
    async def inner():
        return 1

    async def main():
        with pytest.raises(RuntimeError, match='running event loop'):
            SmartAsync.run_to_completion(inner())
        await asyncio.sleep(0)      # this task was not cancelled
        return 'still running'

    assert asyncio.run(main()) == 'still running'

    @smartasync
    async def sync_called():
        return await main()

    assert sync_called() == 'still running'


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs os.fork()')
def test_a_child_forked_between_calls_does_not_reuse_the_parents_loop():
    # Its epoll instance and self-pipe are the parent's too.
    parent_loop = which_loop()
    assert which_loop() is parent_loop          # kept: a clean call
    assert in_a_forked_child(lambda: which_loop() is not parent_loop)
    assert which_loop() is parent_loop


def test_pickled_and_copied_by_name_as_functions_are():
    for fn in (which_loop, child_work, SimpleManager.sync_method):
        assert pickle.loads(pickle.dumps(fn)) is fn
        assert copy.copy(fn) is fn
        assert copy.deepcopy({'f': fn})['f'] is fn


def test_callback_in_an_asyncio_coroutine_is_a_clear_error():
    async def main():
        for fn in (which_loop, SimpleManager().sync_method):
            with pytest.raises(TypeError, match='await the call'):
                fn(callback=lambda *_: None)
            # Again once an await has made this loop the one remembered.
            await which_loop()
            with pytest.raises(TypeError, match='await the call'):
                fn(callback=lambda *_: None)

    asyncio.run(main())


def test_glib_loop_callback_paths(loop):
    """In a GLib main-loop callback without asyncio: a call without
    callback= is a plain call (the value, on the loop's thread); with
    callback= it is the library's smart call: a worker thread, and the
    callback later in the loop."""
    seen = {}

    def start():
        seen['def'] = cpu_intensive(3)
        seen['async def'] = process_data(2, 2)
        seen['returned'] = process_data(4, 4, callback=on_done)
        seen['after call'] = 'callback' in seen

    def on_done(fn, result):
        seen['callback'] = fn.call_finish(result)
        loop.done()

    loop.run(start)
    assert seen == {'def': 9, 'async def': 4, 'returned': None,
                    'after call': False, 'callback': 8}


def test_c_callers_get_a_safunction():
    lib = LegacyLibrary()
    function = LegacyLibrary.blocking_operation.function
    assert isinstance(function, SmartAsync.Function)
    assert function.get_name() == 'LegacyLibrary.blocking_operation'
    ok, value, ticks = SaTestCaller.call_from_loop(
        function, [as_object(lib), as_object('c')], True)
    assert ok and value == 'C' and lib.processed == ['C']


# Which asyncio loop is running is looked up on every call, without
# CPython's getpid() per lookup (the override keeps the last loop seen on
# each thread): each check below fails if that shortcut trusts a loop that
# is not running on the calling thread.
@smartasync
async def running_loop():
    return asyncio.get_running_loop()


@smartasync
def in_thread():
    return threading.get_ident()


def test_each_loop_on_a_thread_is_the_one_seen():
    async def main():
        return await running_loop()

    first = asyncio.new_event_loop()
    second = asyncio.new_event_loop()
    try:
        assert first.run_until_complete(main()) is first
        # Between loops: a plain call, run to completion, not a coroutine.
        between = running_loop()
        assert isinstance(between, asyncio.AbstractEventLoop)
        assert between is not first
        assert second.run_until_complete(main()) is second
    finally:
        first.close()
        second.close()


def test_loops_running_at_once_on_two_threads_each_see_their_own():
    # The last loop seen is shared by all threads; each thread must still
    # find its own, and a thread with no loop none.
    ready = threading.Barrier(3, timeout=60)
    go = threading.Barrier(3, timeout=60)
    wrong = []
    plain = []

    def run():
        async def main():
            mine = asyncio.get_running_loop()
            await running_loop()        # now the last loop seen
            ready.wait()
            go.wait()                   # meanwhile, a plain call elsewhere
            for _ in range(2000):
                if await running_loop() is not mine:
                    wrong.append(mine)
        asyncio.run(main())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    ready.wait()
    # Both loops are running: a plain call here runs to completion.
    plain.append(isinstance(running_loop(), asyncio.AbstractEventLoop))
    go.wait()
    while any(thread.is_alive() for thread in threads):
        plain.append(isinstance(running_loop(), asyncio.AbstractEventLoop))
    for thread in threads:
        thread.join()
    assert not wrong and all(plain)


def test_another_thread_is_not_in_the_loop_of_this_one():
    async def main():
        # Offloaded: runs on another thread.
        offloaded = await in_thread()
        seen = []
        thread = threading.Thread(target=lambda: seen.append(in_thread()))
        thread.start()
        thread.join()
        return offloaded, seen[0], thread.ident

    offloaded, from_thread, ident = asyncio.run(main())
    assert offloaded != threading.get_ident()
    # A plain call on that thread, which runs no loop: its own ident.
    assert from_thread == ident


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs os.fork()')
def test_a_child_forked_in_a_loop_runs_none():
    async def main():
        parent_loop = await running_loop()    # now the one remembered

        # The child: the parent's loop is not running here, for a def and
        # for an async def (run to completion in a loop of its own).
        def check():
            child_loop = running_loop()
            return (in_thread() == threading.get_ident() and
                    isinstance(child_loop, asyncio.AbstractEventLoop) and
                    child_loop is not parent_loop)
        return in_a_forked_child(check)

    assert asyncio.run(main())
