// test-objects.js: a Gio.File in, a Gio.InputStream or GLib.Bytes out, from GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Gio from 'gi://Gio';
import System from 'system';

import * as SA from '../../smartasync-glib/js/smartasync.js';
import {test, testInLoop, run, assert, assertEquals, assertThrowsGError} from './tap.js';
import {SmartAsync, SA_ERROR, CONTENTS, tempFile, loadContents, text} from './common.js';

const file = tempFile('objects.txt');
const openFile = SA.wrap(f => f.read(null), {
    name: 'open_file', returns: Gio.InputStream.$gtype, params: [Gio.File.$gtype],
});
const load = loadContents();

function readAll(stream) {
    return text(stream.read_bytes(1024, null));
}

test('File in, InputStream out (sync caller)', () => {
    const stream = SA.call(openFile, [file]);
    assert(stream instanceof Gio.InputStream);
    assertEquals(readAll(stream), CONTENTS);
});

testInLoop('File in, InputStream out (async caller)', async () => {
    const stream = await SA.call(openFile, [file]);
    assertEquals(readAll(stream), CONTENTS);
});

test('File in, Bytes out of an async pair (sync caller), valid after GC', () => {
    const bytes = SA.call(load, [file]);
    System.gc();
    const junk = [];
    for (let i = 0; i < 100; i++)
        junk.push(new GLib.Bytes(new Uint8Array(16)));
    assert(bytes instanceof GLib.Bytes);
    assertEquals(bytes.get_size(), CONTENTS.length);
    assertEquals(text(bytes), CONTENTS);
});

testInLoop('File in, Bytes out of an async pair (async caller)', async () => {
    const bytes = await SA.call(load, [file]);
    System.gc();
    assertEquals(text(bytes), CONTENTS);
});

test('Bytes returned by a JS blocking callable', () => {
    const slurp = SA.wrap(f => new GLib.Bytes(f.load_contents(null)[1]), {
        returns: GLib.Bytes.$gtype, params: [Gio.File.$gtype],
    });
    assertEquals(text(SA.call(slurp, [file])), CONTENTS);
});

// Every stream opened and returned holds a file descriptor until it is
// finalized: a result the bindings leaked would keep one open for good.
function openDescriptors() {
    let count = 0;
    const dir = Gio.File.new_for_path('/proc/self/fd').enumerate_children('standard::name', 0, null);
    while (dir.next_file(null))
        count++;
    dir.close(null);
    return count;
}

function collectGarbage() {
    for (let i = 0; i < 3; i++) {
        System.gc();
        while (GLib.MainContext.default().iteration(false)) { /* toggle refs */ }
    }
}

test('InputStreams returned to JS are released (sync caller)', () => {
    collectGarbage();
    const before = openDescriptors();
    for (let i = 0; i < 20; i++)
        assertEquals(readAll(SA.callSync(openFile, [file])), CONTENTS);
    collectGarbage();
    assert(openDescriptors() - before < 5,
        `${openDescriptors() - before} more descriptors open after 20 streams were dropped`);
});

testInLoop('InputStreams returned to JS are released (async caller)', async () => {
    collectGarbage();
    const before = openDescriptors();
    for (let i = 0; i < 20; i++)
        assertEquals(readAll(await SA.callAsync(openFile, [file])), CONTENTS);
    collectGarbage();
    assert(openDescriptors() - before < 5,
        `${openDescriptors() - before} more descriptors open after 20 streams were dropped`);
});

test('null for an object parameter', () => {
    const isNull = SA.wrap(f => f === null, {returns: GObject.TYPE_BOOLEAN, params: [Gio.File.$gtype]});
    assertEquals(SA.call(isNull, [null]), true);
    assertEquals(SA.call(isNull, [file]), false);
});

test('an object of the wrong type is refused', () => {
    const e = assertThrowsGError(() => SA.call(openFile, [new Gio.Cancellable()]),
        SA_ERROR, SmartAsync.Error.ARGUMENT_TYPE);
    assert(e.message.includes('GFile'), e.message);
});

run();
