// sa-plugins.js: sa-plugins.c's host in GJS, with plugins written in
// JavaScript, sync or async, called one way.
//
//   gjs -m sa-plugins.js TEXT
//
// Runs each plugin in turn from the top level (a sync context), then all
// at once from a main loop; prints both rounds.
// The guide: docs/guides/plugins.md.
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GObject from 'gi://GObject';
import System from 'system';

import * as SA from '../../smartasync-glib/js/smartasync.js';

const {SmartAsync} = SA;
const text = {returns: GObject.TYPE_STRING, params: [GObject.TYPE_STRING]};

// A sync plugin: a plain function.
const upper = SA.wrap(s => s.toUpperCase(), {name: 'upper', ...text});

// An async plugin that serves every caller: it completes the task it is
// handed from a GIO callback, which a sync caller's private context runs.
const bytes = SmartAsync.Function.new_async_full('bytes', GObject.TYPE_STRING,
    [GObject.TYPE_STRING], SA.OWNER_THREAD, ([s], cancellable, task) => {
        const wc = Gio.Subprocess.new(['wc', '-c'],
            Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
        wc.communicate_utf8_async(s, cancellable, (p, res) => {
            try {
                const [, out] = p.communicate_utf8_finish(res);
                task.return_value(`${out.trim()} bytes`);
            } catch (e) {
                task.return_error(e);
            }
        });
    });

// An async plugin written as a JS async function: GJS runs promise jobs
// only from a running main loop, so it serves async callers only.
const reverse = SA.wrapAsync(async s => {
    await new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, 300, () => {
        resolve();
        return GLib.SOURCE_REMOVE;
    }));
    return [...s].reverse().join('');
}, {name: 'reverse', ...text});

const plugins = {upper, bytes, reverse};
const input = ARGV[0] ?? 'hello plugin world';

// From plain code: each plugin in turn, values back.
for (const [name, plugin] of Object.entries(plugins)) {
    try {
        print(`${name}: ${SA.call(plugin, [input])}`);
    } catch (e) {
        print(`${name}: not from sync code (${e.message})`);
    }
}

// From a main loop: all at once, Promises back.
const loop = new GLib.MainLoop(null, false);
let status = 0;
GLib.idle_add(GLib.PRIORITY_DEFAULT, () => {
    Promise.all(Object.values(plugins).map(p => SA.call(p, [input]))).then(outs => {
        Object.keys(plugins).forEach((name, i) => print(`${name}: ${outs[i]}`));
    }).catch(e => {
        printerr(e.message);
        status = 1;
    }).finally(() => loop.quit());
    return GLib.SOURCE_REMOVE;
});
loop.run();
System.exit(status);
