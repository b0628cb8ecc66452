// common.js: shared fixtures for the GJS tests
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';

import * as SA from '../../smartasync-glib/js/smartasync.js';

export const {SmartAsync} = SA;
export const SA_ERROR = SmartAsync.error_quark();
export const IO_ERROR = Gio.io_error_quark();
export const CONTENTS = 'smart and async\n';

// How long the C blocking calls of the tick tests block, and the longest a
// loop may go without dispatching meanwhile: less than one blocking call,
// so a loop that ran one itself fails. .ci/valgrind, where everything runs
// some 20 times slower, sets SA_TEST_SLOW_MACHINE: the calls block longer
// there and the bound grows with them, still below a call.
export const SLOW_MACHINE = Boolean(GLib.getenv('SA_TEST_SLOW_MACHINE'));
export const BLOCK_MS = SLOW_MACHINE ? 1000 : 200;
export const MAX_GAP_MS = SLOW_MACHINE ? 500 : 150;

// Under memcheck the gjs main thread itself now and then stops for a
// second or more (2 ticks in a 1 s call, a 1.6 s gap, in about one
// measurement in 15), while no JS runs and the library's worker only
// sleeps; the Python and Vala suites never show it. Natively, beside
// other jobs on a loaded 2-core machine (load average 15), the C caller's
// loop went 242 ms without dispatching in 2 runs of 8. A stall that the
// library causes comes back at every attempt, so a tick measurement is
// tried up to 3 times and the first that passes counts.
export const TICK_ATTEMPTS = 3;

function tickMeasurementPassed(m, minTicks) {
    return m.ticks >= minTicks && m.gap < MAX_GAP_MS;
}

/**
 * Runs measure(), an async function returning at least {ticks, gap}, up
 * to TICK_ATTEMPTS times until one has minTicks ticks and a gap below
 * MAX_GAP_MS; returns that one, or the last.
 */
export async function measureTicks(minTicks, measure) {
    let m;
    for (let i = 0; i < TICK_ATTEMPTS; i++) {
        m = await measure();
        if (tickMeasurementPassed(m, minTicks))
            break;
    }
    return m;
}

/** measureTicks() for a measure() that returns its result. */
export function measureTicksSync(minTicks, measure) {
    let m;
    for (let i = 0; i < TICK_ATTEMPTS; i++) {
        m = measure();
        if (tickMeasurementPassed(m, minTicks))
            break;
    }
    return m;
}

/** How long a loop test with tick measurements may run. */
export const TICK_TEST_TIMEOUT_MS = 5000 + TICK_ATTEMPTS * 2 * BLOCK_MS;

/** Now, in milliseconds of the monotonic clock. */
export function nowMs() {
    return GLib.get_monotonic_time() / 1000;
}

/** The longest interval between consecutive times. */
export function maxGap(times) {
    let gap = 0;
    for (let i = 1; i < times.length; i++)
        gap = Math.max(gap, times[i] - times[i - 1]);
    return gap;
}

/**
 * Awaits `call()` while a timer ticks every `intervalMs`: the ticks
 * counted, the longest interval between the start, the ticks and the
 * result, and the call's value.
 */
export async function ticksDuring(intervalMs, call) {
    const times = [];   // the start, each tick, the result
    const timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, intervalMs, () => {
        times.push(nowMs());
        return GLib.SOURCE_CONTINUE;
    });
    try {
        times.push(nowMs());
        const value = await call();
        times.push(nowMs());
        return {ticks: times.length - 2, gap: maxGap(times), value};
    } finally {
        GLib.source_remove(timer);
    }
}

const tmpdir = GLib.dir_make_tmp('sa-gjs-XXXXXX');

/** A new file with `contents` in a private temporary directory. */
export function tempFile(name, contents = CONTENTS) {
    const file = Gio.File.new_for_path(GLib.build_filenamev([tmpdir, name]));
    file.replace_contents(new TextEncoder().encode(contents), null, false,
        Gio.FileCreateFlags.NONE, null);
    return file;
}

/**
 * g_file_load_contents_async/_finish as a SmartAsync.Function implemented
 * in JavaScript: it completes its GTask from the GIO callback, so sync
 * callers (a private main context) and async callers both work.
 */
export function loadContents() {
    return SmartAsync.Function.new_async_full('load_contents', GLib.Bytes.$gtype,
        [Gio.File.$gtype], SA.OWNER_THREAD, (args, cancellable, task) => {
            args[0].load_contents_async(cancellable, (file, result) => {
                try {
                    const [, contents] = file.load_contents_finish(result);
                    task.return_value(new GLib.Bytes(contents));
                } catch (e) {
                    task.return_error(e);
                }
            });
        });
}

export function text(bytes) {
    return new TextDecoder().decode(bytes.toArray());
}

export const TYPE_INT = GObject.TYPE_INT;
