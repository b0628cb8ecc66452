// repl-session.js: typed at the gjs console; docs/guides/repl.md
// SPDX-License-Identifier: LGPL-2.1-or-later
const {GLib, Gio, SmartAsync} = imports.gi;
const load = SmartAsync.Function.new_async_full('load_contents', GLib.Bytes.$gtype,
    [Gio.File.$gtype], SmartAsync.FunctionFlags.OWNER_THREAD, ([file], cancellable, task) =>
        file.load_contents_async(cancellable, (f, res) => {
            try {
                task.return_value(new GLib.Bytes(f.load_contents_finish(res)[1]));
            } catch (e) {
                task.return_error(e);
            }
        }));
SmartAsync.context_is_async()
load.call_syncv_value([Gio.File.new_for_path('COPYING')], null).get_size()
load.call_finish_value(load.call([Gio.File.new_for_path('COPYING')], null, null)).get_size()
