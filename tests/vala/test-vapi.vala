/* test-vapi.vala: the shape of smartasync-glib-1.vapi, as Vala code uses it
 *
 * The whole file is under `using Sa;` and names `Error` for GLib.Error, so
 * it compiles only if the VAPI's error domain leaves that name alone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

using Sa;

/* g_file_read_finish (): Vala names only the _async half of a GIO pair. */
[CCode (cname = "g_file_read_finish", cheader_filename = "gio/gio.h")]
extern FileInputStream file_read_finish (File file, AsyncResult result) throws Error;

/* twice () below is a Vala coroutine, so C sees twice () and
 * twice_finish (): a GIO-style pair with no source object. */
[CCode (cname = "twice_finish")]
extern int twice_finish (AsyncResult result) throws Error;
[CCode (cname = "poke_finish")]
extern void poke_finish (AsyncResult result) throws Error;

static int add_ints (int a, int b) {
    return a + b;
}

static string shout (string text, Cancellable? cancellable) throws Error {
    if (cancellable != null && cancellable.is_cancelled ())
        throw new IOError.CANCELLED ("shout cancelled");
    if (text == "")
        throw new IOError.INVALID_ARGUMENT ("nothing to shout");
    return text.up ();
}

static async int twice (int x, Cancellable? cancellable) throws Error {
    /* The thread-default context, which a sync caller's private one is. */
    var idle = new IdleSource ();
    idle.set_callback (twice.callback);
    idle.attach (MainContext.get_thread_default ());
    yield;
    if (cancellable != null)
        cancellable.set_error_if_cancelled ();
    return 2 * x;
}

/* An async pair with a raw pointer parameter. */
static async void poke (int* target, Cancellable? cancellable) throws Error {
    var idle = new IdleSource ();
    idle.set_callback (poke.callback);
    idle.attach (MainContext.get_thread_default ());
    yield;
    *target = 7;
}

static string tmpdir;

static File temp_file (string name, string contents) {
    var file = File.new_for_path (Path.build_filename (tmpdir, name));
    try {
        file.replace_contents (contents.data, null, false, FileCreateFlags.NONE, null);
    } catch (Error e) {
        error ("%s", e.message);
    }
    return file;
}

delegate void Starter (AsyncReadyCallback done);

/* Runs what @start begins in a running main loop (an async context), until
 * it calls done. */
static void run_in_loop (Starter start) {
    var loop = new MainLoop ();
    Idle.add (() => {
        start ((obj, res) => loop.quit ());
        return Source.REMOVE;
    });
    loop.run ();
}

/* Function.sync (): a blocking Vala function as C sees it, passed as a
 * GLib.Callback with its parameters' GTypes. */
static void test_constructor_sync () {
    var add = new Function.sync ("add", (Callback) add_ints, FunctionFlags.NONE,
                                 typeof (int), 2, typeof (int), typeof (int));
    assert_true (add.kind == FunctionKind.SYNC);
    assert_cmpuint (add.get_param_types ().length, CompareOperator.EQ, 2);
    try {
        assert_cmpint (add.call_sync ({ 2, 3 }).get_int (), CompareOperator.EQ, 5);
    } catch (Error e) {
        error ("%s", e.message);
    }

    var loud = new Function.sync ("shout", (Callback) shout,
                                  FunctionFlags.CANCELLABLE | FunctionFlags.THROWS,
                                  typeof (string), 1, typeof (string));
    try {
        assert_cmpstr (loud.call_sync ({ "quiet" }).get_string (), CompareOperator.EQ, "QUIET");
    } catch (Error e) {
        error ("%s", e.message);
    }
    try {
        loud.call_sync ({ "" });
        assert_not_reached ();
    } catch (IOError.INVALID_ARGUMENT e) {
        assert_cmpstr (e.message, CompareOperator.EQ, "nothing to shout");
    } catch (Error e) {
        error ("%s", e.message);
    }
}

/* Function.async (): GIO's g_file_read_async/_finish, from a sync caller
 * (a private main context) and from a coroutine. */
static void test_constructor_async_gio_pair () {
    var read = new Function.async ("read", (Callback) File.read_async, (Callback) file_read_finish,
                                   FunctionFlags.FINISH_TAKES_SOURCE,
                                   typeof (FileInputStream), 2, typeof (File), typeof (int));
    assert_true (read.kind == FunctionKind.ASYNC);
    var file = temp_file ("pair", "from a pair\n");
    try {
        var stream = (FileInputStream) read.call_sync ({ file, Priority.DEFAULT }).get_object ();
        var bytes = stream.read_bytes (64);
        assert_cmpstr (((string) bytes.get_data ()).substring (0, (long) bytes.get_size ()),
                       CompareOperator.EQ, "from a pair\n");
    } catch (Error e) {
        error ("%s", e.message);
    }
    run_in_loop ((done) => read_in_coroutine.begin (read, file, done));
}

static async void read_in_coroutine (Function read, File file) {
    try {
        Value value = yield read.call_async ({ file, Priority.DEFAULT });
        assert_true (value.get_object () is FileInputStream);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

/* Function.async () over a Vala coroutine, called from plain code. */
static void test_constructor_async_vala_coroutine () {
    var doubler = new Function.async ("twice", (Callback) twice, (Callback) twice_finish,
                                      FunctionFlags.NONE, typeof (int), 1, typeof (int));
    try {
        assert_cmpint (doubler.call_sync ({ 21 }).get_int (), CompareOperator.EQ, 42);
        var cancellable = new Cancellable ();
        cancellable.cancel ();
        doubler.call_sync ({ 21 }, cancellable);
        assert_not_reached ();
    } catch (IOError.CANCELLED e) {
    } catch (Error e) {
        error ("%s", e.message);
    }
}

/* call_sync () and call_async (): the same parameters in the same order,
 * (args, cancellable = null), and both return the Value. */
static void test_calls_same_shape () {
    var loud = new Function.sync ("shout", (Callback) shout,
                                  FunctionFlags.CANCELLABLE | FunctionFlags.THROWS,
                                  typeof (string), 1, typeof (string));
    var cancelled = new Cancellable ();
    cancelled.cancel ();
    try {
        Value a = loud.call_sync ({ "a" });
        Value b = loud.call_sync ({ "b" }, new Cancellable ());
        assert_cmpstr (a.get_string () + b.get_string (), CompareOperator.EQ, "AB");
    } catch (Error e) {
        error ("%s", e.message);
    }
    try {
        loud.call_sync ({ "c" }, cancelled);
        assert_not_reached ();
    } catch (IOError.CANCELLED e) {
    } catch (Error e) {
        error ("%s", e.message);
    }
    run_in_loop ((done) => shout_in_coroutine.begin (loud, cancelled, done));
}

static async void shout_in_coroutine (Function loud, Cancellable cancelled) {
    try {
        Value a = yield loud.call_async ({ "a" });
        Value b = yield loud.call_async ({ "b" }, new Cancellable ());
        assert_cmpstr (a.get_string () + b.get_string (), CompareOperator.EQ, "AB");
    } catch (Error e) {
        error ("%s", e.message);
    }
    try {
        yield loud.call_async ({ "c" }, cancelled);
        assert_not_reached ();
    } catch (IOError.CANCELLED e) {
    } catch (Error e) {
        error ("%s", e.message);
    }
}

/* The error domain is Sa.CallError, still SA_ERROR in C. */
static void test_call_error_domain () {
    var add = new Function.sync ("add", (Callback) add_ints, FunctionFlags.NONE,
                                 typeof (int), 2, typeof (int), typeof (int));
    try {
        add.call_sync ({ 1 });
        assert_not_reached ();
    } catch (CallError.ARGUMENT_COUNT e) {
        assert_true (e.domain == Quark.from_string ("sa-error-quark"));
        assert_true (e.matches (CallError.quark (), CallError.ARGUMENT_COUNT));
    } catch (Error e) {
        error ("%s", e.message);
    }
}

static int tag_anchor;

/* A library type with its own _async/_finish on a Function, as C
 * libraries write them with sa_function_call_async_full (). */
class Doubler : Object {
    Function doubler = new Function.async ("twice", (Callback) twice, (Callback) twice_finish,
                                           FunctionFlags.NONE, typeof (int), 1, typeof (int));

    public void double_async (int x, Cancellable? cancellable, AsyncReadyCallback callback) {
        doubler.call_async_full (this, &tag_anchor, "doubler-double", cancellable, callback, x);
    }

    public int double_finish (AsyncResult result) throws Error {
        assert_true (result.is_tagged (&tag_anchor));
        return doubler.call_finish (result).get_int ();
    }

    public void source_async (int x, AsyncReadyCallback callback) {
        doubler.call_async_with_source (this, null, callback, x);
    }

    public int source_finish (AsyncResult result) throws Error {
        return doubler.call_finish (result).get_int ();
    }
}

static void test_call_async_full () {
    var doubler = new Doubler ();
    var loop = new MainLoop ();
    int got = 0;
    Idle.add (() => {
        doubler.double_async (8, null, (source, result) => {
            assert_true (source == doubler);
            assert_cmpstr (((Task) result).get_name (), CompareOperator.EQ, "doubler-double");
            try {
                got = doubler.double_finish (result);
            } catch (Error e) {
                error ("%s", e.message);
            }
            doubler.source_async (got, (source, result) => {
                assert_true (source == doubler);
                try {
                    got = doubler.source_finish (result);
                } catch (Error e) {
                    error ("%s", e.message);
                }
                loop.quit ();
            });
        });
        return Source.REMOVE;
    });
    loop.run ();
    assert_cmpint (got, CompareOperator.EQ, 32);
}

static void test_stall_warning_property () {
    var add = new Function.sync ("add", (Callback) add_ints, FunctionFlags.NONE,
                                 typeof (int), 2, typeof (int), typeof (int));
    var notified = 0;
    add.notify["stall-warning"].connect (() => notified++);
    add.stall_warning = 2500;
    assert_cmpint (add.get_stall_warning (), CompareOperator.EQ, 2500);
    add.set_stall_warning (0);
    assert_cmpint (add.stall_warning, CompareOperator.EQ, 0);
    assert_cmpint (notified, CompareOperator.EQ, 2);
}

/* A deadline on raw pointers needs FunctionFlags.DEADLINE_SAFE. */
static void test_deadline_safe_flag () {
    int target = 0;
    var pointer = Value (typeof (void*));
    pointer.set_pointer (&target);

    var unsafe_poke = new Function.async ("poke", (Callback) poke, (Callback) poke_finish, FunctionFlags.NONE,
                                           Type.NONE, 1, typeof (void*));
    try {
        unsafe_poke.call_sync_with_timeout ({ pointer }, 5000);
        assert_not_reached ();
    } catch (CallError.UNSAFE_DEADLINE e) {
        assert_cmpint (target, CompareOperator.EQ, 0);
    } catch (Error e) {
        error ("%s", e.message);
    }

    var safe_poke = new Function.async ("poke", (Callback) poke, (Callback) poke_finish, FunctionFlags.DEADLINE_SAFE,
                                        Type.NONE, 1, typeof (void*));
    try {
        safe_poke.call_sync_with_timeout ({ pointer }, 5000);
        assert_cmpint (target, CompareOperator.EQ, 7);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

/* Function.introspected (): a GIO pair from its typelib, its three
 * results (the return value, then the out arguments) in a ValueArray. */
static void test_constructor_introspected () {
    var file = temp_file ("introspected", "from the typelib\n");
    try {
        var load = new Function.introspected ("Gio", "2.0", "File.load_contents_async");
        assert_true (load.kind == FunctionKind.ASYNC);
        var result_types = load.get_result_types ();
        assert_cmpint (result_types.length, CompareOperator.EQ, 3);
        assert_true (result_types[1] == typeof (ByteArray));
        var value = load.call_sync ({ file });
        unowned Value[] results = load.peek_results (value);
        assert_cmpint (results.length, CompareOperator.EQ, 3);
        assert_true (results[0].get_boolean ());
        var contents = (ByteArray) results[1].get_boxed ();
        assert_true (new Bytes (contents.data).compare (new Bytes ("from the typelib\n".data)) == 0);
    } catch (Error e) {
        error ("%s", e.message);
    }
    try {
        new Function.introspected ("GLib", "2.0", "timeout_add");
        assert_not_reached ();
    } catch (CallError.UNSUPPORTED e) {
        assert_true ("callback" in e.message);
    } catch (Error e) {
        error ("%s", e.message);
    }
    run_in_loop ((done) => load_in_coroutine.begin (file, done));
}

static async void load_in_coroutine (File file) {
    try {
        var load = new Function.introspected (null, null, "g_file_load_contents");
        var value = yield load.call_async ({ file });
        unowned Value[] results = load.peek_results (value);
        assert_cmpint (results.length, CompareOperator.EQ, 3);
        assert_cmpuint (((ByteArray) results[1].get_boxed ()).len, CompareOperator.EQ, 17);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

int main (string[] args) {
    Test.init (ref args);
    try {
        tmpdir = DirUtils.make_tmp ("sa-vala-vapi-XXXXXX");
    } catch (Error e) {
        error ("%s", e.message);
    }

    Test.add_func ("/vapi/constructors/sync", test_constructor_sync);
    Test.add_func ("/vapi/constructors/async/gio-pair", test_constructor_async_gio_pair);
    Test.add_func ("/vapi/constructors/async/vala-coroutine", test_constructor_async_vala_coroutine);
    Test.add_func ("/vapi/calls/sync-and-async-take-the-same-parameters", test_calls_same_shape);
    Test.add_func ("/vapi/errors/call-error-is-sa-error", test_call_error_domain);
    Test.add_func ("/vapi/calls/async-full-and-with-source", test_call_async_full);
    Test.add_func ("/vapi/properties/stall-warning", test_stall_warning_property);
    Test.add_func ("/vapi/flags/deadline-safe", test_deadline_safe_flag);
    Test.add_func ("/vapi/constructors/introspected", test_constructor_introspected);
    var status = Test.run ();
    DirUtils.remove (Path.build_filename (tmpdir, "pair"));
    DirUtils.remove (Path.build_filename (tmpdir, "introspected"));
    DirUtils.remove (tmpdir);
    return status;
}
