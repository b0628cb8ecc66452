/* SmartAsync-1-custom.vala: the Vala shapes of the entry points that
 * SmartAsync-1.metadata skips, merged into smartasync-glib-1.vapi.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

namespace Sa {
	/* SaError under another name, so that `using Sa;` leaves `Error`
	 * meaning GLib.Error; lower_case_csuffix keeps the C domain SA_ERROR.
	 * tests/vala/vapi-covers-gir.py fails when SaError gains a code that
	 * is not here. */
	[CCode (cheader_filename = "smartasync-glib.h", cname = "SaError", cprefix = "SA_ERROR_", lower_case_csuffix = "error", type_id = "sa_error_get_type ()")]
	[GIR (name = "Error")]
	[Version (since = "0.1")]
	public errordomain CallError {
		FAILED,
		ARGUMENT_COUNT,
		ARGUMENT_TYPE,
		RESULT_TYPE,
		[Version (since = "0.2")]
		UNSAFE_DEADLINE,
		[Version (since = "0.2")]
		NOT_FOUND,
		[Version (since = "0.2")]
		UNSUPPORTED;
		[CCode (cname = "sa_error_quark")]
		public static GLib.Quark quark ();
	}

	public sealed class Function : GLib.Object {
		/* Vala passes a returned struct as a pointer after every other
		 * parameter but the GError, and pos = -2 puts the cancellable
		 * between the two: the C order of sa_function_call_syncv (). */
		[CCode (cname = "sa_function_call_syncv")]
		[Version (since = "0.1")]
		public GLib.Value call_sync ([CCode (array_length_cname = "n_args", array_length_pos = 1.5, array_length_type = "guint")] GLib.Value[]? args, [CCode (pos = -2)] GLib.Cancellable? cancellable = null) throws GLib.Error;
		[CCode (cname = "sa_function_call_syncv_with_timeout")]
		[Version (since = "0.1")]
		public GLib.Value call_sync_with_timeout ([CCode (array_length_cname = "n_args", array_length_pos = 1.5, array_length_type = "guint")] GLib.Value[]? args, int timeout_msec, [CCode (pos = -2)] GLib.Cancellable? cancellable = null) throws GLib.Error;
		[CCode (cname = "sa_function_call_asyncv", finish_name = "sa_function_call_finish")]
		[Version (since = "0.1")]
		public async GLib.Value call_async ([CCode (array_length_cname = "n_args", array_length_pos = 1.5, array_length_type = "guint")] GLib.Value[]? args, GLib.Cancellable? cancellable = null) throws GLib.Error;
		/* For results of call_async_full () and call_async_with_source (),
		 * which a library's own _finish function reads. */
		[CCode (cname = "sa_function_call_finish")]
		[Version (since = "0.1")]
		public GLib.Value call_finish (GLib.AsyncResult result) throws GLib.Error;
		/* The arguments follow as C passes them, as for the constructors. */
		[CCode (sentinel = "")]
		[Version (since = "0.1")]
		public void call_async_with_source (GLib.Object? source_object, GLib.Cancellable? cancellable, GLib.AsyncReadyCallback? callback, ...);
		[CCode (sentinel = "")]
		[Version (since = "0.2")]
		public void call_async_full (GLib.Object? source_object, void* source_tag, string? task_name, GLib.Cancellable? cancellable, GLib.AsyncReadyCallback? callback, ...);
	}
}
