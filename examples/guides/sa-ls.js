// sa-ls.js: sa-ls.c in GJS: a command-line tool written as plain sync
// code on top of GIO's async API, with no main loop.
//
//   gjs -m sa-ls.js [DIRECTORY]
//
// The guide: docs/guides/command-line-tool.md.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import System from 'system';

import * as SA from '../../smartasync-glib/js/smartasync.js';

const {SmartAsync} = SA;

// A GIO async method as a SmartAsync.Function: the implementation starts
// it and completes the task from GIO's callback.
function asyncPair(name, returns, params, start) {
    return SmartAsync.Function.new_async_full(name, returns, params, SA.OWNER_THREAD,
        (args, cancellable, task) => {
            start(args, cancellable, (value, error) => {
                if (error)
                    task.return_error(error);
                else
                    task.return_value(value);
            });
        });
}

function settle(done, finish) {
    try {
        done(finish(), null);
    } catch (e) {
        done(null, e);
    }
}

const enumerate = asyncPair('enumerate_children', Gio.FileEnumerator.$gtype, [Gio.File.$gtype],
    ([dir], cancellable, done) => dir.enumerate_children_async('standard::name,standard::size',
        Gio.FileQueryInfoFlags.NONE, GLib.PRIORITY_DEFAULT, cancellable,
        (d, res) => settle(done, () => d.enumerate_children_finish(res))));

// A list of GFileInfos cannot travel in a GValue: the batch is a
// Gio.ListStore.
const nextFiles = asyncPair('next_files', Gio.ListStore.$gtype, [Gio.FileEnumerator.$gtype],
    ([children], cancellable, done) => children.next_files_async(64, GLib.PRIORITY_DEFAULT,
        cancellable, (c, res) => settle(done, () => {
            const store = new Gio.ListStore({item_type: Gio.FileInfo.$gtype});
            store.splice(0, 0, c.next_files_finish(res));
            return store;
        })));

const close = asyncPair('close', GObject.TYPE_BOOLEAN, [Gio.FileEnumerator.$gtype],
    ([children], cancellable, done) => children.close_async(GLib.PRIORITY_DEFAULT, cancellable,
        (c, res) => settle(done, () => c.close_finish(res))));

function listDirectory(directory) {
    const children = SA.call(enumerate, [directory]);
    const infos = [];
    for (;;) {
        const batch = SA.call(nextFiles, [children]);
        if (batch.get_n_items() === 0)
            break;
        for (let i = 0; i < batch.get_n_items(); i++)
            infos.push(batch.get_item(i));
    }
    SA.call(close, [children]);
    return infos.sort((x, y) => y.get_size() - x.get_size() ||
        (x.get_name() < y.get_name() ? -1 : x.get_name() > y.get_name() ? 1 : 0));
}

let infos;
try {
    infos = listDirectory(Gio.File.new_for_commandline_arg(ARGV[0] ?? '.'));
} catch (e) {
    printerr(`sa-ls: ${e.message}`);
    System.exit(1);
}
let total = 0;
for (const info of infos) {
    print(`${String(info.get_size()).padStart(10)}  ${info.get_name()}`);
    total += info.get_size();
}
print(`${infos.length} entries, ${total} bytes`);
