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
