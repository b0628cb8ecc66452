// test-scenarios.js: SmartAsync's scenarios, from GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import SaTestCaller from 'gi://SaTestCaller';

import * as SA from '../../smartasync-glib/js/smartasync.js';
import {test, testInLoop, run, assert, assertEquals} from './tap.js';
import {SmartAsync, BLOCK_MS, MAX_GAP_MS, TICK_TEST_TIMEOUT_MS, tempFile, loadContents, text,
    measureTicks, ticksDuring} from './common.js';

const load = loadContents();

test('a sync script calls async GIO code', () => {
    assert(!SmartAsync.context_is_async());
    const contents = [0, 1, 2].map(i => text(SA.call(load, [tempFile(`s${i}`, `line ${i}\n`)])));
    assertEquals(contents.join(''), 'line 0\nline 1\nline 2\n');
});

testInLoop('a main-loop app calls blocking code while a timer ticks', async () => {
    // The blocking code is C (a library's blocking function): JS itself
    // cannot leave the main thread.
    const slowDouble = SaTestCaller.new_slow_double();
    const {ticks, gap} = await measureTicks(5, async () => {
        const m = await ticksDuring(20, () => SA.call(slowDouble, [21, BLOCK_MS]));
        assertEquals(m.value, 42);
        return m;
    });
    assert(ticks >= 5, `ticked ${ticks} times`);
    // The timer never stopped for as long as the call blocks.
    assert(gap < MAX_GAP_MS, `the loop went ${gap} ms without a tick`);
}, TICK_TEST_TIMEOUT_MS);

testInLoop('concurrent calls gathered with Promise.all', async () => {
    // One after another they would take five times as long; under memcheck
    // (SLOW_MACHINE) the calls are longer, so that starting threads there
    // is not mistaken for calls run in turn.
    const slowDouble = SaTestCaller.new_slow_double();
    const start = GLib.get_monotonic_time();
    const values = await Promise.all([1, 2, 3, 4, 5].map(i => SA.call(slowDouble, [i, BLOCK_MS])));
    const elapsedMs = (GLib.get_monotonic_time() - start) / 1000;
    assertEquals(values.join(','), '2,4,6,8,10');
    assert(elapsedMs < 3 * BLOCK_MS, `five ${BLOCK_MS} ms calls took ${elapsedMs} ms`);
});

testInLoop('concurrent async pairs gathered with Promise.all', async () => {
    const files = [0, 1, 2, 3].map(i => tempFile(`g${i}`, `${i}`));
    const contents = await Promise.all(files.map(f => SA.call(load, [f])));
    assertEquals(contents.map(text).join(''), '0123');
});

testInLoop('JS callables interleave with the loop instead of blocking the caller', async () => {
    const order = [];
    const step = SA.wrap(n => {
        order.push(`run ${n}`);
        return n;
    }, {returns: GObject.TYPE_INT, params: [GObject.TYPE_INT]});
    const pending = [1, 2, 3].map(n => SA.call(step, [n]));
    order.push('all started');
    await Promise.all(pending);
    assertEquals(order.join(', '), 'all started, run 1, run 2, run 3');
});

run();
