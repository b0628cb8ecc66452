// smartasync-demo.js: SmartAsync from GJS
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// 1. Sync code (the top level) calls an async GIO operation
//    (g_file_load_contents_async) and simply gets its value.
// 2. A running main loop calls a blocking C function; it runs on a worker
//    thread while the loop's timer keeps ticking.
//
// Run: gjs -m smartasync-demo.js [FILE]

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import SaExample from 'gi://SaExample';
import System from 'system';

import * as SA from '../../smartasync-glib/js/smartasync.js';

const {SmartAsync} = SA;

// An async GIO operation written in JS: it completes the GTask it is given
// from the GIO callback, so sync and async callers can both use it.
const loadContents = SmartAsync.Function.new_async_full('load_contents',
    GLib.Bytes.$gtype, [Gio.File.$gtype], SA.OWNER_THREAD, (args, cancellable, task) => {
        args[0].load_contents_async(cancellable, (file, result) => {
            try {
                task.return_value(new GLib.Bytes(file.load_contents_finish(result)[1]));
            } catch (e) {
                task.return_error(e);
            }
        });
    });

const path = ARGV[0] ?? System.programPath;

// Job 1: top-level code is a sync context: the smart call returns the value.
const data = SA.call(loadContents, [Gio.File.new_for_path(path)]);
print(`read ${data.get_size()} bytes from sync code`);

// Job 2: in the running loop the smart call returns a Promise.
const slowChecksum = SaExample.new_slow_checksum();
const loop = new GLib.MainLoop(null, false);
let ticks = 0;
const timer = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 50, () => {
    ticks++;
    print('tick');
    return GLib.SOURCE_CONTINUE;
});

GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
    SA.call(slowChecksum, [path]).then(checksum => {
        print(`checksum ${checksum} after ${ticks} ticks`);
    }).catch(e => {
        printerr(`failed: ${e.message}`);
        System.exit(1);
    }).finally(() => {
        GLib.source_remove(timer);
        loop.quit();
    });
    return GLib.SOURCE_REMOVE;
});
loop.run();
