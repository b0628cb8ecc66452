# SPDX-License-Identifier: LGPL-2.1-or-later
"""Errors keep their domain and code; Python exceptions become GLib.Errors
that name the exception, in every context, and are never printed."""

import asyncio
import typing

import pytest

from gi.repository import GLib, GObject, Gio, SmartAsync

from conftest import assert_error, sa_function

SA_ERROR = SmartAsync.error_quark()
IO_ERROR = Gio.io_error_quark()


class ParseError(Exception):
    pass


@sa_function
def parse(text: str) -> int:
    if text == 'io':
        raise GLib.Error.new_literal(IO_ERROR, 'no such thing', Gio.IOErrorEnum.NOT_FOUND)
    if text == 'custom':
        raise ParseError('cannot parse “custom”')
    return int(text)   # ValueError for anything else


def call_in_loop(loop, fn, *args):
    """Calls fn from a GLib loop callback; returns the value or the error."""
    outcome = []

    def on_done(f, result):
        try:
            outcome.append(f.call_finish(result))
        except GLib.Error as error:
            outcome.append(error)
        loop.done()

    loop.run(lambda: fn(*args, callback=on_done))
    return outcome[0]


def call_in_asyncio(fn, *args):
    async def main():
        try:
            return await fn(*args)
        except GLib.Error as error:
            return error

    return asyncio.run(main())


def test_wrong_argument_count():
    with pytest.raises(GLib.Error) as info:
        parse('1', '2')
    assert_error(info.value, SA_ERROR, SmartAsync.Error.ARGUMENT_COUNT)
    assert info.value.matches(SA_ERROR, SmartAsync.Error.ARGUMENT_COUNT)
    assert 'takes 1 argument, 2 given' in info.value.message


@pytest.mark.parametrize('bad', [3.5, 7, [1, 2], b'x', Gio.File.new_for_path('/')])
def test_wrong_argument_type(bad):
    with pytest.raises(GLib.Error) as info:
        parse(bad)
    assert_error(info.value, SA_ERROR, SmartAsync.Error.ARGUMENT_TYPE)
    assert 'argument 1' in info.value.message


def test_none_is_refused_for_a_number_but_is_null_for_a_string():
    half = sa_function(lambda x: x // 2, returns=int, params=[int])
    with pytest.raises(GLib.Error) as info:
        half(None)
    assert_error(info.value, SA_ERROR, SmartAsync.Error.ARGUMENT_TYPE)
    is_none = sa_function(lambda s: s is None, returns=bool, params=[str])
    assert is_none(None) is True


def test_lossy_number_is_refused_but_exact_one_accepted():
    half = sa_function(lambda x: x // 2, returns=int, params=[GObject.TYPE_INT])
    assert half(8.0) == 4
    with pytest.raises(GLib.Error) as info:
        half(8.5)
    assert_error(info.value, SA_ERROR, SmartAsync.Error.ARGUMENT_TYPE)
    with pytest.raises(GLib.Error) as info:
        half(2 ** 40)
    assert_error(info.value, SA_ERROR, SmartAsync.Error.ARGUMENT_TYPE)


def test_wrong_result_type():
    liar = sa_function(lambda: 'not a number', returns=int, params=[])
    with pytest.raises(GLib.Error) as info:
        liar()
    assert_error(info.value, SA_ERROR, SmartAsync.Error.RESULT_TYPE)


def test_glib_error_keeps_domain_code_and_message_in_sync_code():
    with pytest.raises(GLib.Error) as info:
        parse('io')
    assert_error(info.value, IO_ERROR, Gio.IOErrorEnum.NOT_FOUND)
    assert info.value.message == 'no such thing'


def test_glib_error_keeps_domain_and_code_from_a_worker_thread(loop):
    error = call_in_loop(loop, parse, 'io')
    assert_error(error, IO_ERROR, Gio.IOErrorEnum.NOT_FOUND)
    assert error.message == 'no such thing'


def test_glib_error_keeps_domain_and_code_under_asyncio():
    error = call_in_asyncio(parse, 'io')
    assert_error(error, IO_ERROR, Gio.IOErrorEnum.NOT_FOUND)


def test_python_exception_becomes_a_named_glib_error(capfd):
    with pytest.raises(GLib.Error) as info:
        parse('eleven')
    assert_error(info.value, SA_ERROR, SmartAsync.Error.FAILED)
    assert 'ValueError' in info.value.message
    assert "invalid literal for int() with base 10: 'eleven'" in info.value.message
    assert 'parse' in info.value.message
    out, err = capfd.readouterr()
    assert 'Traceback' not in err and 'ValueError' not in err


def test_python_exception_from_a_worker_thread_is_not_lost(loop, capfd):
    error = call_in_loop(loop, parse, 'custom')
    assert_error(error, SA_ERROR, SmartAsync.Error.FAILED)
    assert 'test_errors.ParseError: cannot parse “custom”' in error.message
    assert 'Traceback' not in capfd.readouterr().err


def test_python_exception_under_asyncio_is_not_lost(capfd):
    error = call_in_asyncio(parse, 'twelve')
    assert_error(error, SA_ERROR, SmartAsync.Error.FAILED)
    assert 'ValueError' in error.message
    assert 'Traceback' not in capfd.readouterr().err


def test_raw_sync_callable_exception_is_named(capfd):
    def raw(args, n_args, cancellable):
        raise KeyError('missing')

    fn = SmartAsync.Function.new_sync_full('raw', GObject.TYPE_INT, [], 0, raw)
    with pytest.raises(GLib.Error) as info:
        fn.call_sync([])
    assert_error(info.value, SA_ERROR, SmartAsync.Error.FAILED)
    assert "KeyError: 'missing'" in info.value.message
    assert 'Traceback' not in capfd.readouterr().err


def test_raw_async_callable_exception_before_completing_fails_the_call(capfd):
    def start(args, n_args, cancellable, task):
        raise RuntimeError('could not start')

    fn = SmartAsync.Function.new_async_full('start', GObject.TYPE_INT, [], 0, start)
    with pytest.raises(GLib.Error) as info:
        fn()
    assert_error(info.value, SA_ERROR, SmartAsync.Error.FAILED)
    assert 'RuntimeError: could not start' in info.value.message
    assert 'Traceback' not in capfd.readouterr().err


def test_async_callable_returning_a_glib_error_keeps_it(loop):
    def start(args, n_args, cancellable, task):
        GLib.idle_add(lambda: task.return_error(
            GLib.Error.new_literal(IO_ERROR, 'busy', Gio.IOErrorEnum.BUSY)))

    fn = SmartAsync.Function.new_async_full('busy', GObject.TYPE_INT, [], 0, start)
    error = call_in_loop(loop, fn)
    assert_error(error, IO_ERROR, Gio.IOErrorEnum.BUSY)
    assert error.message == 'busy'


def test_async_callable_that_drops_its_task_fails_the_call():
    fn = SmartAsync.Function.new_async_full('forgetful', GObject.TYPE_INT, [], 0,
                                            lambda args, n_args, cancellable, task: None)
    with pytest.raises(GLib.Error) as info:
        fn()
    assert_error(info.value, SA_ERROR, SmartAsync.Error.FAILED)
    assert 'dropped its task' in info.value.message


def test_gio_error_of_an_async_pair_passes_through(tmp_path, load):
    missing = Gio.File.new_for_path(str(tmp_path / 'missing'))
    with pytest.raises(GLib.Error) as info:
        load(missing)
    assert_error(info.value, IO_ERROR, Gio.IOErrorEnum.NOT_FOUND)
    error = call_in_asyncio(load, missing)
    assert_error(error, IO_ERROR, Gio.IOErrorEnum.NOT_FOUND)


def test_untyped_parameters_and_results_are_any_python_object():
    """No annotations needed: C sees PyObject where nothing gives a GType
    (and for annotations that have none, such as dict or List[int])."""
    def pick(items: dict, key, default=None) -> typing.List[int]:
        return items.get(key, default)

    fn = sa_function(pick)
    assert fn.get_return_type() == GObject.TYPE_PYOBJECT
    assert list(fn.get_param_types()) == [GObject.TYPE_PYOBJECT] * 3
    assert fn.call_sync([{'a': [1]}, 'a', None]) == [1]
