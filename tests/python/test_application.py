# SPDX-License-Identifier: LGPL-2.1-or-later
"""A Gio.Application's start-up handlers (startup, activate, open,
command-line) are async contexts: a smart call there starts the operation
and returns, and the result arrives in the application's loop, which stays
up until it does, even when nothing else holds the application."""

import time

from gi.repository import GLib, GObject, Gio, SmartAsync

DELAY = 0.3


def later(args, n_args, cancellable, task):
    # A Python async pair completed by the loop DELAY seconds later.
    def complete():
        task.return_value(args[0] * 2)
        return GLib.SOURCE_REMOVE

    GLib.timeout_add(int(DELAY * 1000), complete)


def make_app(flags=Gio.ApplicationFlags.FLAGS_NONE):
    return Gio.Application(application_id='org.smartasync.PyTestApplication',
                           flags=Gio.ApplicationFlags.NON_UNIQUE | flags)


def smart_call_in_handler(seen, handler):
    fn = SmartAsync.Function.new_async_full('later', GObject.TYPE_INT,
                                            [GObject.TYPE_INT], 0, later)

    def on_done(fn, result):
        seen['value'] = fn.call_finish(result)
        seen['delivered'] = seen.get('delivered', 0) + 1

    seen[handler] = SmartAsync.context_is_async()
    start = time.monotonic()
    fn(21, callback=on_done)
    seen['call_seconds'] = time.monotonic() - start
    seen['returned_first'] = 'delivered' not in seen


def assert_started_and_delivered(seen):
    # A wait would have run the callback before the call returned.
    assert seen['returned_first'], 'the smart call blocked the handler'
    assert seen['delivered'] == 1
    assert seen['value'] == 42


def test_activate_is_async_and_the_result_arrives():
    app = make_app()
    seen = {}
    app.connect('startup', lambda app: seen.setdefault('startup', SmartAsync.context_is_async()))
    app.connect('activate', lambda app: smart_call_in_handler(seen, 'activate'))

    assert app.run([]) == 0
    assert seen['startup'] is True
    assert seen['activate'] is True
    assert_started_and_delivered(seen)


def test_open_is_async(tmp_path):
    app = make_app(Gio.ApplicationFlags.HANDLES_OPEN)
    seen = {}
    app.connect('open', lambda app, *files_hint: smart_call_in_handler(seen, 'open'))

    assert app.run(['test', str(tmp_path)]) == 0
    assert seen['open'] is True
    assert_started_and_delivered(seen)


def test_command_line_is_async():
    app = make_app(Gio.ApplicationFlags.HANDLES_COMMAND_LINE)
    seen = {}

    def on_command_line(app, command_line):
        smart_call_in_handler(seen, 'command-line')
        return 0

    app.connect('command-line', on_command_line)

    assert app.run(['test', 'argument']) == 0
    assert seen['command-line'] is True
    assert_started_and_delivered(seen)


def test_shutdown_and_after_run_are_sync():
    app = make_app()
    seen = {}
    app.connect('activate', lambda app: None)
    app.connect('shutdown', lambda app: seen.setdefault('shutdown', SmartAsync.context_is_async()))

    assert app.run([]) == 0
    assert seen['shutdown'] is False
    assert not SmartAsync.context_is_async()


def test_a_blocking_python_function_runs_off_the_loop_from_activate():
    app = make_app()
    seen = {'ticks': 0}

    def block(args, n_args, cancellable):
        time.sleep(DELAY)
        return True, args[0] + 1

    fn = SmartAsync.Function.new_sync_full('block', GObject.TYPE_INT, [GObject.TYPE_INT],
                                           0, block)

    def tick():
        seen['ticks'] += 1
        return GLib.SOURCE_CONTINUE

    def on_done(fn, result):
        seen['value'] = fn.call_finish(result)
        GLib.source_remove(seen['timer'])

    def on_activate(app):
        seen['timer'] = GLib.timeout_add(10, tick)
        fn(1, callback=on_done)

    app.connect('activate', on_activate)
    assert app.run([]) == 0
    assert seen['value'] == 2
    # The loop ran while the function blocked a worker thread.
    assert seen['ticks'] >= 1
