// test-errors.js: domains and codes kept, JS exceptions named, from GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import SaTestCaller from 'gi://SaTestCaller';
import System from 'system';

import * as SA from '../../smartasync-glib/js/smartasync.js';
import {test, testInLoop, run, assert, assertEquals, assertThrowsGError,
    assertRejectsGError, sleep} from './tap.js';
import {SmartAsync, SA_ERROR, IO_ERROR, loadContents} from './common.js';

const parse = SA.wrap(text => {
    if (text === 'io')
        throw new GLib.Error(IO_ERROR, Gio.IOErrorEnum.NOT_FOUND, 'no such thing');
    const value = Number.parseInt(text, 10);
    if (Number.isNaN(value))
        throw new RangeError(`not a number: ${text}`);
    return value;
}, {name: 'parse', returns: GObject.TYPE_INT, params: [GObject.TYPE_STRING]});

test('wrong argument count', () => {
    const e = assertThrowsGError(() => SA.call(parse, ['1', '2']),
        SA_ERROR, SmartAsync.Error.ARGUMENT_COUNT);
    assert(e.message.includes('takes 1 argument, 2 given'), e.message);
});

test('wrong argument type', () => {
    const half = SA.wrap(x => x / 2, {returns: GObject.TYPE_DOUBLE, params: [GObject.TYPE_INT]});
    assertEquals(SA.call(half, [8.0]), 4);
    assertThrowsGError(() => SA.call(half, [8.5]), SA_ERROR, SmartAsync.Error.ARGUMENT_TYPE);
    assertThrowsGError(() => SA.call(half, ['8']), SA_ERROR, SmartAsync.Error.ARGUMENT_TYPE);
    assertThrowsGError(() => SA.call(half, [null]), SA_ERROR, SmartAsync.Error.ARGUMENT_TYPE);
    assertThrowsGError(() => SA.call(parse, [Gio.File.new_for_path('/')]),
        SA_ERROR, SmartAsync.Error.ARGUMENT_TYPE);
});

test('wrong result type is an error, not a silent 0', () => {
    const liar = SA.wrap(() => 'not a number', {name: 'liar', returns: GObject.TYPE_INT});
    const e = assertThrowsGError(() => SA.call(liar), SA_ERROR, SmartAsync.Error.RESULT_TYPE);
    assert(e.message.includes('expected gint'), e.message);
    const lossy = SA.wrap(() => 3.5, {returns: GObject.TYPE_INT});
    assertThrowsGError(() => SA.call(lossy), SA_ERROR, SmartAsync.Error.RESULT_TYPE);
    const wrongObject = SA.wrap(() => new Gio.Cancellable(), {returns: Gio.File.$gtype});
    assertThrowsGError(() => SA.call(wrongObject), SA_ERROR, SmartAsync.Error.RESULT_TYPE);
});

test('a GLib.Error keeps domain, code and message (sync caller)', () => {
    const e = assertThrowsGError(() => SA.call(parse, ['io']), IO_ERROR, Gio.IOErrorEnum.NOT_FOUND);
    assertEquals(e.message, 'no such thing');
});

testInLoop('a GLib.Error keeps domain, code and message (async caller)', async () => {
    const e = await assertRejectsGError(SA.call(parse, ['io']), IO_ERROR, Gio.IOErrorEnum.NOT_FOUND);
    assertEquals(e.message, 'no such thing');
});

test('a JS exception becomes a GLib.Error naming it (sync caller)', () => {
    const e = assertThrowsGError(() => SA.call(parse, ['eleven']), SA_ERROR, SmartAsync.Error.FAILED);
    assert(e.message.includes('RangeError: not a number: eleven'), e.message);
    assert(e.message.includes('parse'), e.message);
});

testInLoop('a JS exception becomes a GLib.Error naming it (async caller)', async () => {
    const e = await assertRejectsGError(SA.call(parse, ['twelve']), SA_ERROR, SmartAsync.Error.FAILED);
    assert(e.message.includes('RangeError: not a number: twelve'), e.message);
});

test('C gets a JS exception as a GError (C loop, async context)', () => {
    const e = assertThrowsGError(() => SaTestCaller.call_from_loop_value(parse, ['x'], false),
        SA_ERROR, SmartAsync.Error.FAILED);
    assert(e.message.includes('RangeError'), e.message);
    assertThrowsGError(() => SaTestCaller.call_from_loop_value(parse, ['io'], true),
        IO_ERROR, Gio.IOErrorEnum.NOT_FOUND);
});

testInLoop('a rejected JS async function fails the call with its error', async () => {
    const failing = SA.wrapAsync(async () => {
        await null;
        throw new TypeError('broken promise');
    }, {name: 'failing', returns: GObject.TYPE_INT});
    const e = await assertRejectsGError(SA.call(failing), SA_ERROR, SmartAsync.Error.FAILED);
    assert(e.message.includes('TypeError: broken promise'), e.message);
    const gerror = SA.wrapAsync(() => Promise.reject(
        new GLib.Error(IO_ERROR, Gio.IOErrorEnum.BUSY, 'busy')), {returns: GObject.TYPE_INT});
    await assertRejectsGError(SA.call(gerror), IO_ERROR, Gio.IOErrorEnum.BUSY);
});

test('a JS async function refuses a sync caller instead of hanging', () => {
    const later = SA.wrapAsync(async () => 1, {name: 'later', returns: GObject.TYPE_INT});
    const e = assertThrowsGError(() => SA.callSync(later), SA_ERROR, SmartAsync.Error.FAILED);
    assert(e.message.includes('cannot serve a sync caller'), e.message);
});

// GJS holds the GTask wrapper until its garbage collector runs, so a
// dropped task is only noticed then: a sync caller would wait for a
// collection that never comes while it blocks. Async callers get the error.
testInLoop('an async callable that drops its task fails once it is collected', async () => {
    const forgetful = SmartAsync.Function.new_async_full('forgetful', GObject.TYPE_INT, [],
        SA.OWNER_THREAD, () => {});
    const pending = SA.call(forgetful);
    await sleep(10);
    System.gc();
    const e = await assertRejectsGError(pending, SA_ERROR, SmartAsync.Error.FAILED);
    assert(e.message.includes('dropped its task'), e.message);
});

test('a GIO error of an async pair passes through (sync caller)', () => {
    const missing = Gio.File.new_for_path('/nonexistent/smartasync');
    assertThrowsGError(() => SA.call(loadContents(), [missing]), IO_ERROR, Gio.IOErrorEnum.NOT_FOUND);
});

testInLoop('a GIO error of an async pair passes through (async caller)', async () => {
    const missing = Gio.File.new_for_path('/nonexistent/smartasync');
    await assertRejectsGError(SA.call(loadContents(), [missing]), IO_ERROR, Gio.IOErrorEnum.NOT_FOUND);
});

run();
