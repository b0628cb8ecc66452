// test-without-loop.js: tests of async code in GJS, written as plain
// sync code at the top level: no main loop, no promises to await.
// Prints TAP.
//
//   gjs -m test-without-loop.js
//
// The guide: docs/guides/testing.md.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import System from 'system';

import * as SA from '../../smartasync-glib/js/smartasync.js';

const {SmartAsync} = SA;

// The code under test: two GIO async operations as SmartAsync functions.
function gioPair(name, returns, params, start, finish) {
    return SmartAsync.Function.new_async_full(name, returns, params, SA.OWNER_THREAD,
        (args, cancellable, task) => start(...args, cancellable, (source, res) => {
            try {
                task.return_value(finish(source, res));
            } catch (e) {
                task.return_error(e);
            }
        }));
}

const loadContents = gioPair('load_contents', GLib.Bytes.$gtype, [Gio.File.$gtype],
    (file, c, done) => file.load_contents_async(c, done),
    (file, res) => new GLib.Bytes(file.load_contents_finish(res)[1]));

const waitProcess = gioPair('wait', GObject.TYPE_BOOLEAN, [Gio.Subprocess.$gtype],
    (process, c, done) => process.wait_async(c, done),
    (process, res) => process.wait_finish(res));

// A tiny TAP harness.
let count = 0, failed = 0;
function test(name, body) {
    count++;
    try {
        body();
        print(`ok ${count} - ${name}`);
    } catch (e) {
        failed++;
        print(`not ok ${count} - ${name}: ${e.message}`);
    }
}
function assert(condition, what) {
    if (!condition)
        throw new Error(what);
}

const [, path] = GLib.file_open_tmp('test-without-loop-XXXXXX');
GLib.file_set_contents(path, 'one two three\n');

test('an async GIO read, checked in one line', () => {
    const bytes = SA.call(loadContents, [Gio.File.new_for_path(path)]);
    assert(bytes.get_size() === 14, `read ${bytes.get_size()} bytes`);
});

test('its error arrives as a thrown GLib.Error', () => {
    try {
        SA.call(loadContents, [Gio.File.new_for_path('/nonexistent/file')]);
    } catch (e) {
        assert(e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.NOT_FOUND), e.message);
        return;
    }
    throw new Error('no error');
});

test('an operation that never completes fails instead of hanging', () => {
    const sleeper = Gio.Subprocess.new(['sleep', '30'], Gio.SubprocessFlags.NONE);
    waitProcess.timeout = 200;
    try {
        SA.call(waitProcess, [sleeper]);
        throw new Error('no error');
    } catch (e) {
        assert(e.matches(Gio.IOErrorEnum, Gio.IOErrorEnum.TIMED_OUT), e.message);
    } finally {
        // GLib sends the signal from its worker thread: wait for it to land.
        sleeper.force_exit();
        sleeper.wait(null);
    }
});

GLib.unlink(path);
print(`1..${count}`);
System.exit(failed ? 1 : 0);
