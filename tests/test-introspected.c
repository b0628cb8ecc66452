/* test-introspected.c: real GLib and GIO functions wrapped from their typelibs
 *
 * Each function is wrapped by name, called from a sync caller and from a
 * running main loop, and its results are compared with a direct call of
 * the same API.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <smartasync-glib.h>
#include <gio/gio.h>
#include <gobject/gvaluecollector.h>
#include <girepository.h>
#include <string.h>

#include "sa-test-util.h"

static char *tmpdir;

/* Calls */

static SaFunction *
wrap (const char *namespace_,
      const char *name)
{
  g_autoptr(GError) error = NULL;
  SaFunction *function = sa_function_new_introspected (namespace_, "2.0", name, &error);

  g_assert_no_error (error);
  g_assert_true (SA_IS_FUNCTION (function));
  return function;
}

/* Arguments as (GType, value) pairs, collected as C passes them. */
static GValue *
args_new (guint n,
          ...)
{
  GValue *args = g_new0 (GValue, MAX (n, 1));
  va_list var_args;

  va_start (var_args, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *message = NULL;
      GType type = va_arg (var_args, GType);

      G_VALUE_COLLECT_INIT (&args[i], type, var_args, 0, &message);
      g_assert_null (message);
    }
  va_end (var_args);
  return args;
}

static void
args_free (GValue *args,
           guint   n)
{
  for (guint i = 0; i < n; i++)
    g_value_unset (&args[i]);
  g_free (args);
}

typedef struct
{
  SaFunction   *function;
  const GValue *args;
  guint         n_args;
  GValue       *result;
  GError       *error;
  GMainLoop    *loop;
  gboolean      returned;
} LoopCall;

static void
loop_call_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LoopCall *call = user_data;

  g_assert_true (call->returned);  /* never from inside the call */
  call->result = sa_function_call_finish_value (SA_FUNCTION (source), result, &call->error);
  g_main_loop_quit (call->loop);
}

static gboolean
loop_call_start (gpointer user_data)
{
  LoopCall *call = user_data;

  g_assert_true (sa_context_is_async ());
  g_object_unref (sa_function_callv (call->function, call->args, call->n_args,
                                     NULL, loop_call_done, call));
  call->returned = TRUE;
  return G_SOURCE_REMOVE;
}

/* The smart call from a callback of a running main loop. */
static GValue *
call_in_loop (SaFunction    *function,
              const GValue  *args,
              guint          n_args,
              GError       **error)
{
  LoopCall call = { function, args, n_args, NULL, NULL, g_main_loop_new (NULL, FALSE), FALSE };

  g_idle_add (loop_call_start, &call);
  g_main_loop_run (call.loop);
  g_main_loop_unref (call.loop);
  if (call.error != NULL)
    g_propagate_error (error, call.error);
  return call.result;
}

/* The smart call from plain code. */
static GValue *
call_here (SaFunction    *function,
           const GValue  *args,
           guint          n_args,
           GError       **error)
{
  g_assert_false (sa_context_is_async ());
  return sa_function_call_syncv_value (function, args, n_args, NULL, error);
}

typedef GValue *(*Caller) (SaFunction *, const GValue *, guint, GError **);

static const Caller callers[] = { call_here, call_in_loop };

static const GValue *
nth (const GValue *result,
     guint         i)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (G_VALUE_HOLDS (result, g_value_array_get_type ()))
    {
      GValueArray *array = g_value_get_boxed (result);

      g_assert_cmpuint (i, <, array->n_values);
      return &array->values[i];
    }
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_assert_cmpuint (i, ==, 0);
  return result;
}

static guint
n_results (const GValue *result)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (G_VALUE_HOLDS (result, g_value_array_get_type ()))
    return ((GValueArray *) g_value_get_boxed (result))->n_values;
  G_GNUC_END_IGNORE_DEPRECATIONS
  return G_VALUE_TYPE (result) == G_TYPE_NONE ? 0 : 1;
}

static void
result_free (GValue *result)
{
  g_value_unset (result);
  g_free (result);
}

typedef void (*CheckFunc) (const GValue *result,
                           gconstpointer expected);

/* Calls @function with @args from each caller; each result must pass
 * @check. */
static void
check_each_caller (SaFunction    *function,
                   const GValue  *args,
                   guint          n_args,
                   CheckFunc      check,
                   gconstpointer  expected)
{
  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GError) error = NULL;
      GValue *result = callers[c] (function, args, n_args, &error);

      g_assert_no_error (error);
      check (result, expected);
      result_free (result);
    }
}

static void
assert_bytes (const GValue *value,
              const void   *data,
              gsize         size)
{
  GByteArray *array = g_value_get_boxed (value);

  g_assert_true (G_VALUE_HOLDS (value, G_TYPE_BYTE_ARRAY));
  g_assert_nonnull (array);
  g_assert_cmpmem (array->data, array->len, data, size);
}

static GByteArray *
byte_array_of (const char *text)
{
  GByteArray *array = g_byte_array_new ();

  g_byte_array_append (array, (const guint8 *) text, strlen (text));
  return array;
}

static GFile *
temp_file (const char *name,
           const char *contents)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return g_file_new_for_path (path);
}

/* Blocking functions */

static void
test_file_load_contents (void)
{
  g_autoptr(GFile) file = temp_file ("load", "three little words");
  g_autofree char *expected = NULL;
  g_autofree char *expected_etag = NULL;
  gsize expected_length;

  g_assert_true (g_file_load_contents (file, NULL, &expected, &expected_length,
                                       &expected_etag, NULL));

  for (guint p = 0; p < 2; p++)
    {
      const char *name = p == 0 ? "File.load_contents" : "File.load_contents_async";
      g_autoptr(SaFunction) load = wrap ("Gio", name);
      GValue *args = args_new (1, G_TYPE_FILE, file);

      g_assert_cmpint (sa_function_get_kind (load), ==,
                       p == 0 ? SA_FUNCTION_KIND_SYNC : SA_FUNCTION_KIND_ASYNC);
      for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
        {
          g_autoptr(GError) error = NULL;
          GValue *result = callers[c] (load, args, 1, &error);

          g_assert_no_error (error);
          g_assert_cmpuint (n_results (result), ==, 3);
          g_assert_true (g_value_get_boolean (nth (result, 0)));
          assert_bytes (nth (result, 1), expected, expected_length);
          g_assert_cmpstr (g_value_get_string (nth (result, 2)), ==, expected_etag);
          result_free (result);
        }
      args_free (args, 1);
    }
}

/* The C face: one return location per result. */
static void
test_file_load_contents_locations (void)
{
  g_autoptr(GFile) file = temp_file ("locations", "abc");
  g_autoptr(SaFunction) load = wrap ("Gio", "File.load_contents_async");
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) contents = NULL;
  g_autofree char *etag = NULL;
  gboolean ok = FALSE;
  const GType *types;
  guint n;

  types = sa_function_get_result_types (load, &n);
  g_assert_cmpuint (n, ==, 3);
  g_assert_true (types[0] == G_TYPE_BOOLEAN);
  g_assert_true (types[1] == G_TYPE_BYTE_ARRAY);
  g_assert_true (types[2] == G_TYPE_STRING);

  g_assert_true (sa_function_call_sync (load, NULL, &error, file, &ok, &contents, &etag));
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpmem (contents->data, contents->len, "abc", 3);
  g_assert_nonnull (etag);
}

/* A boxed type's constructor and a method returning a string the
 * object keeps (transfer none). The instance travels in a GValue, which
 * copies a boxed type that is not reference-counted, as GChecksum is: it
 * is updated directly, not through a wrapped method. */
static void
test_checksum (void)
{
  g_autoptr(SaFunction) checksum_new = wrap ("GLib", "Checksum.new");
  g_autoptr(SaFunction) get_string = wrap ("GLib", "Checksum.get_string");
  const char *data = "sum of these bytes";
  g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA1, data, -1);

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GError) error = NULL;
      GValue *type_args = args_new (1, G_TYPE_INT, G_CHECKSUM_SHA1);
      GValue *checksum = callers[c] (checksum_new, type_args, 1, &error);
      GValue *digest;

      g_assert_no_error (error);
      g_checksum_update (g_value_get_boxed (checksum), (const guchar *) data, -1);
      digest = callers[c] (get_string, checksum, 1, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (g_value_get_string (digest), ==, expected);

      result_free (checksum);
      result_free (digest);
      args_free (type_args, 1);
    }
}

static void
check_ok_and_contents (const GValue  *result,
                       gconstpointer  expected)
{
  const GString *contents = expected;

  g_assert_true (g_value_get_boolean (nth (result, 0)));
  assert_bytes (nth (result, 1), contents->str, contents->len);
}

static void
test_file_get_contents (void)
{
  g_autoptr(GFile) file = temp_file ("get-contents", "glib\0with a zero");
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(SaFunction) get = wrap ("GLib", "file_get_contents");
  g_autofree char *contents = NULL;
  gsize length;
  GString expected;
  GValue *args = args_new (1, G_TYPE_STRING, path);

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  expected = (GString) { contents, length, length };
  check_each_caller (get, args, 1, check_ok_and_contents, &expected);
  args_free (args, 1);
}

static void
test_file_get_contents_error (void)
{
  g_autoptr(SaFunction) get = wrap ("GLib", "file_get_contents");
  g_autofree char *missing = g_build_filename (tmpdir, "missing", NULL);
  GValue *args = args_new (1, G_TYPE_STRING, missing);

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GError) error = NULL;
      GValue *result = callers[c] (get, args, 1, &error);

      /* The function's own error, untouched. */
      g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
      g_assert_null (result);
    }
  args_free (args, 1);
}

static void
check_filename_and_host (const GValue  *result,
                         gconstpointer  expected)
{
  const char * const *filename_and_host = expected;

  g_assert_cmpstr (g_value_get_string (nth (result, 0)), ==, filename_and_host[0]);
  g_assert_cmpstr (g_value_get_string (nth (result, 1)), ==, filename_and_host[1]);
}

static void
test_filename_from_uri (void)
{
  g_autoptr(SaFunction) from_uri = wrap ("GLib", "filename_from_uri");
  GValue *args = args_new (1, G_TYPE_STRING, "file://example.org/tmp/a%20b");
  g_autofree char *host = NULL;
  g_autofree char *filename = g_filename_from_uri ("file://example.org/tmp/a%20b", &host, NULL);
  const char *expected[] = { filename, host };

  check_each_caller (from_uri, args, 1, check_filename_and_host, expected);
  args_free (args, 1);
}

static void
check_string (const GValue  *result,
              gconstpointer  expected)
{
  g_assert_cmpstr (g_value_get_string (result), ==, expected);
}

static void
test_compute_checksum (void)
{
  g_autoptr(SaFunction) checksum = wrap ("GLib", "compute_checksum_for_data");
  g_autoptr(GByteArray) data = byte_array_of ("checksum me");
  g_autofree char *expected = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data->data, data->len);
  GValue *args = args_new (2, G_TYPE_INT, G_CHECKSUM_SHA256, G_TYPE_BYTE_ARRAY, data);

  check_each_caller (checksum, args, 2, check_string, expected);
  args_free (args, 2);
}

static void
test_base64 (void)
{
  g_autoptr(SaFunction) encode = wrap ("GLib", "base64_encode");
  g_autoptr(SaFunction) decode = wrap ("GLib", "base64_decode");
  g_autoptr(GByteArray) data = byte_array_of ("any\xff bytes");
  g_autofree char *expected = g_base64_encode (data->data, data->len);
  GValue *encode_args = args_new (1, G_TYPE_BYTE_ARRAY, data);
  GValue *decode_args = args_new (1, G_TYPE_STRING, expected);

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GError) error = NULL;
      GValue *encoded = callers[c] (encode, encode_args, 1, &error);
      GValue *decoded;

      g_assert_no_error (error);
      g_assert_cmpstr (g_value_get_string (encoded), ==, expected);
      /* An array returned with its length as an out argument. */
      decoded = callers[c] (decode, decode_args, 1, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (n_results (decoded), ==, 1);
      assert_bytes (decoded, data->data, data->len);
      result_free (encoded);
      result_free (decoded);
    }
  args_free (encode_args, 1);
  args_free (decode_args, 1);
}

static void
test_environ_getenv (void)
{
  g_autoptr(SaFunction) getenv = wrap ("GLib", "environ_getenv");
  const char *envp[] = { "A=1", "B=two", NULL };

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      GValue *found_args = args_new (2, G_TYPE_STRV, envp, G_TYPE_STRING, "B");
      GValue *missing_args = args_new (2, G_TYPE_STRV, envp, G_TYPE_STRING, "C");
      g_autoptr(GError) error = NULL;
      GValue *found = callers[c] (getenv, found_args, 2, &error);
      GValue *missing;

      g_assert_no_error (error);
      g_assert_cmpstr (g_value_get_string (found), ==, g_environ_getenv ((char **) envp, "B"));
      missing = callers[c] (getenv, missing_args, 2, &error);
      g_assert_no_error (error);
      g_assert_null (g_value_get_string (missing));
      result_free (found);
      result_free (missing);
      args_free (found_args, 2);
      args_free (missing_args, 2);
    }
}

/* A string array with its length as an argument, into a GVariant. */
static void
check_variant (const GValue  *result,
               gconstpointer  expected)
{
  g_assert_true (g_variant_equal (g_value_get_variant (result), expected));
}

static void
test_variant_new_strv (void)
{
  g_autoptr(SaFunction) new_strv = wrap ("GLib", "Variant.new_strv");
  const char *strv[] = { "p", "q", "r", NULL };
  g_autoptr(GVariant) expected = g_variant_ref_sink (g_variant_new_strv (strv, -1));
  GValue *args = args_new (1, G_TYPE_STRV, strv);

  check_each_caller (new_strv, args, 1, check_variant, expected);
  args_free (args, 1);
}

/* A string array the callee keeps (transfer none), copied. */
static void
check_strv_copy (const GValue  *result,
                 gconstpointer  expected)
{
  char **got = g_value_get_boxed (result);

  g_assert_true (g_strv_equal ((const char * const *) got, expected));
  g_assert_true ((gconstpointer) got != expected);
}

static void
test_system_data_dirs (void)
{
  g_autoptr(SaFunction) dirs = wrap ("GLib", "get_system_data_dirs");

  check_each_caller (dirs, NULL, 0, check_strv_copy, g_get_system_data_dirs ());
}

static void
test_get_user_name (void)
{
  g_autoptr(SaFunction) user = wrap ("GLib", "get_user_name");

  check_each_caller (user, NULL, 0, check_string, g_get_user_name ());
}

static void
test_uri_split (void)
{
  g_autoptr(SaFunction) split = wrap ("GLib", "uri_split");
  const char *uri = "https://user@example.org:8080/a/b?q=1#frag";
  GValue *args = args_new (2, G_TYPE_STRING, uri, G_TYPE_UINT, G_URI_FLAGS_NONE);

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GError) error = NULL;
      GValue *result = callers[c] (split, args, 2, &error);

      g_assert_no_error (error);
      /* Its gboolean is (skip), as in Python and GJS: seven results. */
      g_assert_cmpuint (n_results (result), ==, 7);
      g_assert_cmpstr (g_value_get_string (nth (result, 0)), ==, "https");
      g_assert_cmpstr (g_value_get_string (nth (result, 1)), ==, "user");
      g_assert_cmpstr (g_value_get_string (nth (result, 2)), ==, "example.org");
      g_assert_cmpint (g_value_get_int (nth (result, 3)), ==, 8080);
      g_assert_cmpstr (g_value_get_string (nth (result, 4)), ==, "/a/b");
      g_assert_cmpstr (g_value_get_string (nth (result, 5)), ==, "q=1");
      g_assert_cmpstr (g_value_get_string (nth (result, 6)), ==, "frag");
      result_free (result);
    }
  args_free (args, 2);
}

/* Methods and static functions of GFile (an interface) */

static void
test_file_methods (void)
{
  g_autoptr(SaFunction) new_for_path = wrap ("Gio", "File.new_for_path");
  g_autoptr(SaFunction) get_path = wrap ("Gio", "File.get_path");
  g_autoptr(SaFunction) get_basename = wrap ("Gio", "File.get_basename");
  g_autoptr(SaFunction) get_parent = wrap ("Gio", "File.get_parent");

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GError) error = NULL;
      GValue *path_args = args_new (1, G_TYPE_STRING, "/tmp/dir/name.txt");
      GValue *file = callers[c] (new_for_path, path_args, 1, &error);
      GValue *path;
      GValue *basename;
      GValue *parent;

      g_assert_no_error (error);
      g_assert_true (G_IS_FILE (g_value_get_object (file)));
      path = callers[c] (get_path, file, 1, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (g_value_get_string (path), ==, "/tmp/dir/name.txt");
      basename = callers[c] (get_basename, file, 1, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (g_value_get_string (basename), ==, "name.txt");
      parent = callers[c] (get_parent, file, 1, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (g_file_peek_path (g_value_get_object (parent)), ==, "/tmp/dir");
      /* Transfer full: the value holds the only reference. */
      g_assert_cmpuint (G_OBJECT (g_value_get_object (parent))->ref_count, ==, 1);

      result_free (file);
      result_free (path);
      result_free (basename);
      result_free (parent);
      args_free (path_args, 1);
    }
}

static void
test_file_query_info (void)
{
  g_autoptr(GFile) file = temp_file ("info", "12345");

  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(SaFunction) query = wrap ("Gio", p == 0 ? "File.query_info" : "File.query_info_async");
      guint n = p == 0 ? 3 : 4;
      GValue *args = args_new (n, G_TYPE_FILE, file, G_TYPE_STRING, "standard::size",
                               G_TYPE_FILE_QUERY_INFO_FLAGS, G_FILE_QUERY_INFO_NONE,
                               G_TYPE_INT, G_PRIORITY_DEFAULT);

      for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
        {
          g_autoptr(GError) error = NULL;
          GValue *result = callers[c] (query, args, n, &error);

          g_assert_no_error (error);
          g_assert_cmpint (g_file_info_get_size (g_value_get_object (result)), ==, 5);
          result_free (result);
        }
      args_free (args, n);
    }
}

static void
test_file_replace_contents (void)
{
  g_autoptr(GFile) file = temp_file ("replace", "old");
  g_autoptr(GByteArray) data = byte_array_of ("new contents");

  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(SaFunction) replace = wrap ("Gio", p == 0 ? "File.replace_contents"
                                                          : "File.replace_contents_async");
      /* The etag is (nullable). */
      GValue *args = args_new (5, G_TYPE_FILE, file, G_TYPE_BYTE_ARRAY, data,
                               G_TYPE_STRING, NULL, G_TYPE_BOOLEAN, FALSE,
                               G_TYPE_FILE_CREATE_FLAGS, G_FILE_CREATE_NONE);

      for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *contents = NULL;
          GValue *result = callers[c] (replace, args, 5, &error);

          g_assert_no_error (error);
          g_assert_true (g_value_get_boolean (nth (result, 0)));
          g_assert_nonnull (g_value_get_string (nth (result, 1)));
          g_assert_true (g_file_load_contents (file, NULL, &contents, NULL, NULL, NULL));
          g_assert_cmpstr (contents, ==, "new contents");
          result_free (result);
          g_assert_true (g_file_replace_contents (file, "old", 3, NULL, FALSE, 0,
                                                  NULL, NULL, NULL));
        }
      args_free (args, 5);
    }
}

/* A pair whose _finish the naming rule misses, given GBytes for its
 * byte array (converted, as PyGObject and GJS pass bytes). */
static void
test_file_replace_contents_bytes (void)
{
  g_autoptr(GFile) file = temp_file ("replace-bytes", "old");
  g_autoptr(SaFunction) replace = wrap ("Gio", "File.replace_contents_bytes_async");
  g_autoptr(GBytes) data = g_bytes_new_static ("from bytes", 10);
  GValue *args = args_new (5, G_TYPE_FILE, file, G_TYPE_BYTES, data,
                           G_TYPE_STRING, NULL, G_TYPE_BOOLEAN, FALSE,
                           G_TYPE_FILE_CREATE_FLAGS, G_FILE_CREATE_NONE);

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      GValue *result = callers[c] (replace, args, 5, &error);

      g_assert_no_error (error);
      g_assert_true (g_value_get_boolean (nth (result, 0)));
      g_assert_true (g_file_load_contents (file, NULL, &contents, NULL, NULL, NULL));
      g_assert_cmpstr (contents, ==, "from bytes");
      result_free (result);
    }
  args_free (args, 5);
}

/* g_bytes_unref_to_array () consumes its instance: (transfer full). */
static void
test_bytes_unref_to_array (void)
{
  g_autoptr(SaFunction) unref_to_array = wrap ("GLib", "Bytes.unref_to_array");

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new ("kept", 4);
      g_autoptr(GError) error = NULL;
      GValue *args = args_new (1, G_TYPE_BYTES, bytes);
      GValue *result = callers[c] (unref_to_array, args, 1, &error);

      g_assert_no_error (error);
      assert_bytes (result, "kept", 4);
      /* The caller's reference and its data are untouched. */
      g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), "kept", 4);
      result_free (result);
      args_free (args, 1);
    }
}

/* Subprocesses: GStrv arguments, pairs with out arguments */

static void
test_subprocess (void)
{
  g_autoptr(SaFunction) spawn = wrap ("Gio", "Subprocess.new");
  g_autoptr(SaFunction) communicate = wrap ("Gio", "Subprocess.communicate_utf8_async");
  g_autoptr(SaFunction) wait_check = wrap ("Gio", "Subprocess.wait_check_async");
  const char *argv[] = { "cat", NULL };

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GError) error = NULL;
      GValue *spawn_args = args_new (2, G_TYPE_STRV, argv, G_TYPE_SUBPROCESS_FLAGS,
                                     G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
      GValue *process = callers[c] (spawn, spawn_args, 2, &error);
      GValue *communicate_args;
      GValue *output;
      GValue *waited;

      g_assert_no_error (error);
      g_assert_true (G_IS_SUBPROCESS (g_value_get_object (process)));
      communicate_args = args_new (2, G_TYPE_SUBPROCESS, g_value_get_object (process),
                                   G_TYPE_STRING, "echoed back");
      output = callers[c] (communicate, communicate_args, 2, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (n_results (output), ==, 3);
      g_assert_true (g_value_get_boolean (nth (output, 0)));
      g_assert_cmpstr (g_value_get_string (nth (output, 1)), ==, "echoed back");
      g_assert_null (g_value_get_string (nth (output, 2)));  /* no stderr pipe */
      waited = callers[c] (wait_check, process, 1, &error);
      g_assert_no_error (error);
      g_assert_true (g_value_get_boolean (waited));

      result_free (process);
      result_free (output);
      result_free (waited);
      args_free (spawn_args, 2);
      args_free (communicate_args, 2);
    }
}

static void
test_subprocess_error (void)
{
  g_autoptr(SaFunction) spawn = wrap ("Gio", "Subprocess.new");
  g_autoptr(SaFunction) wait_check = wrap ("Gio", "Subprocess.wait_check");
  const char *argv[] = { "false", NULL };

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GError) error = NULL;
      GValue *spawn_args = args_new (2, G_TYPE_STRV, argv, G_TYPE_SUBPROCESS_FLAGS, 0);
      GValue *process = callers[c] (spawn, spawn_args, 2, &error);
      GValue *waited;

      g_assert_no_error (error);
      /* A blocking method: on a worker thread for the loop's caller. */
      waited = callers[c] (wait_check, process, 1, &error);
      g_assert_error (error, G_SPAWN_EXIT_ERROR, 1);
      g_assert_null (waited);
      result_free (process);
      args_free (spawn_args, 2);
    }
}

/* Streams: byte-array arguments, caller-allocated buffers */

static void
test_output_stream_write_all (void)
{
  g_autoptr(GByteArray) data = byte_array_of ("written in one go");

  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(SaFunction) write_all = wrap ("Gio", p == 0 ? "OutputStream.write_all"
                                                            : "OutputStream.write_all_async");
      guint n = p == 0 ? 2 : 3;

      for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
        {
          g_autoptr(GOutputStream) stream = g_memory_output_stream_new_resizable ();
          g_autoptr(GError) error = NULL;
          GValue *args = args_new (n, G_TYPE_OUTPUT_STREAM, stream, G_TYPE_BYTE_ARRAY, data,
                                   G_TYPE_INT, G_PRIORITY_DEFAULT);
          GValue *result = callers[c] (write_all, args, n, &error);

          g_assert_no_error (error);
          g_assert_true (g_value_get_boolean (nth (result, 0)));
          g_assert_cmpuint (g_value_get_uint64 (nth (result, 1)), ==, data->len);
          g_assert_cmpmem (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (stream)),
                           g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (stream)),
                           data->data, data->len);
          result_free (result);
          args_free (args, n);
        }
    }
}

static GInputStream *
memory_stream (const char *text)
{
  return g_memory_input_stream_new_from_data (g_strdup (text), -1, g_free);
}

static void
test_input_stream_read_all (void)
{
  g_autoptr(SaFunction) read_all = wrap ("Gio", "InputStream.read_all");

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GInputStream) stream = memory_stream ("0123456789");
      g_autoptr(GError) error = NULL;
      GValue *args = args_new (2, G_TYPE_INPUT_STREAM, stream, G_TYPE_UINT64, (guint64) 4);
      GValue *result = callers[c] (read_all, args, 2, &error);

      /* The buffer the caller allocates, as Python and GJS return it. */
      g_assert_no_error (error);
      g_assert_true (g_value_get_boolean (nth (result, 0)));
      assert_bytes (nth (result, 1), "0123", 4);
      g_assert_cmpuint (g_value_get_uint64 (nth (result, 2)), ==, 4);
      result_free (result);
      args_free (args, 2);
    }
}

static void
test_input_stream_read_bytes_async (void)
{
  g_autoptr(SaFunction) read_bytes = wrap ("Gio", "InputStream.read_bytes_async");

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GInputStream) stream = memory_stream ("bytes please");
      g_autoptr(GError) error = NULL;
      GValue *args = args_new (3, G_TYPE_INPUT_STREAM, stream, G_TYPE_UINT64, (guint64) 5,
                               G_TYPE_INT, G_PRIORITY_DEFAULT);
      GValue *result = callers[c] (read_bytes, args, 3, &error);
      gsize size;
      const char *data;

      g_assert_no_error (error);
      data = g_bytes_get_data (g_value_get_boxed (result), &size);
      g_assert_cmpmem (data, size, "bytes", 5);
      result_free (result);
      args_free (args, 3);
    }
}

static void
test_data_input_stream_read_line (void)
{
  for (guint p = 0; p < 2; p++)
    {
      g_autoptr(SaFunction) read_line = wrap ("Gio", p == 0 ? "DataInputStream.read_line_utf8"
                                                            : "DataInputStream.read_line_async");
      guint n = p == 0 ? 1 : 2;

      for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
        {
          g_autoptr(GInputStream) base = memory_stream ("first line\nsecond\n");
          g_autoptr(GDataInputStream) stream = g_data_input_stream_new (base);
          g_autoptr(GError) error = NULL;
          GValue *args = args_new (n, G_TYPE_DATA_INPUT_STREAM, stream,
                                   G_TYPE_INT, G_PRIORITY_DEFAULT);
          GValue *first = callers[c] (read_line, args, n, &error);
          GValue *second;
          GValue *third;

          g_assert_no_error (error);
          if (p == 0)
            g_assert_cmpstr (g_value_get_string (nth (first, 0)), ==, "first line");
          else
            assert_bytes (nth (first, 0), "first line", 10);
          g_assert_cmpuint (g_value_get_uint64 (nth (first, 1)), ==, 10);
          second = callers[c] (read_line, args, n, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (g_value_get_uint64 (nth (second, 1)), ==, 6);
          /* At the end of the stream: no line, NULL, not an empty one. */
          third = callers[c] (read_line, args, n, &error);
          g_assert_no_error (error);
          if (p == 0)
            g_assert_null (g_value_get_string (nth (third, 0)));
          else
            {
              g_assert_true (G_VALUE_HOLDS_POINTER (nth (third, 0)));
              g_assert_null (g_value_get_pointer (nth (third, 0)));
            }
          result_free (first);
          result_free (second);
          result_free (third);
          args_free (args, n);
        }
    }
}

static gpointer
connect_thread (gpointer data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  GSocketConnection *connection;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                GPOINTER_TO_UINT (data), NULL, NULL);
  g_assert_nonnull (connection);
  return connection;
}

static void
test_socket_listener_accept (void)
{
  g_autoptr(SaFunction) accept = wrap ("Gio", "SocketListener.accept_async");

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GSocketListener) listener = g_socket_listener_new ();
      g_autoptr(GObject) tag = g_object_new (G_TYPE_OBJECT, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketConnection) client = NULL;
      GValue *args;
      GValue *result;
      guint16 port;

      port = g_socket_listener_add_any_inet_port (listener, tag, &error);
      g_assert_no_error (error);
      client = g_thread_join (g_thread_new ("connect", connect_thread, GUINT_TO_POINTER (port)));
      args = args_new (1, G_TYPE_SOCKET_LISTENER, listener);
      result = callers[c] (accept, args, 1, &error);

      g_assert_no_error (error);
      g_assert_true (G_IS_SOCKET_CONNECTION (g_value_get_object (nth (result, 0))));
      /* source_object: (transfer none), the object given to add_*_port. */
      g_assert_true (g_value_get_object (nth (result, 1)) == tag);
      result_free (result);
      args_free (args, 1);
    }
}

/* Boxed types and GVariant */

static void
test_key_file (void)
{
  g_autoptr(SaFunction) key_file_new = wrap ("GLib", "KeyFile.new");
  g_autoptr(SaFunction) load = wrap ("GLib", "KeyFile.load_from_data");
  g_autoptr(SaFunction) get_list = wrap ("GLib", "KeyFile.get_string_list");
  const char *data = "[group]\nkey=a;b;c;\n";

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GError) error = NULL;
      GValue *key_file = callers[c] (key_file_new, NULL, 0, &error);
      GValue *load_args;
      GValue *loaded;
      GValue *list_args;
      GValue *list;
      const char *expected[] = { "a", "b", "c", NULL };

      g_assert_no_error (error);
      load_args = args_new (4, G_TYPE_KEY_FILE, g_value_get_boxed (key_file),
                            G_TYPE_STRING, data, G_TYPE_UINT64, (guint64) strlen (data),
                            G_TYPE_UINT, G_KEY_FILE_NONE);
      loaded = callers[c] (load, load_args, 4, &error);
      g_assert_no_error (error);
      g_assert_true (g_value_get_boolean (loaded));
      list_args = args_new (3, G_TYPE_KEY_FILE, g_value_get_boxed (key_file),
                            G_TYPE_STRING, "group", G_TYPE_STRING, "key");
      list = callers[c] (get_list, list_args, 3, &error);
      g_assert_no_error (error);
      g_assert_true (g_strv_equal (g_value_get_boxed (list), expected));

      result_free (key_file);
      result_free (loaded);
      result_free (list);
      args_free (load_args, 4);
      args_free (list_args, 3);
    }
}

/* g_variant_get_strv (): transfer container, a method of GVariant. */
static void
test_variant_get_strv (void)
{
  g_autoptr(SaFunction) get_strv = wrap ("GLib", "Variant.get_strv");
  const char *strv[] = { "x", "y", NULL };
  g_autoptr(GVariant) variant = g_variant_ref_sink (g_variant_new_strv (strv, -1));
  GValue *args = args_new (1, G_TYPE_VARIANT, variant);

  check_each_caller (get_strv, args, 1, check_strv_copy, strv);
  args_free (args, 1);
}

/* Every function and method of GLib, GObject and Gio is wrapped, or
 * refused with SA_ERROR_UNSUPPORTED saying why: no crash, no critical. */
static guint n_wrapped;
static guint n_refused;

static void
wrap_or_refuse (GIBaseInfo *info)
{
  g_autoptr(GError) error = NULL;
  SaFunction *function = sa_function_new_for_callable_info (info, &error);

  if (function != NULL)
    {
      g_assert_no_error (error);
      n_wrapped++;
      g_object_unref (function);
      return;
    }
  g_assert_error (error, SA_ERROR, SA_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "cannot be wrapped: "));
  n_refused++;
}

typedef GIBaseInfo *(*GetMethod) (GIBaseInfo *info,
                                  int         n);

static void
wrap_or_refuse_methods (GIBaseInfo *info,
                        int         n_methods,
                        GetMethod   get_method)
{
  for (int j = 0; j < n_methods; j++)
    {
      GIBaseInfo *method = get_method (info, j);

      wrap_or_refuse (method);
      g_base_info_unref (method);
    }
}

static void
test_every_function (void)
{
  const char *namespaces[] = { "GLib", "GObject", "Gio" };

  for (guint k = 0; k < G_N_ELEMENTS (namespaces); k++)
    {
      int n_infos;

      g_assert_nonnull (g_irepository_require (NULL, namespaces[k], "2.0", 0, NULL));
      n_infos = g_irepository_get_n_infos (NULL, namespaces[k]);
      for (int i = 0; i < n_infos; i++)
        {
          GIBaseInfo *info = g_irepository_get_info (NULL, namespaces[k], i);

          switch (g_base_info_get_type (info))
            {
            case GI_INFO_TYPE_FUNCTION:
              wrap_or_refuse (info);
              break;
            case GI_INFO_TYPE_OBJECT:
              wrap_or_refuse_methods (info, g_object_info_get_n_methods (info),
                                      (GetMethod) g_object_info_get_method);
              break;
            case GI_INFO_TYPE_INTERFACE:
              wrap_or_refuse_methods (info, g_interface_info_get_n_methods (info),
                                      (GetMethod) g_interface_info_get_method);
              break;
            case GI_INFO_TYPE_STRUCT:
            case GI_INFO_TYPE_BOXED:
              wrap_or_refuse_methods (info, g_struct_info_get_n_methods (info),
                                      (GetMethod) g_struct_info_get_method);
              break;
            default:
              break;
            }
          g_base_info_unref (info);
        }
    }

  g_test_message ("%u wrapped, %u refused", n_wrapped, n_refused);
  /* 2741 and 854 with Debian 12's typelibs. */
  g_assert_cmpuint (n_wrapped, >, 2 * n_refused);
}

/* Refusals and bad input */

static void
test_refused (void)
{
  static const struct
  {
    const char *namespace_;
    const char *name;
    int         code;
    const char *says;
  } cases[] = {
    { "Gio", "File.no_such_method", SA_ERROR_NOT_FOUND, "no function" },
    { "Gio", "no_such_function", SA_ERROR_NOT_FOUND, "no function" },
    { "NoSuchNamespace", "anything", SA_ERROR_NOT_FOUND, "No typelib" },
    { NULL, "g_no_such_symbol", SA_ERROR_NOT_FOUND, "C symbol" },
    { "GLib", "timeout_add", SA_ERROR_UNSUPPORTED, "callback" },
    { "Gio", "File.copy", SA_ERROR_UNSUPPORTED, "callback" },
    { "Gio", "FileEnumerator.next_files_async", SA_ERROR_UNSUPPORTED, "GList" },
    { "Gio", "InputStream.read_all_async", SA_ERROR_UNSUPPORTED, "outlive" },
    { "GLib", "atomic_int_get", SA_ERROR_UNSUPPORTED, "pointer to a number" },
    { "GLib", "bit_trylock", SA_ERROR_UNSUPPORTED, "pointer to a number" },
    { "GLib", "Date.get_day", SA_ERROR_UNSUPPORTED, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      SaFunction *function = sa_function_new_introspected (cases[i].namespace_, NULL,
                                                           cases[i].name, &error);

      g_test_message ("%s: %s", cases[i].name, error != NULL ? error->message : "(wrapped)");
      if (cases[i].says == NULL)
        {
          /* A boxed method: wrapped, no refusal. */
          g_assert_no_error (error);
          g_object_unref (function);
          continue;
        }
      g_assert_null (function);
      g_assert_error (error, SA_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
}

static void
test_by_symbol (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SaFunction) by_symbol = NULL;
  g_autoptr(SaFunction) by_name = wrap ("Gio", "File.get_basename");

  /* Gio's typelib is loaded by wrap () above. */
  by_symbol = sa_function_new_introspected (NULL, NULL, "g_file_get_basename", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (sa_function_get_name (by_symbol), ==, sa_function_get_name (by_name));
}

static void
test_bad_arguments (void)
{
  g_autoptr(SaFunction) load = wrap ("Gio", "File.load_contents");
  g_autoptr(SaFunction) load_async = wrap ("Gio", "File.load_contents_async");
  g_autoptr(SaFunction) get_path = wrap ("Gio", "File.get_path");

  for (guint c = 0; c < G_N_ELEMENTS (callers); c++)
    {
      g_autoptr(GError) count_error = NULL;
      g_autoptr(GError) type_error = NULL;
      g_autoptr(GError) null_error = NULL;
      g_autoptr(GError) null_pair_error = NULL;
      GValue *wrong_type = args_new (1, G_TYPE_INT, 42);
      GValue *null_file = args_new (1, G_TYPE_FILE, NULL);

      g_assert_null (callers[c] (load, NULL, 0, &count_error));
      g_assert_error (count_error, SA_ERROR, SA_ERROR_ARGUMENT_COUNT);
      g_assert_null (callers[c] (get_path, wrong_type, 1, &type_error));
      g_assert_error (type_error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE);
      /* The instance is not nullable: refused before the call. */
      g_assert_null (callers[c] (load, null_file, 1, &null_error));
      g_assert_error (null_error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE);
      g_assert_nonnull (strstr (null_error->message, "must not be NULL"));
      g_assert_null (callers[c] (load_async, null_file, 1, &null_pair_error));
      g_assert_error (null_pair_error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE);
      args_free (wrong_type, 1);
      args_free (null_file, 1);
    }
}

/* A blocking function wrapped from its typelib runs on a worker thread
 * for a running loop's caller: the loop keeps dispatching. */
typedef struct
{
  gint64     last;
  gint64     longest;
  guint      ticks;
} Ticker;

static gboolean
tick (gpointer data)
{
  Ticker *ticker = data;
  gint64 now = g_get_monotonic_time ();

  ticker->longest = MAX (ticker->longest, now - ticker->last);
  ticker->last = now;
  ticker->ticks++;
  return G_SOURCE_CONTINUE;
}

static void
test_blocking_off_the_loop (void)
{
  g_autoptr(SaFunction) usleep = wrap ("GLib", "usleep");
  GValue *args = args_new (1, G_TYPE_ULONG, (gulong) 300000);
  Ticker ticker = { g_get_monotonic_time (), 0, 0 };
  guint id = g_timeout_add (10, tick, &ticker);
  g_autoptr(GError) error = NULL;
  GValue *result = call_in_loop (usleep, args, 1, &error);

  g_source_remove (id);
  g_assert_no_error (error);
  g_test_message ("%u ticks, longest gap %" G_GINT64_FORMAT " µs", ticker.ticks, ticker.longest);
  /* A blocked loop would tick at most once, after 300 ms. */
  g_assert_cmpuint (ticker.ticks, >=, 3);
  g_assert_cmpint (ticker.longest, <, 250000);
  result_free (result);
  args_free (args, 1);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("sa-introspected-XXXXXX", NULL);

  g_test_add_func ("/introspected/file/load-contents", test_file_load_contents);
  g_test_add_func ("/introspected/file/load-contents/return-locations", test_file_load_contents_locations);
  g_test_add_func ("/introspected/boxed/checksum", test_checksum);
  g_test_add_func ("/introspected/glib/file-get-contents", test_file_get_contents);
  g_test_add_func ("/introspected/glib/file-get-contents/error", test_file_get_contents_error);
  g_test_add_func ("/introspected/glib/filename-from-uri", test_filename_from_uri);
  g_test_add_func ("/introspected/glib/compute-checksum-for-data", test_compute_checksum);
  g_test_add_func ("/introspected/glib/base64", test_base64);
  g_test_add_func ("/introspected/glib/environ-getenv", test_environ_getenv);
  g_test_add_func ("/introspected/variant/new-strv", test_variant_new_strv);
  g_test_add_func ("/introspected/glib/get-system-data-dirs", test_system_data_dirs);
  g_test_add_func ("/introspected/glib/get-user-name", test_get_user_name);
  g_test_add_func ("/introspected/glib/uri-split", test_uri_split);
  g_test_add_func ("/introspected/file/methods", test_file_methods);
  g_test_add_func ("/introspected/file/query-info", test_file_query_info);
  g_test_add_func ("/introspected/file/replace-contents", test_file_replace_contents);
  g_test_add_func ("/introspected/file/replace-contents-bytes", test_file_replace_contents_bytes);
  g_test_add_func ("/introspected/boxed/bytes-unref-to-array", test_bytes_unref_to_array);
  g_test_add_func ("/introspected/subprocess/communicate", test_subprocess);
  g_test_add_func ("/introspected/subprocess/error", test_subprocess_error);
  g_test_add_func ("/introspected/stream/write-all", test_output_stream_write_all);
  g_test_add_func ("/introspected/stream/read-all", test_input_stream_read_all);
  g_test_add_func ("/introspected/stream/read-bytes-async", test_input_stream_read_bytes_async);
  g_test_add_func ("/introspected/stream/read-line", test_data_input_stream_read_line);
  g_test_add_func ("/introspected/socket-listener/accept", test_socket_listener_accept);
  g_test_add_func ("/introspected/boxed/key-file", test_key_file);
  g_test_add_func ("/introspected/variant/get-strv", test_variant_get_strv);
  g_test_add_func ("/introspected/refused", test_refused);
  g_test_add_func ("/introspected/every-function-of-glib-gobject-gio", test_every_function);
  g_test_add_func ("/introspected/by-symbol", test_by_symbol);
  g_test_add_func ("/introspected/bad-arguments", test_bad_arguments);
  g_test_add_func ("/introspected/blocking-off-the-loop", test_blocking_off_the_loop);

  status = g_test_run ();

  {
    g_autoptr(GFile) dir = g_file_new_for_path (tmpdir);
    g_autoptr(GFileEnumerator) children = g_file_enumerate_children (dir, "standard::name", 0, NULL, NULL);
    GFileInfo *info;

    while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
      {
        g_autoptr(GFile) child = g_file_get_child (dir, g_file_info_get_name (info));

        g_file_delete (child, NULL, NULL);
        g_object_unref (info);
      }
    g_file_delete (dir, NULL, NULL);
    g_free (tmpdir);
  }

  return status;
}
