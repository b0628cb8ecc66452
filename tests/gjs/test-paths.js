// test-paths.js: the four paths, the smart call, from GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GObject from 'gi://GObject';
import SaTestCaller from 'gi://SaTestCaller';

import * as SA from '../../smartasync-glib/js/smartasync.js';
import {test, testInLoop, run, assert, assertEquals, sleep} from './tap.js';
import {SmartAsync, CONTENTS, BLOCK_MS, MAX_GAP_MS, TICK_TEST_TIMEOUT_MS, tempFile,
    loadContents, text, measureTicks, measureTicksSync, ticksDuring} from './common.js';

const mainThreadCalls = [];
const add = SA.wrap((a, b) => {
    mainThreadCalls.push(SmartAsync.context_is_async());
    return a + b;
}, {name: 'add', returns: GObject.TYPE_INT64, params: [GObject.TYPE_INT64, GObject.TYPE_INT64]});

const load = loadContents();
const file = tempFile('paths.txt');

test('wrap sets OWNER_THREAD', () => {
    assert(add.flags & SmartAsync.FunctionFlags.OWNER_THREAD);
    assertEquals(add.get_name(), 'add');
});

test('sync caller, JS blocking callable: the value at top level', () => {
    assert(!SmartAsync.context_is_async(), 'top level is a sync context');
    assertEquals(SA.call(add, [2, 3]), 5);
    assertEquals(SA.callSync(add, [2 ** 40, 1]), 2 ** 40 + 1);
});

test('the raw call_sync returns [true, value]', () => {
    const [ok, value] = add.call_sync([20, 22], null);
    assertEquals(ok, true);
    assertEquals(value, 42);
});

test('sync caller, async pair: the value at top level', () => {
    assertEquals(text(SA.call(load, [file])), CONTENTS);
});

test('sync caller, C blocking callable: direct call on this thread', () => {
    const slowDouble = SaTestCaller.new_slow_double();
    assertEquals(SA.call(slowDouble, [21, 10]), 42);
    assert(SaTestCaller.slow_double_ran_on_creator_thread());
});

testInLoop('async caller, async pair: await in a running loop', async () => {
    assert(SmartAsync.context_is_async(), 'a loop callback is an async context');
    const pending = SA.call(load, [file]);
    assert(pending instanceof Promise, 'the smart call returns a Promise');
    assertEquals(text(await pending), CONTENTS);
});

testInLoop('async caller, JS blocking callable: no crash, right value, run from the loop', async () => {
    mainThreadCalls.length = 0;
    const pending = SA.call(add, [40, 2]);
    assert(pending instanceof Promise);
    // Queued on the owner thread's context, not run inside the call.
    assertEquals(mainThreadCalls.length, 0);
    assertEquals(await pending, 42);
    assertEquals(mainThreadCalls.length, 1);
});

testInLoop('async caller, C blocking callable: a worker thread, the loop keeps ticking', async () => {
    const slowDouble = SaTestCaller.new_slow_double();
    const {ticks, gap} = await measureTicks(5, async () => {
        const m = await ticksDuring(10, () => SA.call(slowDouble, [21, BLOCK_MS]));
        assertEquals(m.value, 42);
        assert(!SaTestCaller.slow_double_ran_on_creator_thread(), 'ran on a worker');
        return m;
    });
    assert(ticks >= 5, `the loop ticked ${ticks} times`);
    // It never stopped dispatching for as long as the call blocks.
    assert(gap < MAX_GAP_MS, `the loop went ${gap} ms without a tick`);
}, TICK_TEST_TIMEOUT_MS);

testInLoop('after await the async function is still in an async context', async () => {
    await sleep(1);
    assert(SmartAsync.context_is_async());
    assertEquals(await SA.call(add, [1, 1]), 2);
});

testInLoop('explicit call_async + call_finish never call back inside the call', async () => {
    let called = false;
    const done = new Promise((resolve, reject) => {
        add.call_async([3, 4], null, (fn, result) => {
            called = true;
            try {
                resolve(fn.call_finish(result)[1]);
            } catch (e) {
                reject(e);
            }
        });
    });
    assert(!called);
    assertEquals(await done, 7);
});

test('smart call with a callback at top level: done before it returns', () => {
    const values = [];
    const result = add.call([5, 6], null, (fn, res) => values.push(fn.call_finish(res)[1]));
    assertEquals(values.length, 1);
    assertEquals(values[0], 11);
    assert(result !== null);
});

testInLoop('mode SYNC forces the blocking path in a loop', async () => {
    const fn = SA.wrap((a, b) => a * b, {returns: GObject.TYPE_INT, params: [GObject.TYPE_INT, GObject.TYPE_INT]});
    fn.mode = SmartAsync.Mode.SYNC;
    assertEquals(SA.call(fn, [6, 7]), 42);
});

testInLoop('callSync works in a loop callback too', () => {
    assertEquals(SA.callSync(add, [8, 8]), 16);
    assertEquals(text(SA.callSync(load, [file])), CONTENTS);
});

test('void function returns null', () => {
    const seen = [];
    const record = SA.wrap(x => {
        seen.push(x);
    }, {params: [GObject.TYPE_STRING]});
    assertEquals(SA.call(record, ['a']), null);
    assertEquals(seen[0], 'a');
});

testInLoop('wrapAsync: a Promise-based JS function serves async callers', async () => {
    const later = SA.wrapAsync(async x => {
        await sleep(20);
        return x * 3;
    }, {returns: GObject.TYPE_INT, params: [GObject.TYPE_INT]});
    assertEquals(await SA.call(later, [14]), 42);
});

testInLoop('no cache poisoning, part 1: a call in a loop', async () => {
    assertEquals(await SA.call(add, [1, 2]), 3);
    assertEquals(text(await SA.call(load, [file])), CONTENTS);
});

test('no cache poisoning, part 2: the loop ended, a sync call returns the value', () => {
    assert(!SmartAsync.context_is_async());
    const value = SA.call(add, [2, 2]);
    assertEquals(typeof value, 'number');
    assertEquals(value, 4);
    assertEquals(text(SA.call(load, [file])), CONTENTS);
});

test('a JS callable called by C from its own loop (async context)', () => {
    mainThreadCalls.length = 0;
    // The *_value twins of the C caller: GJS leaks what it finds in an out
    // GValue (docs/bindings.md).
    const [value] = SaTestCaller.call_from_loop_value(add, [20, 22], false);
    assertEquals(value, 42);
    // Queued on this (the owner) thread and run from a dispatch of the C
    // loop: an async context. The C caller fails hard had its callback run
    // inside its call.
    assertEquals(mainThreadCalls.length, 1);
    assertEquals(mainThreadCalls[0], true, 'ran from the C loop, an async context');
    // A JS callable blocks the thread while it runs, and this one returns
    // at once: C's 10 ms timer may not fire. The loop must not stall, though.
    const gap = SaTestCaller.last_max_tick_gap() / 1000;
    assert(gap >= 0 && gap < MAX_GAP_MS, `the C loop went ${gap} ms without dispatching`);
});

test('a JS callable called by C with the smart call from its own loop', () => {
    const [value] = SaTestCaller.call_from_loop_value(add, [1, 2], true);
    assertEquals(value, 3);
});

test('a JS callable called by C from another thread runs on this one', () => {
    mainThreadCalls.length = 0;
    const value = SaTestCaller.call_from_thread_value(add, [30, 12], null);
    assertEquals(value, 42);
    assertEquals(mainThreadCalls.length, 1);
});

test('a JS async function called by C from its own loop: the C loop ticks meanwhile', () => {
    const later = SA.wrapAsync(async (a, b) => {
        await sleep(BLOCK_MS);
        return `${a}${b}`;
    }, {returns: GObject.TYPE_STRING, params: [GObject.TYPE_STRING, GObject.TYPE_STRING]});
    const {ticks, gap} = measureTicksSync(5, () => {
        const [value, n] = SaTestCaller.call_from_loop_value(later, ['smart', 'async'], true);
        assertEquals(value, 'smartasync');
        return {ticks: n, gap: SaTestCaller.last_max_tick_gap() / 1000};
    });
    // Pending for BLOCK_MS while C's 10 ms timer ran, never stalled.
    assert(ticks >= 5, `the C loop ticked ${ticks} times`);
    assert(gap < MAX_GAP_MS, `the C loop went ${gap} ms without dispatching`);
});

run();
