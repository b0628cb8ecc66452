// test-application.js: a Gio.Application's start-up handlers are async
// contexts in GJS: SA.call() in activate, open or command-line gives a
// Promise at once, and the application stays up until it settles.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import Gio from 'gi://Gio';

import * as SA from '../../smartasync-glib/js/smartasync.js';
import {test, run, assert, assertEquals} from './tap.js';
import {SmartAsync, CONTENTS, tempFile, loadContents, text, nowMs} from './common.js';

const load = loadContents();
const file = tempFile('application.txt');

function makeApp(flags = Gio.ApplicationFlags.FLAGS_NONE) {
    return new Gio.Application({
        application_id: 'org.smartasync.GjsTestApplication',
        flags: Gio.ApplicationFlags.NON_UNIQUE | flags,
    });
}

// What an app writes in its handler: start the load, use it when it comes.
function loadInHandler(seen, handler) {
    seen[handler] = SmartAsync.context_is_async();
    const start = nowMs();
    const promise = SA.call(load, [file]);
    seen.callMs = nowMs() - start;
    seen.isPromise = typeof promise?.then === 'function';
    if (seen.isPromise) {
        promise.then(bytes => {
            seen.contents = text(bytes);
            seen.delivered = (seen.delivered ?? 0) + 1;
        }, error => {
            seen.error = error;
        });
    }
}

function assertDelivered(seen, handler) {
    assertEquals(seen[handler], true, `${handler} is an async context`);
    assert(seen.isPromise, `SA.call() in ${handler} gives a Promise`);
    assertEquals(seen.error, undefined);
    assertEquals(seen.delivered, 1);
    assertEquals(seen.contents, CONTENTS);
}

test('activate: SA.call() gives a Promise that settles before run() returns', () => {
    const app = makeApp();
    const seen = {};
    app.connect('startup', () => (seen.startup = SmartAsync.context_is_async()));
    app.connect('activate', () => loadInHandler(seen, 'activate'));
    assertEquals(app.run([]), 0);
    assertEquals(seen.startup, true);
    assertDelivered(seen, 'activate');
});

test('open: SA.call() gives a Promise', () => {
    const app = makeApp(Gio.ApplicationFlags.HANDLES_OPEN);
    const seen = {};
    app.connect('open', () => loadInHandler(seen, 'open'));
    assertEquals(app.run(['test', file.get_path()]), 0);
    assertDelivered(seen, 'open');
});

test('command-line: SA.call() gives a Promise', () => {
    const app = makeApp(Gio.ApplicationFlags.HANDLES_COMMAND_LINE);
    const seen = {};
    app.connect('command-line', () => {
        loadInHandler(seen, 'command-line');
        return 0;
    });
    assertEquals(app.run(['test', 'argument']), 0);
    assertDelivered(seen, 'command-line');
});

test('shutdown and the code after run() are sync: SA.call() gives the value', () => {
    const app = makeApp();
    const seen = {};
    app.connect('activate', () => {});
    app.connect('shutdown', () => {
        seen.shutdown = SmartAsync.context_is_async();
        seen.contents = text(SA.call(load, [file]));
    });
    assertEquals(app.run([]), 0);
    assertEquals(seen.shutdown, false);
    assertEquals(seen.contents, CONTENTS);
    assertEquals(text(SA.call(load, [file])), CONTENTS);
});

run();
