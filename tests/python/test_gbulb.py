# SPDX-License-Identifier: LGPL-2.1-or-later
"""One loop for asyncio and GLib: with Debian's python3-gbulb installed
(gbulb.install()), asyncio runs on GLib's default main context, and
awaiting a wrapped GIO pair starts it in that context and resolves from
its callback, with no thread hop. (A process of its own: the event loop
policy is global.)"""

import asyncio
import threading

import gbulb
import pytest

from gi.repository import Gio, GLib, SmartAsync

from conftest import load_contents_finish

gbulb.install()

finished_on = []


def finish(file, result):
    finished_on.append(threading.current_thread())
    return load_contents_finish(file, result)


def make_load():
    return SmartAsync.async_pair(Gio.File.load_contents_async, finish,
                                 returns=GLib.Bytes,
                                 params=[Gio.File], name='load_contents')


@pytest.fixture(autouse=True)
def fresh():
    finished_on.clear()


def no_thread_hop(loop):
    # The finish ran on this thread and asyncio never made its executor.
    assert finished_on == [threading.main_thread()]
    assert loop._default_executor is None


def test_awaiting_a_pair_on_a_glib_driven_loop(text_file):
    load = make_load()
    # gbulb's default loop, shared by the tests of this file.
    loop = asyncio.get_event_loop_policy().get_event_loop()

    async def main():
        assert GLib.main_depth() > 0
        return await load(text_file)

    data = loop.run_until_complete(main())
    assert data.get_data() == b'smart and async\n'
    no_thread_hop(loop)


def test_errors_and_cancellation_of_a_pair_on_a_glib_driven_loop(tmp_path):
    load = make_load()
    loop = asyncio.get_event_loop_policy().get_event_loop()
    missing = Gio.File.new_for_path(str(tmp_path / 'missing'))

    async def main():
        with pytest.raises(GLib.Error) as info:
            await load(missing)
        assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)
        # Cancelling the awaiting task cancels the operation.
        cancellable = Gio.Cancellable()
        task = asyncio.ensure_future(load(missing, cancellable=cancellable))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert cancellable.is_cancelled()

    loop.run_until_complete(main())
    assert loop._default_executor is None


def test_gio_application_callback_starts_a_coroutine(text_file):
    # Last: gbulb's default loop belongs to the application from here on.
    load = make_load()
    app = Gio.Application(application_id='org.smartasync.GbulbTest',
                          flags=Gio.ApplicationFlags.NON_UNIQUE)
    loop = asyncio.get_event_loop_policy().get_event_loop()
    results = []

    async def work():
        try:
            results.append(await load(text_file))
        except BaseException as exc:
            results.append(exc)
        finally:
            app.release()

    def on_activate(application):
        application.hold()
        asyncio.ensure_future(work())

    app.connect('activate', on_activate)
    timed_out = []

    def on_timeout():
        timed_out.append(True)
        app.quit()
        return GLib.SOURCE_REMOVE

    timeout = GLib.timeout_add(5000, on_timeout)
    loop.run_forever(application=app, argv=[])
    assert not timed_out
    GLib.source_remove(timeout)
    assert len(results) == 1
    assert results[0].get_data() == b'smart and async\n'
    no_thread_hop(loop)
