# SPDX-License-Identifier: LGPL-2.1-or-later
"""The override's smart call in C (gi/overrides/_smartasync.c): in plain
code it calls the function itself, and hands every other case to the
Python implementation, Function._python_call. Both must give the same
values and the same errors; the C one must let other Python threads run
while the function blocks, and keep reference counts exact."""

import asyncio
import importlib
import inspect
import os
import sys
import threading
import time

from gi.repository import GLib, GObject, Gio, SaTestCaller, SmartAsync

import pytest

from conftest import BLOCK

import gi.overrides.SmartAsync as override


def test_the_c_smart_call_is_loaded_when_the_build_made_it():
    built = os.environ.get('SA_PYTHON_EXTENSION')
    assert built in ('0', '1'), 'run by meson, which says whether it built it'
    call = SmartAsync.Function.__dict__['__call__']
    if built == '1':
        assert type(call).__name__ == 'method_descriptor'
        assert override._smartasync is not None
        assert call.__doc__ == SmartAsync.Function._python_call.__doc__
        assert str(inspect.signature(SaTestCaller.new_add())) == \
            '(*args, cancellable=None, callback=None, user_data=())'
    else:
        assert call is SmartAsync.Function._python_call


def python_function(name, return_type, param_types, body, flags=0):
    def trampoline(args, n_args, cancellable):
        return True, body(*args)
    return SmartAsync.Function.new_sync_full(name, return_type, param_types,
                                             flags, trampoline)


def raise_io_error(*_):
    raise GLib.Error.new_literal(Gio.io_error_quark(), 'no such thing',
                                 Gio.IOErrorEnum.NOT_FOUND)


def raise_value_error(*_):
    raise ValueError('bad value')


FUNCTIONS = {
    'add': SaTestCaller.new_add,
    'concat': lambda: python_function(
        'concat', GObject.TYPE_STRING, [GObject.TYPE_STRING, GObject.TYPE_STRING],
        lambda a, b: None if a == 'none' else a + b),
    'half': lambda: python_function(
        'half', GObject.TYPE_DOUBLE, [GObject.TYPE_DOUBLE], lambda x: x / 2),
    'negate': lambda: python_function(
        'negate', GObject.TYPE_BOOLEAN, [GObject.TYPE_BOOLEAN], lambda b: not b),
    'big': lambda: python_function(
        'big', GObject.TYPE_INT64, [GObject.TYPE_INT], lambda n: n * 2 ** 40),
    'unsigned': lambda: python_function(
        'unsigned', GObject.TYPE_UINT, [GObject.TYPE_UINT], lambda n: n + 1),
    'file_type': lambda: python_function(
        'file_type', Gio.FileType, [GObject.TYPE_INT], lambda n: Gio.FileType(n)),
    'flags': lambda: python_function(
        'flags', Gio.FileQueryInfoFlags, [], lambda: Gio.FileQueryInfoFlags.NOFOLLOW_SYMLINKS),
    'nothing': lambda: python_function(
        'nothing', GObject.TYPE_NONE, [GObject.TYPE_INT], lambda n: None),
    'new_object': lambda: python_function(
        'new_object', Gio.Cancellable, [], lambda: Gio.Cancellable()),
    'io_error': lambda: python_function(
        'io_error', GObject.TYPE_INT, [GObject.TYPE_INT], raise_io_error),
    'value_error': lambda: python_function(
        'value_error', GObject.TYPE_INT, [GObject.TYPE_STRING], raise_value_error),
    'any': lambda: python_function(
        'any', GObject.TYPE_PYOBJECT, [GObject.TYPE_PYOBJECT], lambda x: [x]),
    'slow_double': SaTestCaller.new_slow_double,
}

# Arguments the C call takes itself, and arguments it hands to Python
# (values of other types, ints past 32 bits, the wrong count, keywords).
CASES = [
    ('add', (2, 3), {}),
    ('add', (-7, 0), {}),
    ('add', (2 ** 31 - 2, 1), {}),
    ('add', (2 ** 40, 1), {}),
    ('add', ('two', 3), {}),
    ('add', (2.5, 3), {}),
    ('add', (True, 3), {}),
    ('add', (None, 3), {}),
    ('add', (2,), {}),
    ('add', (2, 3, 4), {}),
    ('add', (2, 3), {'cancellable': None}),
    ('add', (2, 3), {'cancellable': Gio.Cancellable()}),
    ('add', (2, 3), {'cancellable': 'not a cancellable'}),
    ('add', (2, 3), {'user_data': ()}),
    ('add', (2, 3), {'nonsense': 1}),
    ('add', (), {}),
    ('concat', ('smart', 'async'), {}),
    ('concat', ('naïve ', '日本'), {}),
    ('concat', ('none', ''), {}),
    ('concat', ('bad \udc80 text', 'x'), {}),
    ('concat', (b'bytes', 'x'), {}),
    ('concat', (1, 'x'), {}),
    ('half', (3.0,), {}),
    ('half', (3,), {}),
    ('half', (float('inf'),), {}),
    ('negate', (True,), {}),
    ('negate', (False,), {}),
    ('negate', (0,), {}),
    ('big', (3,), {}),
    ('unsigned', (41,), {}),
    ('unsigned', (-1,), {}),
    ('file_type', (2,), {}),
    ('flags', (), {}),
    ('nothing', (1,), {}),
    ('io_error', (1,), {}),
    ('value_error', ('x',), {}),
    ('any', ({'a': 1},), {}),
    ('any', (1,), {}),
    ('slow_double', (21, 0), {}),
    ('slow_double', (21, 0), {'cancellable': Gio.Cancellable()}),
]


def outcome(call):
    try:
        value = call()
    except GLib.Error as error:
        return ('GLib.Error', error.domain, error.code, error.message)
    except Exception as exc:  # noqa: BLE001 - comparing what each path raises
        return (type(exc).__name__, str(exc))
    if isinstance(value, GObject.Object):
        return ('object', type(value))
    return ('value', type(value), value)


@pytest.mark.parametrize('name, args, kwargs', CASES,
                         ids=['%s%r%s' % (n, a, sorted(k)) for n, a, k in CASES])
def test_c_and_python_smart_calls_agree(name, args, kwargs):
    fn = FUNCTIONS[name]()
    ours = outcome(lambda: fn(*args, **kwargs))
    python = outcome(lambda: SmartAsync.Function._python_call(fn, *args, **kwargs))
    assert ours == python


def test_results_are_right_in_plain_code():
    assert SaTestCaller.new_add()(2, 3) == 5
    assert FUNCTIONS['concat']()('naïve ', '日本') == 'naïve 日本'
    assert FUNCTIONS['concat']()('none', '') is None
    assert FUNCTIONS['big']()(3) == 3 * 2 ** 40
    assert FUNCTIONS['file_type']()(2) == Gio.FileType.DIRECTORY
    assert FUNCTIONS['nothing']()(1) is None
    assert isinstance(FUNCTIONS['new_object']()(), Gio.Cancellable)
    with pytest.raises(GLib.Error) as raised:
        FUNCTIONS['io_error']()(1)
    assert raised.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)


def test_a_cancelled_cancellable_reaches_the_function():
    cancellable = Gio.Cancellable()
    cancellable.cancel()
    with pytest.raises(GLib.Error) as raised:
        SaTestCaller.new_slow_double()(21, 10_000, cancellable=cancellable)
    assert raised.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def test_a_cancellable_cancelled_from_another_thread_ends_the_call():
    slow_double = SaTestCaller.new_slow_double()
    cancellable = Gio.Cancellable()
    threading.Timer(0.05, cancellable.cancel).start()
    start = time.monotonic()
    with pytest.raises(GLib.Error) as raised:
        slow_double(21, 60_000, cancellable=cancellable)
    assert raised.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert time.monotonic() - start < 30


def test_other_python_threads_run_while_the_function_blocks():
    slow_double = SaTestCaller.new_slow_double()
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        time.sleep(0.02)
        start = time.monotonic()
        assert slow_double(21, int(BLOCK * 1000)) == 42
        end = time.monotonic()
    finally:
        stop.set()
        ticker.join()
    # Holding the GIL through the call would leave no tick inside it.
    assert len([t for t in ticks if start < t < end]) >= 3


def test_a_python_function_called_from_many_threads_at_once():
    # Each call goes through C and back into Python on the calling thread:
    # the C call must release the GIL for the callback to take it.
    square = python_function('square', GObject.TYPE_INT, [GObject.TYPE_INT],
                             lambda n: n * n)
    failures = []

    def work(offset):
        for i in range(300):
            n = offset + i
            if square(n) != n * n:
                failures.append(n)

    threads = [threading.Thread(target=work, args=(k * 1000,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_reference_counts_stay_exact():
    concat = FUNCTIONS['concat']()
    new_object = FUNCTIONS['new_object']()
    text = 'a string that is not interned ' + str(time.monotonic())
    before = sys.getrefcount(text)
    for _ in range(5000):
        assert concat(text, '!') == text + '!'
    assert sys.getrefcount(text) == before

    # Each new object is held by its wrapper alone, as PyGObject's own
    # call leaves it.
    ours = [new_object() for _ in range(100)]
    python = [SmartAsync.Function._python_call(new_object) for _ in range(100)]
    assert {sys.getrefcount(r) for r in ours} == {sys.getrefcount(r) for r in python}
    assert {r.ref_count for r in ours} == {r.ref_count for r in python} == {1}


def test_a_function_with_pygobject_style_results_keeps_them():
    # wrap()'s functions hand results as PyGObject's own call does (bytes,
    # tuples): the C call leaves them to the Python implementation.
    wrapped = SmartAsync.wrap(GLib.compute_checksum_for_data)
    expected = GLib.compute_checksum_for_data(GLib.ChecksumType.SHA256, b'smart')
    assert wrapped(GLib.ChecksumType.SHA256, b'smart') == expected
    base64 = SmartAsync.wrap(GLib.base64_decode)
    assert base64('c21hcnQ=') == GLib.base64_decode('c21hcnQ=') == b'smart'


def test_inside_a_glib_loop_callback_the_python_rules_hold(loop):
    add = SaTestCaller.new_add()
    seen = {}

    def start():
        try:
            add(2, 3)
        except TypeError as exc:
            seen['error'] = str(exc)

        def on_done(fn, result):
            seen['value'] = fn.call_finish(result)
            loop.done()
        add(2, 3, callback=on_done)

    loop.run(start)
    assert 'callback=' in seen['error']
    assert seen['value'] == 5


def test_inside_asyncio_the_call_is_awaitable():
    add = SaTestCaller.new_add()

    async def main():
        pending = add(2, 3)
        assert not isinstance(pending, int)
        return await pending

    assert asyncio.run(main()) == 5


def test_reloading_the_override_keeps_the_c_call():
    importlib.reload(override)
    from gi.repository import SmartAsync as reloaded
    add = SaTestCaller.new_add()
    assert add(2, 3) == 5
    if os.environ.get('SA_PYTHON_EXTENSION') == '1':
        assert type(reloaded.Function.__dict__['__call__']).__name__ == 'method_descriptor'
