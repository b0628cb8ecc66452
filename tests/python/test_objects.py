# SPDX-License-Identifier: LGPL-2.1-or-later
"""GObject arguments and results: a Gio.File in, a Gio.InputStream or a
GLib.Bytes out, in each context."""

import asyncio
import gc

import pytest

from gi.repository import GLib, Gio, SmartAsync

from conftest import assert_error, sa_function

CONTENTS = b'smart and async\n'


@sa_function(returns=Gio.InputStream, params=[Gio.File])
def open_file(file, cancellable=None):
    return file.read(cancellable)


@sa_function(returns=GLib.Bytes, params=[Gio.File])
def slurp(file, cancellable=None):
    # Python bytes become a GLib.Bytes for the GBytes result.
    return file.load_contents(cancellable)[1]


def read_all(stream):
    return stream.read_bytes(1024, None).get_data()


def test_file_in_stream_out_sync(text_file):
    stream = open_file(text_file)
    assert isinstance(stream, Gio.InputStream)
    assert read_all(stream) == CONTENTS


def test_file_in_stream_out_in_a_glib_loop(loop, text_file):
    streams = []

    def on_done(fn, result):
        streams.append(fn.call_finish(result))
        loop.done()

    loop.run(lambda: open_file(text_file, callback=on_done))
    assert read_all(streams[0]) == CONTENTS


def test_file_in_stream_out_under_asyncio(text_file):
    async def main():
        return await open_file(text_file)

    assert read_all(asyncio.run(main())) == CONTENTS


@pytest.mark.parametrize('context', ['sync', 'glib', 'asyncio'])
def test_file_in_bytes_out_survives_the_call(context, loop, text_file, load):
    """The boxed GLib.Bytes must stay valid after the call's own
    references are gone (PyGObject 3.42 would otherwise leave it dangling)."""
    results = []
    for fn in (slurp, load):
        if context == 'sync':
            results.append(fn(text_file))
        elif context == 'glib':
            def on_done(f, result):
                results.append(f.call_finish(result))
                loop.done()
            loop.run(lambda: fn(text_file, callback=on_done))
        else:
            async def main():
                return await fn(text_file)
            results.append(asyncio.run(main()))
    gc.collect()
    # Allocate and free to reuse any memory freed too early.
    junk = [GLib.Bytes.new(b'x' * 16) for _ in range(100)]
    del junk
    for data in results:
        assert isinstance(data, GLib.Bytes)
        assert data.get_data() == CONTENTS
        assert data.get_size() == len(CONTENTS)


def test_explicit_call_sync_of_a_boxed_result_inside_a_loop(loop, text_file, load):
    results = []

    def start():
        results.append(load.call_sync([text_file]))
        loop.done()

    loop.run(start)
    assert results[0].get_data() == CONTENTS


def test_python_bytes_argument_becomes_glib_bytes():
    size = sa_function(lambda b: b.get_size(), returns=int, params=[GLib.Bytes])
    assert size(b'12345') == 5
    assert size(GLib.Bytes.new(b'123')) == 3


def test_boxed_argument_kept_by_the_callable_stays_valid():
    kept = []
    keep = sa_function(lambda b: kept.append(b), returns=None, params=[GLib.Bytes])
    keep(GLib.Bytes.new(b'kept bytes'))
    gc.collect()
    junk = [GLib.Bytes.new(b'y' * 10) for _ in range(100)]
    del junk
    assert kept[0].get_data() == b'kept bytes'


def test_null_object_argument():
    is_none = sa_function(lambda f: f is None, returns=bool, params=[Gio.File])
    assert is_none(None) is True
    assert is_none(Gio.File.new_for_path('/')) is False


def test_object_of_the_wrong_type_is_refused():
    with pytest.raises(GLib.Error) as info:
        open_file(Gio.Cancellable())
    assert_error(info.value, SmartAsync.error_quark(), SmartAsync.Error.ARGUMENT_TYPE)
    assert 'GFile' in info.value.message


def test_object_result_outlives_the_function(text_file):
    fn = sa_function(lambda f: f.read(None), returns=Gio.InputStream,
                               params=[Gio.File])
    stream = fn(text_file)
    del fn
    gc.collect()
    assert read_all(stream) == CONTENTS
