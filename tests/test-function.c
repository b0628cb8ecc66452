/* test-function.c: construction, signatures, values and ownership
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sa-test-util.h"

/* C functions wrapped as they are */

static int
add_int (int a,
         int b)
{
  return a + b;
}

static gint64
add_int64 (gint64 a,
           gint64 b)
{
  return a + b;
}

static char *
repeat (const char *word,
        guint       times,
        gboolean    shout)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < times; i++)
    g_string_append (s, word);
  if (shout)
    g_string_append_c (s, '!');
  return g_string_free (s, FALSE);
}

static const char *
static_greeting (void)
{
  return "hello";
}

static GObject *
echo_object (GObject *object)
{
  return object != NULL ? g_object_ref (object) : NULL;
}

static GObject *
peek_object (GObject *object)
{
  return object;
}

static GBytes *
reverse_bytes (GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  guint8 *copy = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    copy[i] = data[size - 1 - i];
  return g_bytes_new_take (copy, size);
}

static GVariant *
double_variant (GVariant *variant)
{
  return g_variant_new_int32 (2 * g_variant_get_int32 (variant));
}

static GDateTime *
add_days (GDateTime *when,
          int        days)
{
  return g_date_time_add_days (when, days);
}

static double
mix_numbers (gint8    c,
             guint8   uc,
             glong    l,
             gulong   ul,
             guint64  u64,
             float    f,
             double   d)
{
  return c + uc + l + ul + u64 + f + d;
}

static int
enum_and_flags (GIOErrorEnum          code,
                GFileQueryInfoFlags   flags)
{
  return code * 100 + flags;
}

static void
bump (int *counter)
{
  (*counter)++;
}

static GFile *
file_child (GFile      *parent,
            const char *name)
{
  return g_file_get_child (parent, name);
}

/* Construction */

static void
test_function_new_sync_sets_properties (void)
{
  g_autoptr(SaFunction) fn = NULL;
  g_autofree char *name = NULL;
  SaFunctionKind kind;
  SaFunctionFlags flags;
  GType return_type;
  const GType *params;
  guint n_params;
  int timeout;
  SaMode mode;
  GMainContext *context;

  fn = sa_function_new_sync ("add", G_CALLBACK (add_int), SA_FUNCTION_FLAGS_NONE,
                             G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
  g_assert_nonnull (fn);

  g_object_get (fn,
                "name", &name,
                "kind", &kind,
                "flags", &flags,
                "return-type", &return_type,
                "mode", &mode,
                "timeout", &timeout,
                "main-context", &context,
                NULL);
  g_assert_cmpstr (name, ==, "add");
  g_assert_cmpstr (sa_function_get_name (fn), ==, "add");
  g_assert_cmpint (kind, ==, SA_FUNCTION_KIND_SYNC);
  g_assert_cmpint (sa_function_get_kind (fn), ==, SA_FUNCTION_KIND_SYNC);
  g_assert_cmpint (flags, ==, SA_FUNCTION_FLAGS_NONE);
  g_assert_true (return_type == G_TYPE_INT);
  g_assert_cmpint (mode, ==, SA_MODE_AUTO);
  g_assert_cmpint (timeout, ==, -1);
  g_assert_true (context == g_main_context_default ());
  g_main_context_unref (context);

  params = sa_function_get_param_types (fn, &n_params);
  g_assert_cmpuint (n_params, ==, 2);
  g_assert_true (params[0] == G_TYPE_INT && params[1] == G_TYPE_INT);
}

static void
test_function_new_async_is_async_kind (void)
{
  g_autoptr(SaFunction) fn = NULL;

  fn = sa_function_new_async ("read", G_CALLBACK (g_file_read_async),
                              G_CALLBACK (g_file_read_finish),
                              SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                              G_TYPE_FILE_INPUT_STREAM, 2, G_TYPE_FILE, G_TYPE_INT);
  g_assert_cmpint (sa_function_get_kind (fn), ==, SA_FUNCTION_KIND_ASYNC);
  g_assert_true (sa_function_get_return_type (fn) == G_TYPE_FILE_INPUT_STREAM);
}

static void
count_notify (int *counter)
{
  (*counter)++;
}

static void
test_function_mode_and_timeout_notify (void)
{
  g_autoptr(SaFunction) fn = NULL;
  int notified = 0;

  fn = sa_function_new_sync ("add", G_CALLBACK (add_int), 0, G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
  g_signal_connect_swapped (fn, "notify", G_CALLBACK (count_notify), &notified);

  sa_function_set_mode (fn, SA_MODE_ASYNC);
  sa_function_set_mode (fn, SA_MODE_ASYNC);
  g_assert_cmpint (sa_function_get_mode (fn), ==, SA_MODE_ASYNC);
  sa_function_set_timeout (fn, 250);
  g_assert_cmpint (sa_function_get_timeout (fn), ==, 250);

  g_assert_cmpint (notified, ==, 2);
}

static void
test_function_unsupported_type_is_critical (void)
{
  SaFunction *fn;

  /* An interface without a GObject prerequisite cannot sit in a GValue. */
  g_test_expect_message ("SmartAsync", G_LOG_LEVEL_CRITICAL,
                         "*“odd”: parameter 1 has unsupported type GTypePlugin*");
  fn = sa_function_new_sync ("odd", G_CALLBACK (add_int), 0, G_TYPE_INT, 1, G_TYPE_TYPE_PLUGIN);
  g_test_assert_expected_messages ();
  g_assert_null (fn);
}

static void
test_function_flags_for_another_kind_are_critical (void)
{
  SaFunction *fn;

  g_test_expect_message ("SmartAsync", G_LOG_LEVEL_CRITICAL,
                         "*“add”: flags SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE do not apply*");
  fn = sa_function_new_sync ("add", G_CALLBACK (add_int),
                             SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                             G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
  g_test_assert_expected_messages ();
  g_assert_null (fn);
}

static void
test_function_without_callable_is_critical (void)
{
  g_autoptr(SaFunction) fn = g_object_new (SA_TYPE_FUNCTION, "name", "empty", NULL);
  g_autoptr(GError) error = NULL;

  g_test_expect_message ("SmartAsync", G_LOG_LEVEL_CRITICAL, "*“empty” wraps nothing*");
  g_assert_false (sa_function_call_sync (fn, NULL, &error));
  g_test_assert_expected_messages ();
}

/* Values of every kind, through the C varargs entry point */

static void
test_function_values_numbers (void)
{
  g_autoptr(SaFunction) add = NULL;
  g_autoptr(SaFunction) add64 = NULL;
  g_autoptr(SaFunction) mix = NULL;
  g_autoptr(SaFunction) codes = NULL;
  g_autoptr(GError) error = NULL;
  int sum = 0;
  gint64 sum64 = 0;
  double mixed = 0;
  int code = 0;

  add = sa_function_new_sync ("add", G_CALLBACK (add_int), 0, G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
  g_assert_true (sa_function_call_sync (add, NULL, &error, -7, 3, &sum));
  g_assert_no_error (error);
  g_assert_cmpint (sum, ==, -4);

  add64 = sa_function_new_sync ("add64", G_CALLBACK (add_int64), 0,
                                G_TYPE_INT64, 2, G_TYPE_INT64, G_TYPE_INT64);
  g_assert_true (sa_function_call_sync (add64, NULL, &error, G_GINT64_CONSTANT (1) << 40,
                                        (gint64) 1, &sum64));
  g_assert_cmpint (sum64, ==, (G_GINT64_CONSTANT (1) << 40) + 1);

  mix = sa_function_new_sync ("mix", G_CALLBACK (mix_numbers), 0, G_TYPE_DOUBLE, 7,
                              G_TYPE_CHAR, G_TYPE_UCHAR, G_TYPE_LONG, G_TYPE_ULONG,
                              G_TYPE_UINT64, G_TYPE_FLOAT, G_TYPE_DOUBLE);
  g_assert_true (sa_function_call_sync (mix, NULL, &error, -1, 200, -30L, 40UL,
                                        (guint64) 5, 0.5, 0.25, &mixed));
  g_assert_cmpfloat (mixed, ==, -1 + 200 - 30 + 40 + 5 + 0.5 + 0.25);

  codes = sa_function_new_sync ("codes", G_CALLBACK (enum_and_flags), 0, G_TYPE_INT, 2,
                                G_TYPE_IO_ERROR_ENUM, G_TYPE_FILE_QUERY_INFO_FLAGS);
  g_assert_true (sa_function_call_sync (codes, NULL, &error, G_IO_ERROR_NOT_FOUND,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, &code));
  g_assert_cmpint (code, ==, G_IO_ERROR_NOT_FOUND * 100 + G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS);
}

static void
test_function_values_strings (void)
{
  g_autoptr(SaFunction) rep = NULL;
  g_autoptr(SaFunction) greeting = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *hello = NULL;

  rep = sa_function_new_sync ("repeat", G_CALLBACK (repeat), 0, G_TYPE_STRING, 3,
                              G_TYPE_STRING, G_TYPE_UINT, G_TYPE_BOOLEAN);
  g_assert_true (sa_function_call_sync (rep, NULL, &error, "ab", 3, TRUE, &text));
  g_assert_cmpstr (text, ==, "ababab!");

  /* A string the callee keeps is copied, not freed. */
  greeting = sa_function_new_sync ("greeting", G_CALLBACK (static_greeting),
                                   SA_FUNCTION_FLAGS_RETURNS_UNOWNED, G_TYPE_STRING, 0);
  g_assert_true (sa_function_call_sync (greeting, NULL, &error, &hello));
  g_assert_cmpstr (hello, ==, "hello");
  g_assert_true (hello != static_greeting ());
}

/* What a binding's callable may set: contents its GValue does not own. */
static gboolean
unowned_result_sync (GValue        *args,
                     guint          n_args,
                     GValue        *result,
                     GCancellable  *cancellable,
                     gpointer       user_data,
                     GError       **error)
{
  if (G_VALUE_HOLDS_STRING (result))
    g_value_set_interned_string (result, g_intern_static_string ("interned result"));
  else
    g_value_set_static_boxed (result, user_data);
  return TRUE;
}

static void
unowned_result_async (GValue       *args,
                      guint         n_args,
                      GCancellable *cancellable,
                      GTask        *task,
                      gpointer      user_data)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_static_string (&value, "static result");
  g_task_return_value (task, &value);
}

static void
test_function_values_unowned_contents_are_copied (void)
{
  static const char payload[] = "static bytes";
  GBytes *static_bytes = g_bytes_new_static (payload, sizeof payload);
  g_autoptr(SaFunction) interned = NULL;
  g_autoptr(SaFunction) boxed = NULL;
  g_autoptr(SaFunction) pair = NULL;
  g_autoptr(GError) error = NULL;
  char *text = NULL;
  GBytes *bytes = NULL;

  /* The caller of call_sync() owns what it gets and frees it. */
  interned = sa_function_new_sync_full ("interned", G_TYPE_STRING, NULL, 0, 0,
                                        unowned_result_sync, NULL, NULL);
  g_assert_true (sa_function_call_sync (interned, NULL, &error, &text));
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "interned result");
  g_assert_true (text != g_intern_static_string ("interned result"));
  g_free (text);

  boxed = sa_function_new_sync_full ("static-boxed", G_TYPE_BYTES, NULL, 0, 0,
                                     unowned_result_sync, static_bytes, NULL);
  g_assert_true (sa_function_call_sync (boxed, NULL, &error, &bytes));
  g_assert_true (bytes == static_bytes);  /* g_boxed_copy () of GBytes: a reference */
  g_bytes_unref (bytes);
  g_assert_true (sa_function_call_sync (boxed, NULL, &error, &bytes));
  g_bytes_unref (bytes);

  /* Through the private context too. */
  pair = sa_function_new_async_full ("static-string", G_TYPE_STRING, NULL, 0, 0,
                                     unowned_result_async, NULL, NULL);
  g_assert_true (sa_function_call_sync (pair, NULL, &error, &text));
  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "static result");
  g_free (text);

  g_bytes_unref (static_bytes);
}

static void
test_function_values_boxed_and_variants (void)
{
  g_autoptr(SaFunction) rev = NULL;
  g_autoptr(SaFunction) dbl = NULL;
  g_autoptr(SaFunction) days = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) in = g_bytes_new_static ("abc", 3);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GDateTime) start = g_date_time_new_utc (2026, 1, 30, 12, 0, 0);
  g_autoptr(GDateTime) later = NULL;

  rev = sa_function_new_sync ("reverse", G_CALLBACK (reverse_bytes), 0, G_TYPE_BYTES, 1, G_TYPE_BYTES);
  g_assert_true (sa_function_call_sync (rev, NULL, &error, in, &out));
  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), "cba", 3);

  dbl = sa_function_new_sync ("double", G_CALLBACK (double_variant), 0, G_TYPE_VARIANT, 1, G_TYPE_VARIANT);
  g_assert_true (sa_function_call_sync (dbl, NULL, &error, g_variant_new_int32 (21), &v));
  g_assert_false (g_variant_is_floating (v));
  g_assert_cmpint (g_variant_get_int32 (v), ==, 42);

  days = sa_function_new_sync ("add-days", G_CALLBACK (add_days), 0,
                               G_TYPE_DATE_TIME, 2, G_TYPE_DATE_TIME, G_TYPE_INT);
  g_assert_true (sa_function_call_sync (days, NULL, &error, start, 3, &later));
  g_assert_cmpint (g_date_time_get_day_of_month (later), ==, 2);
  g_assert_cmpint (g_date_time_get_month (later), ==, 2);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* For bindings that leak the contents of an out GValue (GJS): the result
 * in a GValue of its own, or NULL and an error. */
static void
test_function_values_in_a_gvalue_of_their_own (void)
{
  g_autoptr(SaFunction) rep = NULL;
  g_autoptr(SaFunction) bumper = NULL;
  g_autoptr(SaFunction) read = NULL;
  GObject *stream;
  g_autoptr(GFile) file = sa_test_make_temp_file ("contents");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GValue args[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  GValue *value;
  int counter = 0;

  rep = sa_function_new_sync ("repeat", G_CALLBACK (repeat), 0, G_TYPE_STRING, 3,
                              G_TYPE_STRING, G_TYPE_UINT, G_TYPE_BOOLEAN);
  g_value_set_static_string (g_value_init (&args[0], G_TYPE_STRING), "ab");
  g_value_set_uint (g_value_init (&args[1], G_TYPE_UINT), 2);
  g_value_set_boolean (g_value_init (&args[2], G_TYPE_BOOLEAN), FALSE);

  value = sa_function_call_syncv_value (rep, args, 3, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (G_VALUE_HOLDS_STRING (value));
  g_assert_cmpstr (g_value_get_string (value), ==, "abab");
  g_boxed_free (G_TYPE_VALUE, value);

  /* Failure: NULL and the error, nothing else. */
  g_assert_null (sa_function_call_syncv_value (rep, args, 2, NULL, &error));
  g_assert_error (error, SA_ERROR, SA_ERROR_ARGUMENT_COUNT);
  g_clear_error (&error);

  /* Nothing returned: a NULL pointer, as from sa_function_call_syncv(). */
  bumper = sa_function_new_sync ("bump", G_CALLBACK (bump), 0, G_TYPE_NONE, 1, G_TYPE_POINTER);
  g_value_unset (&args[0]);
  g_value_set_pointer (g_value_init (&args[0], G_TYPE_POINTER), &counter);
  value = sa_function_call_syncv_value (bumper, args, 1, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (counter, ==, 1);
  g_assert_true (G_VALUE_HOLDS_POINTER (value));
  g_assert_null (g_value_get_pointer (value));
  g_boxed_free (G_TYPE_VALUE, value);

  /* An object through call_finish_value(): the value holds the only
   * reference the caller gets. */
  read = sa_function_new_async ("read", G_CALLBACK (g_file_read_async),
                                G_CALLBACK (g_file_read_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                G_TYPE_FILE_INPUT_STREAM, 2, G_TYPE_FILE, G_TYPE_INT);
  sa_function_call_async (read, NULL, store_result, &result, file, G_PRIORITY_DEFAULT);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  value = sa_function_call_finish_value (read, result, &error);
  g_assert_no_error (error);
  stream = g_value_get_object (value);
  g_assert_true (G_IS_FILE_INPUT_STREAM (stream));
  g_object_add_weak_pointer (stream, (gpointer *) &stream);
  g_clear_object (&result);
  g_boxed_free (G_TYPE_VALUE, value);
  g_assert_null (stream);

  /* A failed call: NULL and the pair's own error. */
  g_file_delete (file, NULL, &error);
  g_assert_no_error (error);
  sa_function_call_async (read, NULL, store_result, &result, file, G_PRIORITY_DEFAULT);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (sa_function_call_finish_value (read, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);

  for (guint i = 0; i < G_N_ELEMENTS (args); i++)
    g_value_unset (&args[i]);
}

static void
test_function_values_pointer_and_void (void)
{
  g_autoptr(SaFunction) fn = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) arg = G_VALUE_INIT;
  g_auto(GValue) result = G_VALUE_INIT;
  int counter = 0;

  fn = sa_function_new_sync ("bump", G_CALLBACK (bump), 0, G_TYPE_NONE, 1, G_TYPE_POINTER);
  g_assert_true (sa_function_call_sync (fn, NULL, &error, &counter));
  g_assert_cmpint (counter, ==, 1);

  /* For bindings a void result is a NULL pointer, never an unset value. */
  g_value_init (&arg, G_TYPE_POINTER);
  g_value_set_pointer (&arg, &counter);
  g_assert_true (sa_function_call_syncv (fn, &arg, 1, &result, NULL, &error));
  g_assert_cmpint (counter, ==, 2);
  g_assert_true (G_VALUE_HOLDS_POINTER (&result));
  g_assert_null (g_value_get_pointer (&result));
}

static void
test_function_objects_are_owned_correctly (void)
{
  g_autoptr(SaFunction) echo = NULL;
  g_autoptr(SaFunction) peek = NULL;
  g_autoptr(SaFunction) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) dir = g_file_new_for_path ("/tmp");
  g_autoptr(GFile) file = NULL;
  GObject *object = g_object_new (G_TYPE_OBJECT, NULL);
  GObject *out = NULL;

  g_object_add_weak_pointer (object, (gpointer *) &object);

  echo = sa_function_new_sync ("echo", G_CALLBACK (echo_object), 0, G_TYPE_OBJECT, 1, G_TYPE_OBJECT);
  g_assert_true (sa_function_call_sync (echo, NULL, &error, object, &out));
  g_assert_true (out == object);
  g_object_unref (out);

  /* Transfer none: the result is a new reference of ours, not theirs. */
  peek = sa_function_new_sync ("peek", G_CALLBACK (peek_object),
                               SA_FUNCTION_FLAGS_RETURNS_UNOWNED, G_TYPE_OBJECT, 1, G_TYPE_OBJECT);
  g_assert_true (sa_function_call_sync (peek, NULL, &error, object, &out));
  g_assert_true (out == object);
  g_object_unref (out);

  g_object_unref (object);
  g_assert_null (object);

  child = sa_function_new_sync ("child", G_CALLBACK (file_child), 0,
                                G_TYPE_FILE, 2, G_TYPE_FILE, G_TYPE_STRING);
  g_assert_true (sa_function_call_sync (child, NULL, &error, dir, "x.txt", &file));
  g_assert_cmpstr (g_file_peek_path (file), ==, "/tmp/x.txt");
}

/* GValue arguments, as bindings send them */

static gboolean
call_with_values (SaFunction  *fn,
                  GValue      *result,
                  GError     **error,
                  guint        n_args,
                  ...)
{
  GValue args[8] = { G_VALUE_INIT, };
  gboolean ok;
  va_list ap;

  va_start (ap, n_args);
  for (guint i = 0; i < n_args; i++)
    {
      GType type = va_arg (ap, GType);

      g_value_init (&args[i], type);
      switch (G_TYPE_FUNDAMENTAL (type))
        {
        case G_TYPE_INT:     g_value_set_int (&args[i], va_arg (ap, int)); break;
        case G_TYPE_INT64:   g_value_set_int64 (&args[i], va_arg (ap, gint64)); break;
        case G_TYPE_DOUBLE:  g_value_set_double (&args[i], va_arg (ap, double)); break;
        case G_TYPE_STRING:  g_value_set_string (&args[i], va_arg (ap, const char *)); break;
        case G_TYPE_BOOLEAN: g_value_set_boolean (&args[i], va_arg (ap, gboolean)); break;
        case G_TYPE_POINTER: g_value_set_pointer (&args[i], va_arg (ap, gpointer)); break;
        case G_TYPE_OBJECT:  g_value_set_object (&args[i], va_arg (ap, gpointer)); break;
        default: g_assert_not_reached ();
        }
    }
  va_end (ap);

  ok = sa_function_call_syncv (fn, args, n_args, result, NULL, error);

  for (guint i = 0; i < n_args; i++)
    g_value_unset (&args[i]);

  /* Bindings need a typed result even when the call failed. */
  g_assert_true (G_IS_VALUE (result));
  return ok;
}

static void
test_function_values_convert_without_loss (void)
{
  g_autoptr(SaFunction) add = NULL;
  g_autoptr(SaFunction) add64 = NULL;
  g_autoptr(SaFunction) rep = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) result = G_VALUE_INIT;

  add = sa_function_new_sync ("add", G_CALLBACK (add_int), 0, G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
  add64 = sa_function_new_sync ("add64", G_CALLBACK (add_int64), 0,
                                G_TYPE_INT64, 2, G_TYPE_INT64, G_TYPE_INT64);
  rep = sa_function_new_sync ("repeat", G_CALLBACK (repeat), 0, G_TYPE_STRING, 3,
                              G_TYPE_STRING, G_TYPE_UINT, G_TYPE_BOOLEAN);

  /* int to int64, as Python sends small integers */
  g_assert_true (call_with_values (add64, &result, &error, 2, G_TYPE_INT, 2, G_TYPE_INT, 40));
  g_assert_no_error (error);
  g_assert_cmpint (g_value_get_int64 (&result), ==, 42);
  g_value_unset (&result);

  /* an integral double to int, as GJS sends numbers */
  g_assert_true (call_with_values (add, &result, &error, 2, G_TYPE_DOUBLE, 40.0, G_TYPE_INT, 2));
  g_assert_cmpint (g_value_get_int (&result), ==, 42);
  g_value_unset (&result);

  /* int to uint and boolean, when in range */
  g_assert_true (call_with_values (rep, &result, &error, 3, G_TYPE_STRING, "x",
                                   G_TYPE_INT, 2, G_TYPE_INT, 1));
  g_assert_cmpstr (g_value_get_string (&result), ==, "xx!");
  g_value_unset (&result);

  /* a NULL pointer, as GJS sends null, is a NULL string */
  g_assert_true (call_with_values (rep, &result, &error, 3, G_TYPE_POINTER, NULL,
                                   G_TYPE_INT, 0, G_TYPE_BOOLEAN, FALSE));
  g_assert_cmpstr (g_value_get_string (&result), ==, "");
}

static void
assert_rejected (SaFunction *fn,
                 const char *pattern,
                 guint       n_args,
                 GType       type1,
                 ...)
{
  g_autoptr(GError) error = NULL;
  g_auto(GValue) result = G_VALUE_INIT;
  GValue args[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  va_list ap;

  g_assert_cmpuint (n_args, <=, G_N_ELEMENTS (args));
  va_start (ap, type1);
  for (guint i = 0; i < n_args; i++)
    {
      GType type = i == 0 ? type1 : va_arg (ap, GType);

      g_value_init (&args[i], type);
      if (type == G_TYPE_DOUBLE)
        g_value_set_double (&args[i], va_arg (ap, double));
      else if (type == G_TYPE_INT64)
        g_value_set_int64 (&args[i], va_arg (ap, gint64));
      else if (type == G_TYPE_INT)
        g_value_set_int (&args[i], va_arg (ap, int));
      else if (type == G_TYPE_STRING)
        g_value_set_string (&args[i], va_arg (ap, const char *));
      else if (type == G_TYPE_OBJECT)
        g_value_set_object (&args[i], va_arg (ap, gpointer));
    }
  va_end (ap);

  g_assert_false (sa_function_call_syncv (fn, args, n_args, &result, NULL, &error));
  g_assert_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE);
  if (!g_pattern_match_simple (pattern, error->message))
    g_error ("“%s” does not match “%s”", error->message, pattern);
  g_assert_true (G_IS_VALUE (&result));

  for (guint i = 0; i < n_args; i++)
    g_value_unset (&args[i]);
}

static void
test_function_values_that_lose_information_are_rejected (void)
{
  g_autoptr(SaFunction) add = NULL;
  g_autoptr(SaFunction) rep = NULL;
  g_autoptr(SaFunction) child = NULL;
  g_autoptr(GCancellable) not_a_file = g_cancellable_new ();

  add = sa_function_new_sync ("add", G_CALLBACK (add_int), 0, G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
  rep = sa_function_new_sync ("repeat", G_CALLBACK (repeat), 0, G_TYPE_STRING, 3,
                              G_TYPE_STRING, G_TYPE_UINT, G_TYPE_BOOLEAN);
  child = sa_function_new_sync ("child", G_CALLBACK (file_child), 0,
                                G_TYPE_FILE, 2, G_TYPE_FILE, G_TYPE_STRING);

  assert_rejected (add, "Function “add”: argument 1: expected gint, got gdouble 3.5*",
                   2, G_TYPE_DOUBLE, 3.5, G_TYPE_INT, 1);
  assert_rejected (add, "Function “add”: argument 2: expected gint, got gint64 1099511627776*",
                   2, G_TYPE_INT, 1, G_TYPE_INT64, G_GINT64_CONSTANT (1) << 40);
  assert_rejected (add, "Function “add”: argument 1: expected gint, got gchararray*",
                   2, G_TYPE_STRING, "3", G_TYPE_INT, 1);
  assert_rejected (rep, "Function “repeat”: argument 2: expected guint, got gint -1*",
                   3, G_TYPE_STRING, "x", G_TYPE_INT, -1, G_TYPE_INT, 0);
  assert_rejected (rep, "Function “repeat”: argument 3: expected gboolean, got gint 2*",
                   3, G_TYPE_STRING, "x", G_TYPE_INT, 1, G_TYPE_INT, 2);
  assert_rejected (child, "Function “child”: argument 1: expected GFile, got an instance of GCancellable*",
                   2, G_TYPE_OBJECT, not_a_file, G_TYPE_STRING, "x");
}

static void
test_function_wrong_argument_count_is_an_error (void)
{
  g_autoptr(SaFunction) add = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GValue) result = G_VALUE_INIT;
  GValue arg = G_VALUE_INIT;

  add = sa_function_new_sync ("add", G_CALLBACK (add_int), 0, G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
  g_value_init (&arg, G_TYPE_INT);

  g_assert_false (sa_function_call_syncv (add, &arg, 1, &result, NULL, &error));
  g_assert_error (error, SA_ERROR, SA_ERROR_ARGUMENT_COUNT);
  g_assert_cmpstr (error->message, ==, "Function “add” takes 2 arguments, 1 given");
  g_assert_true (G_VALUE_HOLDS_INT (&result));
}

/* GValue callables, as bindings implement them */

typedef enum
{
  QUIRK_NONE,
  QUIRK_TRUE_AND_ERROR,
  QUIRK_FALSE_NO_ERROR,
  QUIRK_WRONG_RESULT_TYPE,
  QUIRK_SMALLER_RESULT_TYPE,
} Quirk;

static gboolean
quirky_sync (GValue        *args,
             guint          n_args,
             GValue        *result,
             GCancellable  *cancellable,
             gpointer       user_data,
             GError       **error)
{
  Quirk quirk = GPOINTER_TO_INT (user_data);

  g_assert_cmpuint (n_args, ==, 1);
  g_assert_true (G_VALUE_HOLDS_INT64 (&args[0]));
  g_assert_true (G_VALUE_HOLDS_INT64 (result));

  switch (quirk)
    {
    case QUIRK_NONE:
      g_value_set_int64 (result, g_value_get_int64 (&args[0]) * 2);
      return TRUE;
    case QUIRK_TRUE_AND_ERROR:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, "busy and yet true");
      return TRUE;
    case QUIRK_FALSE_NO_ERROR:
      return FALSE;
    case QUIRK_WRONG_RESULT_TYPE:
      g_value_unset (result);
      g_value_init (result, G_TYPE_STRING);
      g_value_set_string (result, "not a number");
      return TRUE;
    case QUIRK_SMALLER_RESULT_TYPE:
      g_value_unset (result);
      g_value_init (result, G_TYPE_INT);
      g_value_set_int (result, 7);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static SaFunction *
quirky_function (Quirk quirk)
{
  GType params[] = { G_TYPE_INT64 };

  return sa_function_new_sync_full ("quirky", G_TYPE_INT64, params, 1, 0,
                                    quirky_sync, GINT_TO_POINTER (quirk), NULL);
}

static void
test_function_value_callable_quirks_become_errors (void)
{
  g_autoptr(GError) error = NULL;
  gint64 out = 0;

  {
    g_autoptr(SaFunction) fn = quirky_function (QUIRK_NONE);
    g_assert_true (sa_function_call_sync (fn, NULL, &error, (gint64) 21, &out));
    g_assert_cmpint (out, ==, 42);
  }
  {
    g_autoptr(SaFunction) fn = quirky_function (QUIRK_TRUE_AND_ERROR);
    g_assert_false (sa_function_call_sync (fn, NULL, &error, (gint64) 1, &out));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
    g_clear_error (&error);
  }
  {
    g_autoptr(SaFunction) fn = quirky_function (QUIRK_FALSE_NO_ERROR);
    g_assert_false (sa_function_call_sync (fn, NULL, &error, (gint64) 1, &out));
    g_assert_error (error, SA_ERROR, SA_ERROR_FAILED);
    g_assert_cmpstr (error->message, ==, "Function “quirky” failed without setting an error");
    g_clear_error (&error);
  }
  {
    g_autoptr(SaFunction) fn = quirky_function (QUIRK_WRONG_RESULT_TYPE);
    g_assert_false (sa_function_call_sync (fn, NULL, &error, (gint64) 1, &out));
    g_assert_error (error, SA_ERROR, SA_ERROR_RESULT_TYPE);
    g_assert_true (g_str_has_prefix (error->message, "Function “quirky”: result: expected gint64"));
    g_clear_error (&error);
  }
  {
    g_autoptr(SaFunction) fn = quirky_function (QUIRK_SMALLER_RESULT_TYPE);
    g_assert_true (sa_function_call_sync (fn, NULL, &error, (gint64) 1, &out));
    g_assert_cmpint (out, ==, 7);
  }
}

static void
drop_the_task (GValue       *args,
               guint         n_args,
               GCancellable *cancellable,
               GTask        *task,
               gpointer      user_data)
{
  /* Neither completes nor keeps the task: a binding callback that raised. */
}

static void
complete_later (GValue       *args,
                guint         n_args,
                GCancellable *cancellable,
                GTask        *task,
                gpointer      user_data)
{
  g_auto(GValue) v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_INT);
  g_value_set_int (&v, g_value_get_int (&args[0]) + 1);
  g_task_return_value (task, &v);
}

static void
test_function_value_async_task_is_completed_or_fails (void)
{
  GType params[] = { G_TYPE_INT };
  g_autoptr(SaFunction) good = NULL;
  g_autoptr(SaFunction) bad = NULL;
  g_autoptr(GError) error = NULL;
  int out = 0;

  good = sa_function_new_async_full ("next", G_TYPE_INT, params, 1, 0, complete_later, NULL, NULL);
  g_assert_cmpint (sa_function_get_kind (good), ==, SA_FUNCTION_KIND_ASYNC);
  g_assert_true (sa_function_call_sync (good, NULL, &error, 41, &out));
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, 42);

  bad = sa_function_new_async_full ("forgetful", G_TYPE_INT, params, 1, 0, drop_the_task, NULL, NULL);
  g_assert_false (sa_function_call_sync (bad, NULL, &error, 1, &out));
  g_assert_error (error, SA_ERROR, SA_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "Function “forgetful” dropped its task without completing it");
}

static int destroyed;

static void
count_destroy (gpointer data)
{
  destroyed++;
}

static void
test_function_user_data_is_destroyed_with_the_function (void)
{
  GType params[] = { G_TYPE_INT64 };
  SaFunction *fn;

  destroyed = 0;
  fn = sa_function_new_sync_full ("quirky", G_TYPE_INT64, params, 1, 0,
                                  quirky_sync, GINT_TO_POINTER (QUIRK_NONE), count_destroy);
  g_assert_cmpint (destroyed, ==, 0);
  g_object_unref (fn);
  g_assert_cmpint (destroyed, ==, 1);
}

static void
test_function_refused_full_constructor_releases_user_data (void)
{
  GType params[] = { G_TYPE_INT64 };
  SaFunction *fn;

  /* The data was handed over (scope notified): a binding's closure would
   * leak if a refused constructor kept it. */
  destroyed = 0;
  g_test_expect_message ("SmartAsync", G_LOG_LEVEL_CRITICAL, "*“refused”*");
  fn = sa_function_new_async_full ("refused", G_TYPE_INT64, params, 1,
                                   SA_FUNCTION_FLAGS_THROWS, unowned_result_async,
                                   GINT_TO_POINTER (1), count_destroy);
  g_test_assert_expected_messages ();
  g_assert_null (fn);
  g_assert_cmpint (destroyed, ==, 1);
}

/* Owner-thread functions whose thread does not run their context. */

static int owned_runs;

static gboolean
count_owned_run (GValue        *args,
                 guint          n_args,
                 GValue        *result,
                 GCancellable  *cancellable,
                 gpointer       user_data,
                 GError       **error)
{
  owned_runs++;
  g_value_set_int (result, 7);
  return TRUE;
}

/* Created on a thread of its own, which then ends: its main context is
 * the global default one, which the test's thread runs. */
static gpointer
new_owned_elsewhere (gpointer data)
{
  return sa_function_new_sync_full ("owned-elsewhere", G_TYPE_INT, NULL, 0,
                                    SA_FUNCTION_FLAGS_OWNER_THREAD,
                                    count_owned_run, NULL, NULL);
}

typedef struct
{
  SaFunction *fn;
  GMainLoop  *loop;
  GError     *error;
} OwnedCall;

static void
owned_call_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  OwnedCall *call = user_data;
  g_auto(GValue) value = G_VALUE_INIT;

  g_assert_false (sa_function_call_finish (SA_FUNCTION (source), result, &value, &call->error));
  g_main_loop_quit (call->loop);
}

static gboolean
owned_call_start (gpointer user_data)
{
  OwnedCall *call = user_data;

  sa_function_call_async (call->fn, NULL, owned_call_done, call);
  return G_SOURCE_REMOVE;
}

static void
test_function_owner_thread_never_runs_on_another_thread (void)
{
  OwnedCall call = { NULL, NULL, NULL };

  call.fn = g_thread_join (g_thread_new ("creator", new_owned_elsewhere, NULL));
  call.loop = g_main_loop_new (NULL, FALSE);
  owned_runs = 0;

  /* This thread iterates the function's context but did not create the
   * function: the call fails, saying why, instead of running it here. */
  g_idle_add (owned_call_start, &call);
  g_main_loop_run (call.loop);

  g_assert_cmpint (owned_runs, ==, 0);
  g_assert_error (call.error, SA_ERROR, SA_ERROR_FAILED);
  g_assert_true (strstr (call.error->message, "“owned-elsewhere” only runs on the thread that created it") != NULL);

  g_clear_error (&call.error);
  g_main_loop_unref (call.loop);
  g_object_unref (call.fn);
}

typedef struct
{
  SaFunction   *fn;
  GMainContext *context;
} OwnedWithContext;

/* A thread that pushes a context of its own, creates an owner-thread
 * function there and ends without ever iterating that context. */
static gpointer
new_owned_with_context (gpointer data)
{
  OwnedWithContext *made = data;

  made->context = g_main_context_new ();
  g_main_context_push_thread_default (made->context);
  made->fn = sa_function_new_sync_full ("owned-with-context", G_TYPE_INT, NULL, 0,
                                        SA_FUNCTION_FLAGS_OWNER_THREAD,
                                        count_owned_run, GINT_TO_POINTER (1), count_destroy);
  g_main_context_pop_thread_default (made->context);
  return NULL;
}

static void
test_function_owner_thread_data_is_released_with_its_context (void)
{
  OwnedWithContext made = { NULL, NULL };

  g_thread_join (g_thread_new ("creator", new_owned_with_context, &made));
  destroyed = 0;

  /* Dropped away from its thread: the release waits in its context... */
  g_object_unref (made.fn);
  g_assert_cmpint (destroyed, ==, 0);

  /* ...and still happens when that context goes without being iterated. */
  g_main_context_unref (made.context);
  g_assert_cmpint (destroyed, ==, 1);
}

/* Debug tracing: G_MESSAGES_DEBUG is read once per process, so each check
 * runs in a subprocess that sets it first. */

typedef struct
{
  SaFunction *add;
  SaFunction *delay;
  SaFunction *owned;
  GMainLoop  *loop;
  int         pending;
} TraceCalls;

static void
trace_call_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TraceCalls *calls = user_data;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;

  g_assert_true (sa_function_call_finish (SA_FUNCTION (source), result, &value, &error));
  g_assert_no_error (error);
  if (--calls->pending == 0)
    g_main_loop_quit (calls->loop);
}

/* In a running loop: the smart call of each kind, a sync call, and the
 * smart call with its mode forced to sync. */
static gboolean
trace_calls_in_loop (gpointer user_data)
{
  TraceCalls *calls = user_data;
  g_autoptr(GError) error = NULL;
  int out;

  calls->pending = 3;
  g_object_unref (sa_function_call (calls->add, NULL, trace_call_done, calls, 1, 2));
  g_object_unref (sa_function_call (calls->delay, NULL, trace_call_done, calls, 1, 0));
  g_object_unref (sa_function_call (calls->owned, NULL, trace_call_done, calls, 1, 2));

  g_assert_true (sa_function_call_sync (calls->add, NULL, &error, 1, 2, &out));
  sa_function_set_mode (calls->add, SA_MODE_SYNC);
  calls->pending++;
  g_object_unref (sa_function_call (calls->add, NULL, trace_call_done, calls, 1, 2));
  sa_function_set_mode (calls->add, SA_MODE_AUTO);

  return G_SOURCE_REMOVE;
}

static void
test_function_tracing_names_context_and_path (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
      g_autoptr(GError) error = NULL;
      TraceCalls calls = { NULL, NULL, NULL, loop, 0 };
      int out;

      g_setenv ("G_MESSAGES_DEBUG", "SmartAsync", TRUE);
      calls.add = sa_function_new_sync ("add", G_CALLBACK (add_int), 0, G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
      calls.delay = sa_function_new_async ("delay", G_CALLBACK (sa_test_delay_async),
                                           G_CALLBACK (sa_test_delay_finish), 0,
                                           G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
      calls.owned = sa_function_new_sync ("owned", G_CALLBACK (add_int), SA_FUNCTION_FLAGS_OWNER_THREAD,
                                          G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);

      /* Plain code: both sync paths, and an explicit async call. */
      g_assert_true (sa_function_call_sync (calls.add, NULL, &error, 1, 2, &out));
      g_assert_true (sa_function_call_sync (calls.delay, NULL, &error, 1, 0, &out));
      calls.pending = 1;
      sa_function_call_async (calls.add, NULL, trace_call_done, &calls, 1, 2);
      g_main_loop_run (loop);

      g_idle_add (trace_calls_in_loop, &calls);
      g_main_loop_run (loop);

      g_clear_object (&calls.add);
      g_clear_object (&calls.delay);
      g_clear_object (&calls.owned);
      return;
    }

  g_test_trap_subprocess (NULL, 0, 0);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*add: call_sync from a sync context, as a sync caller, blocking callable: direct call*"
                             "delay: call_sync from a sync context, as a sync caller, async callable: private context*"
                             "add: call_async from a sync context, as an async caller, blocking callable: worker thread*"
                             "add: call from an async context, as an async caller, blocking callable: worker thread*"
                             "delay: call from an async context, as an async caller, async callable: async pair*"
                             "owned: call from an async context, as an async caller, blocking callable: owner thread*"
                             "add: call_sync from an async context, as a sync caller, blocking callable: direct call*"
                             "add: call from an async context (mode: sync), as a sync caller, blocking callable: direct call*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/function/new-sync/sets-its-properties", test_function_new_sync_sets_properties);
  g_test_add_func ("/function/new-async/is-of-the-async-kind", test_function_new_async_is_async_kind);
  g_test_add_func ("/function/mode-and-timeout/notify-when-changed", test_function_mode_and_timeout_notify);
  g_test_add_func ("/function/new/unsupported-type-is-critical", test_function_unsupported_type_is_critical);
  g_test_add_func ("/function/new/flags-for-another-kind-are-critical", test_function_flags_for_another_kind_are_critical);
  g_test_add_func ("/function/without-callable/is-critical", test_function_without_callable_is_critical);
  g_test_add_func ("/function/values/numbers-enums-flags", test_function_values_numbers);
  g_test_add_func ("/function/values/strings-owned-and-unowned", test_function_values_strings);
  g_test_add_func ("/function/values/boxed-and-variants", test_function_values_boxed_and_variants);
  g_test_add_func ("/function/values/unowned-contents-are-copied-for-the-caller",
                   test_function_values_unowned_contents_are_copied);
  g_test_add_func ("/function/values/pointer-and-void", test_function_values_pointer_and_void);
  g_test_add_func ("/function/values/in-a-gvalue-of-their-own", test_function_values_in_a_gvalue_of_their_own);
  g_test_add_func ("/function/values/objects-are-owned-correctly", test_function_objects_are_owned_correctly);
  g_test_add_func ("/function/gvalues/convert-without-loss", test_function_values_convert_without_loss);
  g_test_add_func ("/function/gvalues/lossy-conversions-are-rejected", test_function_values_that_lose_information_are_rejected);
  g_test_add_func ("/function/gvalues/wrong-count-is-an-error", test_function_wrong_argument_count_is_an_error);
  g_test_add_func ("/function/value-callable/quirks-become-errors", test_function_value_callable_quirks_become_errors);
  g_test_add_func ("/function/value-async/task-completed-or-failed", test_function_value_async_task_is_completed_or_fails);
  g_test_add_func ("/function/user-data/destroyed-with-the-function", test_function_user_data_is_destroyed_with_the_function);
  g_test_add_func ("/function/new-full/refused-releases-user-data",
                   test_function_refused_full_constructor_releases_user_data);
  g_test_add_func ("/function/owner-thread/never-runs-on-another-thread",
                   test_function_owner_thread_never_runs_on_another_thread);
  g_test_add_func ("/function/owner-thread/data-is-released-with-its-context",
                   test_function_owner_thread_data_is_released_with_its_context);
  g_test_add_func ("/function/tracing/names-context-and-path", test_function_tracing_names_context_and_path);

  return g_test_run ();
}
