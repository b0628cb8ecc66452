// test-cancellation.js: cancelled before and during, from GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import SaTestCaller from 'gi://SaTestCaller';

import * as SA from '../../smartasync-glib/js/smartasync.js';
import {test, testInLoop, run, assert, assertEquals, assertThrowsGError,
    assertRejectsGError, sleep} from './tap.js';
import {SmartAsync, IO_ERROR, SLOW_MACHINE} from './common.js';

// A call cancelled while it runs must end well before it would have: at
// 40% of its length. Under memcheck, on a loaded machine, starting the
// C thread and reaching the cancellation alone took over 2 s.
const LONG_CALL_MS = SLOW_MACHINE ? 30000 : 5000;
const STOPPED_EARLY_MS = LONG_CALL_MS * 0.4;

const CANCELLED = Gio.IOErrorEnum.CANCELLED;

function cancelled() {
    const cancellable = new Gio.Cancellable();
    cancellable.cancel();
    return cancellable;
}

let runs = 0;
const counted = SA.wrap(x => {
    runs++;
    return x;
}, {returns: GObject.TYPE_INT, params: [GObject.TYPE_INT]});

let onStart = null;

// g_input_stream_read_bytes_async on the stdout pipe of a `cat` whose
// stdin stays open: it only ends when cancelled. Implemented in JS,
// completing its task from the GIO callback.
const cats = [];

function pipeReader() {
    const cat = Gio.Subprocess.new(['cat'],
        Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
    cats.push(cat);
    const stream = cat.get_stdout_pipe();
    const read = SmartAsync.Function.new_async_full('read_bytes', GLib.Bytes.$gtype,
        [Gio.InputStream.$gtype, GObject.TYPE_INT], SA.OWNER_THREAD, (args, cancellable, task) => {
            if (onStart)
                onStart();
            args[0].read_bytes_async(args[1], GLib.PRIORITY_DEFAULT, cancellable, (s, result) => {
                try {
                    task.return_value(s.read_bytes_finish(result));
                } catch (e) {
                    task.return_error(e);
                }
            });
        });
    return {read, stream};
}

function cancelLater(cancellable, ms) {
    // A source on the thread-default context: the private context of a sync
    // caller, or the loop's.
    const source = GLib.timeout_source_new(ms);
    source.set_callback(() => {
        cancellable.cancel();
        return GLib.SOURCE_REMOVE;
    });
    source.attach(GLib.MainContext.get_thread_default());
}

/** Resolves once cond() holds, checked every 5 ms of a running loop. */
async function until(cond, what, timeoutMs = 5000) {
    const start = GLib.get_monotonic_time();
    while (!cond()) {
        assert((GLib.get_monotonic_time() - start) / 1000 < timeoutMs, `waited for ${what}`);
        await sleep(5);
    }
}

test('cancelled before a sync call: the callable never runs', () => {
    runs = 0;
    assertThrowsGError(() => SA.call(counted, [1], {cancellable: cancelled()}), IO_ERROR, CANCELLED);
    assertEquals(runs, 0);
});

testInLoop('cancelled before an async call: the callable never runs', async () => {
    runs = 0;
    await assertRejectsGError(SA.call(counted, [1], {cancellable: cancelled()}), IO_ERROR, CANCELLED);
    assertEquals(runs, 0);
});

test('cancelled before: an async pair from a sync caller, never started', () => {
    const {read, stream} = pipeReader();
    let starts = 0;
    onStart = () => starts++;
    try {
        assertThrowsGError(() => SA.call(read, [stream, 10], {cancellable: cancelled()}),
            IO_ERROR, CANCELLED);
    } finally {
        onStart = null;
    }
    assertEquals(starts, 0);
});

testInLoop('cancelled before: an async pair from an async caller, never started', async () => {
    const {read, stream} = pipeReader();
    let starts = 0;
    onStart = () => starts++;
    try {
        assert(SmartAsync.context_is_async());
        const pending = SA.call(read, [stream, 10], {cancellable: cancelled()});
        assert(pending instanceof Promise, 'the smart call returns a Promise');
        await assertRejectsGError(pending, IO_ERROR, CANCELLED);
    } finally {
        onStart = null;
    }
    assertEquals(starts, 0);
});

testInLoop('cancelled before: a C blocking callable in a running loop never runs', async () => {
    const slowDouble = SaTestCaller.new_slow_double();
    const runsBefore = SaTestCaller.slow_double_runs();
    const pending = SA.call(slowDouble, [1, 5000], {cancellable: cancelled()});
    assert(pending instanceof Promise, 'the smart call returns a Promise');
    await assertRejectsGError(pending, IO_ERROR, CANCELLED);
    assertEquals(SaTestCaller.slow_double_runs(), runsBefore);
});

test('cancelled during: an async pair from a sync caller (private context)', () => {
    const {read, stream} = pipeReader();
    const cancellable = new Gio.Cancellable();
    // A sync caller waits in a private context made for the call; the
    // source that cancels is added there, once the read has started.
    onStart = () => cancelLater(cancellable, 30);
    try {
        assertThrowsGError(() => SA.call(read, [stream, 10], {cancellable}), IO_ERROR, CANCELLED);
    } finally {
        onStart = null;
    }
});

test('cancelled during: a sync caller on a C thread, cancelled from here', () => {
    const slowDouble = SaTestCaller.new_slow_double();
    const cancellable = new Gio.Cancellable();
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 30, () => {
        cancellable.cancel();
        return GLib.SOURCE_REMOVE;
    });
    const start = GLib.get_monotonic_time();
    // call_from_thread iterates this thread's context while it waits.
    assertThrowsGError(() => SaTestCaller.call_from_thread_value(slowDouble, [1, LONG_CALL_MS], cancellable),
        IO_ERROR, CANCELLED);
    assert((GLib.get_monotonic_time() - start) / 1000 < STOPPED_EARLY_MS, 'stopped early');
});

testInLoop('cancelled during: an async pair from an async caller', async () => {
    const {read, stream} = pipeReader();
    const cancellable = new Gio.Cancellable();
    let starts = 0;
    onStart = () => starts++;
    try {
        const pending = SA.call(read, [stream, 10], {cancellable});
        await until(() => starts > 0, 'the read to start');
        await sleep(20);
        cancellable.cancel();
        await assertRejectsGError(pending, IO_ERROR, CANCELLED);
    } finally {
        onStart = null;
    }
    assertEquals(starts, 1);
});

testInLoop('cancelled during: a C blocking callable on a worker thread', async () => {
    const slowDouble = SaTestCaller.new_slow_double();
    const cancellable = new Gio.Cancellable();
    const runsBefore = SaTestCaller.slow_double_runs();
    const start = GLib.get_monotonic_time();
    const pending = SA.call(slowDouble, [1, LONG_CALL_MS], {cancellable});
    await until(() => SaTestCaller.slow_double_runs() > runsBefore, 'the call to start');
    await sleep(20);
    cancellable.cancel();
    await assertRejectsGError(pending, IO_ERROR, CANCELLED);
    assert((GLib.get_monotonic_time() - start) / 1000 < STOPPED_EARLY_MS, 'stopped early');
    assertEquals(SaTestCaller.slow_double_runs(), runsBefore + 1);
});

testInLoop('cancelled during: a JS async function sees its cancellable', async () => {
    let sawCancel = false;
    const waiter = SA.wrapAsync((ms, cancellable) => new Promise((resolve, reject) => {
        const id = GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms, () => {
            resolve(1);
            return GLib.SOURCE_REMOVE;
        });
        cancellable.connect(() => {
            sawCancel = true;
            GLib.source_remove(id);
            reject(new GLib.Error(IO_ERROR, CANCELLED, 'stopped'));
        });
    }), {returns: GObject.TYPE_INT, params: [GObject.TYPE_INT]});
    const cancellable = new Gio.Cancellable();
    const pending = SA.call(waiter, [5000], {cancellable});
    await sleep(30);
    cancellable.cancel();
    await assertRejectsGError(pending, IO_ERROR, CANCELLED);
    assert(sawCancel);
});

test('the cat processes end', () => {
    for (const cat of cats) {
        cat.force_exit();
        cat.wait(null);
    }
});

run();
