# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared helpers for the Python binding tests."""

import os
import threading

import gi

gi.require_version('SmartAsync', '1')
gi.require_version('SaTestCaller', '1')

from gi.repository import GLib, Gio, SmartAsync  # noqa: E402

import pytest  # noqa: E402

# How long the blocking callables of the tick tests block, and the longest
# a loop may go without dispatching meanwhile: less than one blocking call,
# so a loop that ran one of them itself fails. .ci/valgrind, where
# everything runs some 20 times slower, sets SA_TEST_SLOW_MACHINE: the calls
# block longer there and the bound grows with them, still below a call
# (under memcheck, with two tests at once on two CPUs, the first call that
# starts a worker thread left gaps of 250 to 400 ms).
SLOW_MACHINE = bool(os.environ.get('SA_TEST_SLOW_MACHINE'))
BLOCK = 1.5 if SLOW_MACHINE else 0.2
MAX_GAP = 1.0 if SLOW_MACHINE else 0.15


def max_gap(times):
    """The longest interval between consecutive monotonic times."""
    return max(b - a for a, b in zip(times, times[1:]))


def without_stall(measure, min_ticks=3, attempts=3):
    """Runs measure(), which returns (ticks, gap, details) for one run of a
    loop that must keep ticking, until a run ticks at least `min_ticks`
    times with no gap of MAX_GAP or more, at most `attempts` times; returns
    the last run's figures. A stall that the library causes comes back at every
    attempt; one that a loaded machine causes does not (as in the GJS and
    Vala tests)."""
    for _ in range(attempts):
        ticks, gap, details = measure()
        if ticks >= min_ticks and gap < MAX_GAP:
            break
    return ticks, gap, details


def pytest_configure(config):
    # The override must come from this source tree, not an installed copy.
    here = os.path.dirname(os.path.abspath(__file__))
    expected = os.path.join(os.path.dirname(os.path.dirname(here)),
                            'smartasync-glib', 'python', 'gi', 'overrides')
    module = __import__('gi.overrides.SmartAsync', fromlist=['Function'])
    assert os.path.dirname(os.path.abspath(module.__file__)) == expected, module.__file__
    assert SmartAsync.Function is module.Function


class LoopRunner:
    """Runs a GLib main loop on the default context until `done()`."""

    def __init__(self):
        self.loop = GLib.MainLoop()
        self.timed_out = False

    def run(self, start, timeout=5.0):
        """Calls start() from an idle callback (an async context) and runs
        the loop until done() is called; fails after `timeout` seconds."""
        def on_idle():
            start()
            return GLib.SOURCE_REMOVE

        def on_timeout():
            self.timed_out = True
            self.loop.quit()
            return GLib.SOURCE_REMOVE

        GLib.idle_add(on_idle)
        guard = GLib.timeout_add(int(timeout * 1000), on_timeout)
        self.loop.run()
        if not self.timed_out:
            GLib.source_remove(guard)
        assert not self.timed_out, 'the main loop did not finish in time'

    def done(self):
        self.loop.quit()


@pytest.fixture
def loop():
    return LoopRunner()


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / 'contents.txt'
    path.write_bytes(b'smart and async\n')
    return Gio.File.new_for_path(str(path))


@pytest.fixture
def main_thread():
    return threading.main_thread()


def load_contents_finish(file, result):
    ok, contents, etag = file.load_contents_finish(result)
    return GLib.Bytes.new(contents)


@pytest.fixture
def load():
    """The GIO async pair g_file_load_contents_async/_finish as a Function."""
    return SmartAsync.async_pair(Gio.File.load_contents_async, load_contents_finish,
                                 returns=GLib.Bytes, params=[Gio.File],
                                 name='load_contents')


def assert_error(error, domain, code):
    assert error.domain == GLib.quark_to_string(domain), error
    assert error.code == int(code), error


def sa_function(func=None, **types):
    """@SmartAsync.smartasync's SaFunction: the Python function as C and
    the library's smart call see it (these tests are about those paths;
    test_smartasync_users.py is about the decorator's Python paths)."""
    if func is None:
        return lambda f: SmartAsync.smartasync(f, **types).function
    return SmartAsync.smartasync(func, **types).function
