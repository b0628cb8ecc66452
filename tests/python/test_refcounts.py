# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python objects through every path of a SaFunction with exact reference
counts: a fresh dict is returned many times (100,000 on a normal run) and
every result must hold exactly the references its receiver holds, every
dict must be freed once the receiver drops it, and nothing may crash.
(PyGObject 3.42 releases a returned GObject.Value's contents twice; the
override must never hand one over for a value that owns something.)
Under valgrind (.ci/valgrind) memcheck also checks each access."""

import asyncio
import gc
import sys
import time

import pytest

from gi.repository import GLib, GObject, Gio, SaTestCaller, SmartAsync

from conftest import SLOW_MACHINE

N = 1000 if SLOW_MACHINE else 100_000
# Each call through the C test caller runs a GLib main loop of its own.
N_LOOP = 200 if SLOW_MACHINE else 10_000


class Fresh(dict):
    """A dict that records its own creation and release."""

    created = []
    freed = []

    def __init__(self, n):
        super().__init__(n=n)
        Fresh.created.append(n)

    def __del__(self):
        Fresh.freed.append(self['n'])


def settle():
    """Lets the last call's result objects go: the library releases them
    after the callback returns, some on a worker thread."""
    context = GLib.MainContext.default()
    for _ in range(20):
        time.sleep(0.01)
        while context.iteration(False):
            pass
    gc.collect()


def live():
    gc.collect()
    return len(Fresh.created) - len(Fresh.freed)


@pytest.fixture(autouse=True)
def counted():
    Fresh.created.clear()
    Fresh.freed.clear()
    yield
    assert live() == 0, 'dicts leaked'


def check(result, n):
    # The receiver's variable (or list), this parameter and getrefcount's
    # argument: nothing else may hold the result.
    refs = sys.getrefcount(result)
    assert type(result) is Fresh and result['n'] == n
    assert refs == 3, refs


def function_of(decorated):
    """The SaFunction that C callers see."""
    return getattr(decorated, 'function', decorated)


def make_untyped():
    """A blocking Python callable that C sees as object -> object."""
    return function_of(SmartAsync.smartasync(lambda n: Fresh(n),
                                             returns=object, params=[object]))


def make_annotated():
    def make(n: int) -> object:
        return Fresh(n)
    return function_of(SmartAsync.smartasync(make))


def make_task():
    """An async Python callable completing its Gio.Task with the dict."""
    def start(args, n_args, cancellable, task):
        task.return_value(Fresh(args[0]))
    return SmartAsync.Function.new_async_full('fresh_task', object, [int], 0, start)


def make_pair():
    """A GIO-style pair whose finish returns the dict."""
    def start(n, cancellable, callback):
        task = Gio.Task.new(None, cancellable, callback)
        task.n = n
        task.return_boolean(True)

    def finish(source, result):
        return Fresh(result.n)

    return SmartAsync.async_pair(start, finish, returns=object, params=[int],
                                 name='fresh_pair')


MAKERS = {'untyped': make_untyped, 'annotated': make_annotated,
          'task': make_task}


@pytest.mark.parametrize('maker', MAKERS)
def test_call_sync(maker):
    fn = MAKERS[maker]()
    for n in range(N):
        result = fn.call_sync([n])
        check(result, n)
    del result
    assert live() == 0


@pytest.mark.parametrize('maker', MAKERS)
def test_smart_call_in_sync_code(maker):
    fn = MAKERS[maker]()
    for n in range(N):
        result = fn(n)
        check(result, n)
    del result
    assert live() == 0


def test_async_pair_call_sync():
    fn = make_pair()
    for n in range(N // 10):
        result = fn(n)
        check(result, n)
    del result
    assert live() == 0


@pytest.mark.parametrize('maker', MAKERS)
def test_call_async_in_a_glib_loop(maker, loop):
    fn = MAKERS[maker]()
    values = []
    failures = []

    def on_done(f, result):
        # The result object keeps its own reference to the value while the
        # callback runs: the counts are checked once it is gone.
        try:
            values.append(f.call_finish(result))
        except BaseException as exc:
            failures.append(exc)
        if failures or len(values) == N_LOOP:
            loop.done()
        else:
            f.call_async([len(values)], None, on_done)

    loop.run(lambda: fn.call_async([0], None, on_done), timeout=300)
    assert not failures, failures
    settle()
    for n in range(N_LOOP):
        check(values[n], n)
    values.clear()
    assert live() == 0


@pytest.mark.parametrize('maker', MAKERS)
def test_awaited_in_asyncio(maker):
    fn = MAKERS[maker]()

    values = []

    async def main():
        for n in range(N_LOOP):
            values.append(await fn(n))

    asyncio.run(main())
    # The futures between the executor and the coroutine are gone now.
    settle()
    for n in range(N_LOOP):
        check(values[n], n)
    values.clear()
    assert live() == 0


def c_argument(maker, n):
    # C passes GValues: a Python int arrives as a gint, which an object
    # parameter refuses, so the untyped callable gets a PyObject GValue.
    if maker == 'untyped':
        return GObject.Value(GObject.TYPE_PYOBJECT, n)
    return n


@pytest.mark.parametrize('maker', MAKERS)
@pytest.mark.parametrize('smart', [False, True], ids=['call_asyncv', 'callv'])
def test_c_caller_in_a_loop(maker, smart):
    fn = MAKERS[maker]()
    values = []
    for n in range(N_LOOP // 4):
        ok, result, ticks = SaTestCaller.call_from_loop(fn, [c_argument(maker, n)], smart)
        assert ok
        values.append(result)
    del result
    # The call's result object may still be on its way out.
    settle()
    for n in range(N_LOOP // 4):
        check(values[n], n)
    values.clear()
    assert live() == 0


@pytest.mark.parametrize('maker', MAKERS)
def test_c_caller_on_a_thread(maker):
    fn = MAKERS[maker]()
    values = []
    for n in range(N // 10):
        ok, result = SaTestCaller.call_from_thread(fn, [c_argument(maker, n)], None)
        assert ok
        values.append(result)
    del result
    settle()
    for n in range(N // 10):
        check(values[n], n)
    values.clear()
    assert live() == 0


def test_an_object_argument_comes_back_as_itself():
    """A dict passed in and returned: the caller's reference count is
    unchanged after every call."""
    fn = function_of(SmartAsync.smartasync(lambda d: d, returns=object, params=[object]))
    kept = Fresh(-1)
    before = sys.getrefcount(kept)
    for n in range(N):
        assert fn.call_sync([kept]) is kept
        ok, back = SaTestCaller.call_from_thread(fn, [kept], None)
        assert back is kept
        del back
    assert sys.getrefcount(kept) == before
    del kept


@pytest.mark.parametrize('value', [None, 'text', 7, 2.5, True, b'raw', (1, 2), [3], {4}],
                         ids=repr)
def test_any_python_value_through_an_object_result(value):
    fn = function_of(SmartAsync.smartasync(lambda: value, returns=object, params=[]))
    assert fn.call_sync([]) == value
    ok, back = SaTestCaller.call_from_thread(fn, [], None)
    assert back == value
