/* smartasync-demo.vala: SmartAsync from Vala
 *
 * 1. Sync code calls an async GIO operation (g_file_load_contents_async)
 *    and simply gets its value.
 * 2. A running main loop calls a blocking function; it runs on a worker
 *    thread while the loop's timer keeps ticking.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* An async GIO operation, wrapped once: the GTask is completed from the
 * GIO callback, so sync and async callers can both use it. */
static Sa.Function new_load_contents () {
    return new Sa.Function.async_full ("load_contents", typeof (Bytes), { typeof (File) },
                                       Sa.FunctionFlags.NONE, (args, cancellable, task) => {
        var file = (File) args[0].get_object ();
        file.load_contents_async.begin (cancellable, (obj, res) => {
            try {
                uint8[] contents;
                file.load_contents_async.end (res, out contents, null);
                var value = Value (typeof (Bytes));
                value.take_boxed (new Bytes (contents));
                task.return_value (value);
            } catch (Error e) {
                task.return_error ((owned) e);
            }
        });
    });
}

/* A blocking function, wrapped once. */
static Sa.Function new_slow_checksum () {
    return new Sa.Function.sync_full ("slow_checksum", typeof (string), { typeof (string) },
                                      Sa.FunctionFlags.NONE, (args, out result, cancellable) => {
        Thread.usleep (300000);    /* pretend this is slow work */
        uint8[] contents;
        FileUtils.get_data (args[0].get_string (), out contents);
        result = Checksum.compute_for_data (ChecksumType.SHA256, contents);
        return true;
    });
}

static uint ticks = 0;

static async void checksum_in_loop (Sa.Function slow_checksum, string path) {
    Value checksum;
    try {
        checksum = yield slow_checksum.call_async ({ path });
        print ("checksum %s after %u ticks\n", checksum.get_string (), ticks);
    } catch (Error e) {
        printerr ("failed: %s\n", e.message);
        Process.exit (1);
    }
}

public static int main (string[] args) {
    var path = args.length > 1 ? args[1] : args[0];

    /* Job 1: sync code, no loop: the async operation returns a value. */
    Value data;
    try {
        data = new_load_contents ().call_sync ({ File.new_for_path (path) });
    } catch (Error e) {
        printerr ("failed: %s\n", e.message);
        return 1;
    }
    print ("read %zu bytes from sync code\n", ((Bytes) data.get_boxed ()).get_size ());

    /* Job 2: a running loop calls the blocking function without blocking. */
    var loop = new MainLoop (null, false);
    var timer = Timeout.add (50, () => {
        ticks++;
        print ("tick\n");
        return Source.CONTINUE;
    });
    var slow_checksum = new_slow_checksum ();
    Idle.add (() => {
        checksum_in_loop.begin (slow_checksum, path, (obj, res) => {
            checksum_in_loop.end (res);
            Source.remove (timer);
            loop.quit ();
        });
        return Source.REMOVE;
    });
    loop.run ();

    return 0;
}
