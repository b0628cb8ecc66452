/* test-bad-input.c: programmer errors give criticals, bad data gives GErrors
 *
 * Every public function is given NULL and wrongly typed pointers (a
 * critical, checked with g_test_expect_message(), and nothing happens);
 * GValue arrays of the wrong length or types fail with SA_ERROR and leave
 * nothing behind.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <smartasync-glib.h>

#include "reliability-common.h"

#define EXPECT_CRITICAL(pattern) \
  g_test_expect_message ("SmartAsync", G_LOG_LEVEL_CRITICAL, pattern)

static int callable_runs;

static int
add (int a,
     int b)
{
  g_atomic_int_inc (&callable_runs);
  return a + b;
}

static int
take_token_and_file (RelToken *token,
                     GFile    *file)
{
  g_atomic_int_inc (&callable_runs);
  return 1;
}

static void
counting_add_async (int                  a,
                    int                  b,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_atomic_int_inc (&callable_runs);
  rel_add_async (a, b, cancellable, callback, user_data);
}

static void
never_called (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_assert_not_reached ();
}

static void
drain_default_context (void)
{
  /* Anything wrongly scheduled would be dispatched here. */
  for (guint i = 0; i < 5; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

static SaFunction *
new_add_sync (void)
{
  return sa_function_new_sync ("add", G_CALLBACK (add), SA_FUNCTION_FLAGS_NONE,
                               G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
}

static SaFunction *
new_add_pair (void)
{
  return sa_function_new_async ("add-pair", G_CALLBACK (counting_add_async),
                                G_CALLBACK (rel_add_finish),
                                SA_FUNCTION_FLAGS_NONE,
                                G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
}

static gboolean
value_sync_unused (GValue        *args,
                   guint          n_args,
                   GValue        *result,
                   GCancellable  *cancellable,
                   gpointer       user_data,
                   GError       **error)
{
  g_assert_not_reached ();
  return FALSE;
}

static void
value_async_unused (GValue       *args,
                    guint         n_args,
                    GCancellable *cancellable,
                    GTask        *task,
                    gpointer      user_data)
{
  g_assert_not_reached ();
}

/* Constructors */

static void
test_constructors_reject_bad_input (void)
{
  const GType two_ints[] = { G_TYPE_INT, G_TYPE_INT };
  const GType unsupported[] = { G_TYPE_INVALID };

  EXPECT_CRITICAL ("*assertion*name != NULL*");
  g_assert_null (sa_function_new_sync (NULL, G_CALLBACK (add), 0, G_TYPE_INT, 0));
  EXPECT_CRITICAL ("*assertion*func != NULL*");
  g_assert_null (sa_function_new_sync ("f", NULL, 0, G_TYPE_INT, 0));
  EXPECT_CRITICAL ("*assertion*n_params <=*");
  g_assert_null (sa_function_new_sync ("f", G_CALLBACK (add), 0, G_TYPE_INT, 33));
  EXPECT_CRITICAL ("*“f”*unsupported return type*");
  g_assert_null (sa_function_new_sync ("f", G_CALLBACK (add), 0, G_TYPE_INTERFACE, 0));
  EXPECT_CRITICAL ("*“f”*parameter 1 has unsupported type*");
  g_assert_null (sa_function_new_sync ("f", G_CALLBACK (add), 0, G_TYPE_INT, 1, G_TYPE_INVALID));
  EXPECT_CRITICAL ("*“f”*FINISH_TAKES_SOURCE*do not apply*");
  g_assert_null (sa_function_new_sync ("f", G_CALLBACK (add),
                                       SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                       G_TYPE_INT, 0));
  EXPECT_CRITICAL ("*“f”*0x400*do not apply*");
  g_assert_null (sa_function_new_sync ("f", G_CALLBACK (add), 1 << 10, G_TYPE_INT, 0));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ("*assertion*name != NULL*");
  g_assert_null (sa_function_new_async (NULL, G_CALLBACK (rel_add_async),
                                        G_CALLBACK (rel_add_finish), 0, G_TYPE_INT, 0));
  EXPECT_CRITICAL ("*assertion*async_func != NULL*");
  g_assert_null (sa_function_new_async ("f", NULL, G_CALLBACK (rel_add_finish),
                                        0, G_TYPE_INT, 0));
  EXPECT_CRITICAL ("*assertion*finish_func != NULL*");
  g_assert_null (sa_function_new_async ("f", G_CALLBACK (rel_add_async), NULL,
                                        0, G_TYPE_INT, 0));
  EXPECT_CRITICAL ("*assertion*n_params <=*");
  g_assert_null (sa_function_new_async ("f", G_CALLBACK (rel_add_async),
                                        G_CALLBACK (rel_add_finish), 0, G_TYPE_INT, 100));
  EXPECT_CRITICAL ("*assertion*FINISH_TAKES_SOURCE*");
  g_assert_null (sa_function_new_async ("f", G_CALLBACK (rel_add_async),
                                        G_CALLBACK (rel_add_finish),
                                        SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                        G_TYPE_INT, 0));
  EXPECT_CRITICAL ("*“f”*CANCELLABLE*do not apply*");
  g_assert_null (sa_function_new_async ("f", G_CALLBACK (rel_add_async),
                                        G_CALLBACK (rel_add_finish),
                                        SA_FUNCTION_FLAGS_CANCELLABLE,
                                        G_TYPE_INT, 0));
  EXPECT_CRITICAL ("*“f”*unsupported return type*");
  g_assert_null (sa_function_new_async ("f", G_CALLBACK (rel_add_async),
                                        G_CALLBACK (rel_add_finish), 0, G_TYPE_INTERFACE, 0));
  EXPECT_CRITICAL ("*“f”*parameter 2 has unsupported type*");
  g_assert_null (sa_function_new_async ("f", G_CALLBACK (rel_add_async),
                                        G_CALLBACK (rel_add_finish), 0, G_TYPE_INT, 2,
                                        G_TYPE_INT, G_TYPE_INVALID));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ("*assertion*name != NULL*");
  g_assert_null (sa_function_new_sync_full (NULL, G_TYPE_INT, two_ints, 2, 0,
                                            value_sync_unused, NULL, NULL));
  EXPECT_CRITICAL ("*assertion*param_types != NULL*");
  g_assert_null (sa_function_new_sync_full ("f", G_TYPE_INT, NULL, 2, 0,
                                            value_sync_unused, NULL, NULL));
  EXPECT_CRITICAL ("*assertion*func != NULL*");
  g_assert_null (sa_function_new_sync_full ("f", G_TYPE_INT, two_ints, 2, 0,
                                            NULL, NULL, NULL));
  EXPECT_CRITICAL ("*“f”*THROWS*do not apply*");
  g_assert_null (sa_function_new_sync_full ("f", G_TYPE_INT, two_ints, 2,
                                            SA_FUNCTION_FLAGS_THROWS,
                                            value_sync_unused, NULL, NULL));
  EXPECT_CRITICAL ("*“f”*parameter 1 has unsupported type*");
  g_assert_null (sa_function_new_sync_full ("f", G_TYPE_INT, unsupported, 1, 0,
                                            value_sync_unused, NULL, NULL));
  EXPECT_CRITICAL ("*“f”*40 parameters*");
  g_assert_null (sa_function_new_sync_full ("f", G_TYPE_INT, two_ints, 40, 0,
                                            value_sync_unused, NULL, NULL));
  EXPECT_CRITICAL ("*“f”*unsupported return type*");
  g_assert_null (sa_function_new_sync_full ("f", G_TYPE_INTERFACE, two_ints, 2, 0,
                                            value_sync_unused, NULL, NULL));
  g_test_assert_expected_messages ();

  EXPECT_CRITICAL ("*assertion*name != NULL*");
  g_assert_null (sa_function_new_async_full (NULL, G_TYPE_INT, two_ints, 2, 0,
                                             value_async_unused, NULL, NULL));
  EXPECT_CRITICAL ("*assertion*param_types != NULL*");
  g_assert_null (sa_function_new_async_full ("f", G_TYPE_INT, NULL, 1, 0,
                                             value_async_unused, NULL, NULL));
  EXPECT_CRITICAL ("*assertion*func != NULL*");
  g_assert_null (sa_function_new_async_full ("f", G_TYPE_INT, two_ints, 2, 0,
                                             NULL, NULL, NULL));
  EXPECT_CRITICAL ("*“f”*unsupported return type*");
  g_assert_null (sa_function_new_async_full ("f", G_TYPE_INTERFACE, two_ints, 2, 0,
                                             value_async_unused, NULL, NULL));
  EXPECT_CRITICAL ("*“f”*parameter 1 has unsupported type*");
  g_assert_null (sa_function_new_async_full ("f", G_TYPE_INT, unsupported, 1, 0,
                                             value_async_unused, NULL, NULL));
  EXPECT_CRITICAL ("*“f”*40 parameters*");
  g_assert_null (sa_function_new_async_full ("f", G_TYPE_INT, two_ints, 40, 0,
                                             value_async_unused, NULL, NULL));
  EXPECT_CRITICAL ("*“f”*CANCELLABLE*do not apply*");
  g_assert_null (sa_function_new_async_full ("f", G_TYPE_INT, two_ints, 2,
                                             SA_FUNCTION_FLAGS_CANCELLABLE,
                                             value_async_unused, NULL, NULL));
  g_test_assert_expected_messages ();
}

/* Accessors */

static void
test_accessors_reject_non_functions (void)
{
  g_autoptr(GObject) other = G_OBJECT (g_cancellable_new ());
  gpointer not_a_function[] = { NULL, other };
  g_autoptr(SaFunction) fn = new_add_sync ();

  for (guint i = 0; i < G_N_ELEMENTS (not_a_function); i++)
    {
      SaFunction *bad = not_a_function[i];
      guint n = 77;

      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_null (sa_function_get_name (bad));
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_cmpint (sa_function_get_kind (bad), ==, SA_FUNCTION_KIND_SYNC);
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_cmpint (sa_function_get_flags (bad), ==, SA_FUNCTION_FLAGS_NONE);
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_cmpuint (sa_function_get_return_type (bad), ==, G_TYPE_INVALID);
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_null (sa_function_get_param_types (bad, &n));
      g_assert_cmpuint (n, ==, 77);
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_null (sa_function_get_main_context (bad));
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_cmpint (sa_function_get_mode (bad), ==, SA_MODE_AUTO);
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      sa_function_set_mode (bad, SA_MODE_SYNC);
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_cmpint (sa_function_get_timeout (bad), ==, -1);
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      sa_function_set_timeout (bad, 10);
      g_test_assert_expected_messages ();
    }

  EXPECT_CRITICAL ("*assertion*mode <= SA_MODE_ASYNC*");
  sa_function_set_mode (fn, (SaMode) 42);
  EXPECT_CRITICAL ("*assertion*timeout_msec >= -1*");
  sa_function_set_timeout (fn, -2);
  g_test_assert_expected_messages ();
  g_assert_cmpint (sa_function_get_mode (fn), ==, SA_MODE_AUTO);
  g_assert_cmpint (sa_function_get_timeout (fn), ==, -1);

  /* n_params is optional: NULL is no error. */
  g_assert_nonnull (sa_function_get_param_types (fn, NULL));
}

/* Calls */

static void
test_calls_reject_non_functions (void)
{
  g_autoptr(GObject) other = G_OBJECT (g_cancellable_new ());
  gpointer not_a_function[] = { NULL, other };
  GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
  g_autoptr(GError) error = NULL;

  g_value_init (&args[0], G_TYPE_INT);
  g_value_init (&args[1], G_TYPE_INT);

  for (guint i = 0; i < G_N_ELEMENTS (not_a_function); i++)
    {
      SaFunction *bad = not_a_function[i];
      GValue result = G_VALUE_INIT;
      int out = 77;

      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_null (sa_function_call (bad, NULL, never_called, NULL, 1, 2));
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_null (sa_function_callv (bad, args, 2, NULL, never_called, NULL));
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_false (sa_function_call_sync (bad, NULL, &error, 1, 2, &out));
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_false (sa_function_call_sync_with_timeout (bad, 10, NULL, &error, 1, 2, &out));
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_false (sa_function_call_syncv (bad, args, 2, &result, NULL, &error));
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_false (sa_function_call_syncv_with_timeout (bad, args, 2, 10, &result,
                                                           NULL, &error));
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      sa_function_call_async (bad, NULL, never_called, NULL, 1, 2);
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      sa_function_call_asyncv (bad, args, 2, NULL, never_called, NULL);
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      sa_function_call_async_with_source (bad, other, NULL, never_called, NULL, 1, 2);
      EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
      g_assert_null (sa_function_call_syncv_value (bad, args, 2, NULL, &error));
      g_test_assert_expected_messages ();

      g_assert_no_error (error);
      g_assert_false (G_IS_VALUE (&result));
      g_assert_cmpint (out, ==, 77);
    }

  drain_default_context ();
  g_assert_cmpint (callable_runs, ==, 0);
}

static void
test_calls_reject_bad_cancellables (void)
{
  g_autoptr(SaFunction) fn = new_add_sync ();
  g_autoptr(RelToken) not_a_cancellable = rel_token_new ();
  GCancellable *bad = (GCancellable *) not_a_cancellable;
  GParamSpec *not_an_object = g_param_spec_ref_sink (g_param_spec_int ("n", NULL, NULL,
                                                                       0, 1, 0, 0));
  GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
  g_autoptr(GError) error = NULL;
  int out = 77;

  callable_runs = 0;
  g_value_init (&args[0], G_TYPE_INT);
  g_value_init (&args[1], G_TYPE_INT);

  EXPECT_CRITICAL ("*assertion*G_IS_CANCELLABLE*");
  g_assert_null (sa_function_call (fn, bad, never_called, NULL, 1, 2));
  EXPECT_CRITICAL ("*assertion*G_IS_CANCELLABLE*");
  g_assert_null (sa_function_callv (fn, args, 2, bad, never_called, NULL));
  EXPECT_CRITICAL ("*assertion*G_IS_CANCELLABLE*");
  g_assert_false (sa_function_call_sync (fn, bad, &error, 1, 2, &out));
  EXPECT_CRITICAL ("*assertion*G_IS_CANCELLABLE*");
  g_assert_false (sa_function_call_sync_with_timeout (fn, 5, bad, &error, 1, 2, &out));
  EXPECT_CRITICAL ("*assertion*G_IS_CANCELLABLE*");
  g_assert_false (sa_function_call_syncv (fn, args, 2, NULL, bad, &error));
  EXPECT_CRITICAL ("*assertion*G_IS_CANCELLABLE*");
  g_assert_false (sa_function_call_syncv_with_timeout (fn, args, 2, 5, NULL, bad, &error));
  EXPECT_CRITICAL ("*assertion*G_IS_CANCELLABLE*");
  sa_function_call_async (fn, bad, never_called, NULL, 1, 2);
  EXPECT_CRITICAL ("*assertion*G_IS_CANCELLABLE*");
  sa_function_call_asyncv (fn, args, 2, bad, never_called, NULL);
  EXPECT_CRITICAL ("*assertion*G_IS_CANCELLABLE*");
  sa_function_call_async_with_source (fn, not_a_cancellable, bad, never_called, NULL, 1, 2);
  /* Checked by call_syncv(), which it calls. */
  EXPECT_CRITICAL ("*assertion*G_IS_CANCELLABLE*");
  g_assert_null (sa_function_call_syncv_value (fn, args, 2, bad, &error));

  /* The object a call is made on behalf of must be one: any GObject will
   * do (it only becomes the result's source object), so the wrong types
   * are NULL and a type instance that is not a GObject. (A pointer that is
   * no type instance at all cannot be told apart, as anywhere in GObject.) */
  EXPECT_CRITICAL ("*assertion*G_IS_OBJECT (source_object)*");
  sa_function_call_async_with_source (fn, NULL, NULL, never_called, NULL, 1, 2);
  EXPECT_CRITICAL ("*assertion*G_IS_OBJECT (source_object)*");
  sa_function_call_async_with_source (fn, not_an_object, NULL, never_called, NULL, 1, 2);
  g_test_assert_expected_messages ();

  drain_default_context ();
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, 77);
  g_assert_cmpint (callable_runs, ==, 0);
  g_param_spec_unref (not_an_object);
}

static void
test_calls_reject_bad_locations (void)
{
  g_autoptr(SaFunction) fn = new_add_sync ();
  GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
  g_auto(GValue) used = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) set = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "earlier");
  GError *already = set;
  int out = 77;

  callable_runs = 0;
  g_value_init (&args[0], G_TYPE_INT);
  g_value_init (&args[1], G_TYPE_INT);
  g_value_init (&used, G_TYPE_STRING);

  /* An error location that already holds an error. */
  EXPECT_CRITICAL ("*assertion*error == NULL || *error == NULL*");
  g_assert_false (sa_function_call_sync (fn, NULL, &already, 1, 2, &out));
  EXPECT_CRITICAL ("*assertion*error == NULL || *error == NULL*");
  g_assert_false (sa_function_call_sync_with_timeout (fn, 5, NULL, &already, 1, 2, &out));
  EXPECT_CRITICAL ("*assertion*error == NULL || *error == NULL*");
  g_assert_false (sa_function_call_syncv (fn, args, 2, NULL, NULL, &already));
  EXPECT_CRITICAL ("*assertion*error == NULL || *error == NULL*");
  g_assert_false (sa_function_call_syncv_with_timeout (fn, args, 2, 5, NULL, NULL, &already));

  EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
  g_assert_null (sa_function_call_syncv_value (NULL, args, 2, NULL, &error));
  EXPECT_CRITICAL ("*assertion*args != NULL || n_args == 0*");
  g_assert_null (sa_function_call_syncv_value (fn, NULL, 2, NULL, &error));
  EXPECT_CRITICAL ("*assertion*error == NULL || *error == NULL*");
  g_assert_null (sa_function_call_syncv_value (fn, args, 2, NULL, &already));

  /* A result location that is already initialised would leak its value. */
  EXPECT_CRITICAL ("*assertion*G_VALUE_TYPE (result) == G_TYPE_INVALID*");
  g_assert_false (sa_function_call_syncv (fn, args, 2, &used, NULL, &error));
  EXPECT_CRITICAL ("*assertion*G_VALUE_TYPE (result) == G_TYPE_INVALID*");
  g_assert_false (sa_function_call_syncv_with_timeout (fn, args, 2, 5, &used, NULL, &error));

  /* Arguments missing from a non-empty array. */
  EXPECT_CRITICAL ("*assertion*args != NULL || n_args == 0*");
  g_assert_null (sa_function_callv (fn, NULL, 2, NULL, never_called, NULL));
  EXPECT_CRITICAL ("*assertion*args != NULL || n_args == 0*");
  g_assert_false (sa_function_call_syncv (fn, NULL, 2, NULL, NULL, &error));
  EXPECT_CRITICAL ("*assertion*args != NULL || n_args == 0*");
  g_assert_false (sa_function_call_syncv_with_timeout (fn, NULL, 2, 5, NULL, NULL, &error));
  EXPECT_CRITICAL ("*assertion*args != NULL || n_args == 0*");
  sa_function_call_asyncv (fn, NULL, 2, NULL, never_called, NULL);

  /* A deadline below -1. */
  EXPECT_CRITICAL ("*assertion*timeout_msec >= -1*");
  g_assert_false (sa_function_call_sync_with_timeout (fn, -2, NULL, &error, 1, 2, &out));
  EXPECT_CRITICAL ("*assertion*timeout_msec >= -1*");
  g_assert_false (sa_function_call_syncv_with_timeout (fn, args, 2, -5, NULL, NULL, &error));
  g_test_assert_expected_messages ();

  drain_default_context ();
  g_assert_true (already == set);
  g_assert_no_error (error);
  g_assert_cmpint (out, ==, 77);
  g_assert_cmpstr (g_value_get_string (&used), ==, NULL);
  g_assert_cmpint (callable_runs, ==, 0);
}

static void
test_calls_of_an_empty_function_are_criticals (void)
{
  /* g_object_new() makes a function that wraps nothing. */
  g_autoptr(SaFunction) empty = g_object_new (SA_TYPE_FUNCTION, "name", "empty", NULL);
  g_autoptr(GError) error = NULL;

  EXPECT_CRITICAL ("*“empty” wraps nothing*");
  g_assert_false (sa_function_call_sync (empty, NULL, &error));
  EXPECT_CRITICAL ("*“empty” wraps nothing*");
  g_assert_false (sa_function_call_sync_with_timeout (empty, 5, NULL, &error));
  EXPECT_CRITICAL ("*“empty” wraps nothing*");
  g_assert_false (sa_function_call_syncv (empty, NULL, 0, NULL, NULL, &error));
  EXPECT_CRITICAL ("*“empty” wraps nothing*");
  g_assert_false (sa_function_call_syncv_with_timeout (empty, NULL, 0, 5, NULL, NULL, &error));
  EXPECT_CRITICAL ("*“empty” wraps nothing*");
  g_assert_null (sa_function_call_syncv_value (empty, NULL, 0, NULL, &error));
  EXPECT_CRITICAL ("*“empty” wraps nothing*");
  sa_function_call_async (empty, NULL, never_called, NULL);
  EXPECT_CRITICAL ("*“empty” wraps nothing*");
  sa_function_call_asyncv (empty, NULL, 0, NULL, never_called, NULL);
  EXPECT_CRITICAL ("*“empty” wraps nothing*");
  sa_function_call_async_with_source (empty, empty, NULL, never_called, NULL);
  EXPECT_CRITICAL ("*“empty” wraps nothing*");
  g_assert_null (sa_function_call (empty, NULL, never_called, NULL));
  EXPECT_CRITICAL ("*“empty” wraps nothing*");
  g_assert_null (sa_function_callv (empty, NULL, 0, NULL, never_called, NULL));
  g_test_assert_expected_messages ();

  drain_default_context ();
  g_assert_no_error (error);
}

/* Finish */

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static GAsyncResult *
run_async_call (SaFunction *fn)
{
  GAsyncResult *result = NULL;

  sa_function_call_async (fn, NULL, store_result, &result, 20, 22);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  return result;
}

static void
foreign_task_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
}

static void
test_finish_rejects_bad_input (void)
{
  g_autoptr(SaFunction) fn = new_add_pair ();
  g_autoptr(SaFunction) other_fn = new_add_pair ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) sync_result = NULL;
  g_autoptr(GTask) foreign = NULL;
  g_autoptr(GTask) same_source_other_tag = NULL;
  g_autoptr(GObject) not_a_result = G_OBJECT (g_cancellable_new ());
  g_auto(GValue) used = G_VALUE_INIT;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) set = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "earlier");
  GError *already = set;

  result = run_async_call (fn);
  sync_result = sa_function_call (fn, NULL, NULL, NULL, 1, 1);
  g_assert_nonnull (sync_result);

  /* A GTask of someone else, and one of ours with another source tag. */
  foreign = g_task_new (NULL, NULL, foreign_task_done, NULL);
  g_task_return_boolean (foreign, TRUE);
  same_source_other_tag = g_task_new (fn, NULL, foreign_task_done, NULL);
  g_task_set_source_tag (same_source_other_tag, test_finish_rejects_bad_input);
  g_task_return_boolean (same_source_other_tag, TRUE);
  g_value_init (&used, G_TYPE_INT);

  EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
  g_assert_false (sa_function_call_finish (NULL, result, NULL, &error));
  EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
  g_assert_false (sa_function_call_finish ((SaFunction *) not_a_result, result, NULL, &error));
  EXPECT_CRITICAL ("*assertion*G_IS_ASYNC_RESULT*");
  g_assert_false (sa_function_call_finish (fn, NULL, NULL, &error));
  EXPECT_CRITICAL ("*assertion*G_IS_ASYNC_RESULT*");
  g_assert_false (sa_function_call_finish (fn, (GAsyncResult *) not_a_result, NULL, &error));
  EXPECT_CRITICAL ("*not from a call of this library*");
  g_assert_false (sa_function_call_finish (fn, G_ASYNC_RESULT (foreign), NULL, &error));
  EXPECT_CRITICAL ("*not from a call of this library*");
  g_assert_false (sa_function_call_finish (fn, G_ASYNC_RESULT (same_source_other_tag),
                                           NULL, &error));
  /* A result of another function, from each context. */
  EXPECT_CRITICAL ("*assertion*call->function == self*");
  g_assert_false (sa_function_call_finish (other_fn, result, NULL, &error));
  EXPECT_CRITICAL ("*assertion*call->function == self*");
  g_assert_false (sa_function_call_finish (other_fn, sync_result, NULL, &error));
  EXPECT_CRITICAL ("*assertion*G_VALUE_TYPE (value) == G_TYPE_INVALID*");
  g_assert_false (sa_function_call_finish (fn, result, &used, &error));
  EXPECT_CRITICAL ("*assertion*error == NULL || *error == NULL*");
  g_assert_false (sa_function_call_finish (fn, result, NULL, &already));
  EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
  g_assert_null (sa_function_call_finish_value (NULL, result, &error));
  EXPECT_CRITICAL ("*assertion*SA_IS_FUNCTION*");
  g_assert_null (sa_function_call_finish_value ((SaFunction *) not_a_result, result, &error));
  EXPECT_CRITICAL ("*assertion*G_IS_ASYNC_RESULT*");
  g_assert_null (sa_function_call_finish_value (fn, NULL, &error));
  EXPECT_CRITICAL ("*assertion*G_IS_ASYNC_RESULT*");
  g_assert_null (sa_function_call_finish_value (fn, (GAsyncResult *) not_a_result, &error));
  EXPECT_CRITICAL ("*not from a call of this library*");
  g_assert_null (sa_function_call_finish_value (fn, G_ASYNC_RESULT (same_source_other_tag),
                                                &error));
  EXPECT_CRITICAL ("*not from a call of this library*");
  g_assert_null (sa_function_call_finish_value (fn, G_ASYNC_RESULT (foreign), &error));
  EXPECT_CRITICAL ("*assertion*call->function == self*");
  g_assert_null (sa_function_call_finish_value (other_fn, result, &error));
  EXPECT_CRITICAL ("*assertion*error == NULL || *error == NULL*");
  g_assert_null (sa_function_call_finish_value (fn, result, &already));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  /* None of that used the results up. */
  g_assert_true (sa_function_call_finish (fn, result, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_value_get_int (&value), ==, 42);
  g_value_unset (&value);
  g_assert_true (sa_function_call_finish (fn, sync_result, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_value_get_int (&value), ==, 2);

  drain_default_context ();
}

/* Varargs of the wrong type */

static void
take_token_and_file_async (RelToken            *token,
                           GFile               *file,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_atomic_int_inc (&callable_runs);
  rel_add_async (1, 0, cancellable, callback, user_data);
}

typedef enum
{
  VARARGS_CALL_SYNC,
  VARARGS_CALL_SYNC_WITH_TIMEOUT,
  VARARGS_CALL_SYNC_CONTEXT,
  VARARGS_CALL_ASYNC_CONTEXT,
  VARARGS_CALL_ASYNC,
  VARARGS_CALL_ASYNC_WITH_SOURCE,
  N_VARARGS_ENTRIES
} VarargsEntry;

static const char * const varargs_entry_names[] = {
  "call_sync", "call_sync_with_timeout", "call (sync context)",
  "call (async context)", "call_async", "call_async_with_source",
};

static void
test_varargs_of_wrong_type_are_criticals_and_errors (void)
{
  g_autoptr(RelToken) token = rel_token_new ();
  g_autoptr(GCancellable) not_a_file = g_cancellable_new ();
  g_autoptr(GObject) source = g_object_new (G_TYPE_OBJECT, NULL);
  SaFunction *functions[2];
  guint alive = rel_tokens_alive ();

  callable_runs = 0;
  functions[0] = sa_function_new_sync ("takes-file", G_CALLBACK (take_token_and_file),
                                       SA_FUNCTION_FLAGS_NONE, G_TYPE_INT, 2,
                                       REL_TYPE_TOKEN, G_TYPE_FILE);
  functions[1] = sa_function_new_async ("takes-file", G_CALLBACK (take_token_and_file_async),
                                        G_CALLBACK (rel_add_finish),
                                        SA_FUNCTION_FLAGS_NONE, G_TYPE_INT, 2,
                                        REL_TYPE_TOKEN, G_TYPE_FILE);

  /* g_signal_emit() does the same: the collected value is refused with a
   * critical; the call fails with an error rather than run, on every
   * varargs entry point and every path (a blocking callable called
   * directly or on a worker, a pair in a private context or the caller's
   * own). */
  for (guint f = 0; f < G_N_ELEMENTS (functions); f++)
    {
      SaFunction *fn = functions[f];

      for (VarargsEntry entry = 0; entry < N_VARARGS_ENTRIES; entry++)
        {
          g_autoptr(GAsyncResult) result = NULL;
          g_autoptr(GError) error = NULL;
          int out = 77;

          g_test_message ("%s, %s", f == 0 ? "blocking" : "pair",
                          varargs_entry_names[entry]);
          EXPECT_CRITICAL ("*“takes-file”: argument 2*GCancellable*GFile*");
          switch (entry)
            {
            case VARARGS_CALL_SYNC:
              g_assert_false (sa_function_call_sync (fn, NULL, &error, token, not_a_file, &out));
              break;
            case VARARGS_CALL_SYNC_WITH_TIMEOUT:
              g_assert_false (sa_function_call_sync_with_timeout (fn, 1000, NULL, &error,
                                                                  token, not_a_file, &out));
              break;
            case VARARGS_CALL_SYNC_CONTEXT:
            case VARARGS_CALL_ASYNC_CONTEXT:
              /* Mode forced, so the call object's path. */
              sa_function_set_mode (fn, entry == VARARGS_CALL_SYNC_CONTEXT ? SA_MODE_SYNC
                                                                           : SA_MODE_ASYNC);
              result = sa_function_call (fn, NULL, NULL, NULL, token, not_a_file);
              sa_function_set_mode (fn, SA_MODE_AUTO);
              while (G_IS_TASK (result) && !g_task_get_completed (G_TASK (result)))
                g_main_context_iteration (NULL, TRUE);
              break;
            case VARARGS_CALL_ASYNC:
              sa_function_call_async (fn, NULL, store_result, &result, token, not_a_file);
              break;
            case VARARGS_CALL_ASYNC_WITH_SOURCE:
              sa_function_call_async_with_source (fn, source, NULL, store_result, &result,
                                                  token, not_a_file);
              break;
            case N_VARARGS_ENTRIES:
            default:
              g_assert_not_reached ();
            }
          g_test_assert_expected_messages ();

          if (entry >= VARARGS_CALL_ASYNC)
            {
              /* Delivered like any other failure, never from inside the
               * call. */
              g_assert_null (result);
              while (result == NULL)
                g_main_context_iteration (NULL, TRUE);
              if (entry == VARARGS_CALL_ASYNC_WITH_SOURCE)
                {
                  g_autoptr(GObject) given = g_async_result_get_source_object (result);

                  g_assert_true (given == source);
                }
            }
          if (result != NULL)
            g_assert_false (sa_function_call_finish (fn, result, NULL, &error));

          g_assert_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE);
          g_assert_cmpint (out, ==, 77);
        }
    }

  for (guint f = 0; f < G_N_ELEMENTS (functions); f++)
    g_object_unref (functions[f]);
  drain_default_context ();
  g_assert_cmpint (callable_runs, ==, 0);
  /* The first argument, collected before the second failed, is released. */
  g_assert_cmpint (G_OBJECT (token)->ref_count, ==, 1);
  g_assert_cmpint (G_OBJECT (not_a_file)->ref_count, ==, 1);
  g_assert_cmpint (source->ref_count, ==, 1);
  g_assert_cmpuint (rel_tokens_alive (), ==, alive);
}

/* The result location after the arguments */

static RelToken *
make_token (void)
{
  g_atomic_int_inc (&callable_runs);
  return rel_token_new ();
}

static void
make_token_async (GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_atomic_int_inc (&callable_runs);
  g_task_return_pointer (task, rel_token_new (), g_object_unref);
}

static RelToken *
make_token_finish (GAsyncResult  *result,
                   GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_varargs_null_result_location_is_a_critical (void)
{
  SaFunction *functions[2];
  guint alive = rel_tokens_alive ();

  callable_runs = 0;
  functions[0] = sa_function_new_sync ("make-token", G_CALLBACK (make_token),
                                       SA_FUNCTION_FLAGS_NONE, REL_TYPE_TOKEN, 0);
  functions[1] = sa_function_new_async ("make-token", G_CALLBACK (make_token_async),
                                        G_CALLBACK (make_token_finish),
                                        SA_FUNCTION_FLAGS_NONE, REL_TYPE_TOKEN, 0);

  /* As with g_signal_emit(), the location is only looked at once the call
   * has run: GObject's own critical, then one naming the function, and the
   * result (a new object here) is released rather than leaked. */
  for (guint f = 0; f < G_N_ELEMENTS (functions); f++)
    {
      g_autoptr(GError) error = NULL;

      g_test_expect_message ("GLib-GObject", G_LOG_LEVEL_CRITICAL, "*object_p != NULL*");
      EXPECT_CRITICAL ("*“make-token”: return location*passed as NULL*");
      sa_function_call_sync (functions[f], NULL, &error, NULL);
      g_test_expect_message ("GLib-GObject", G_LOG_LEVEL_CRITICAL, "*object_p != NULL*");
      EXPECT_CRITICAL ("*“make-token”: return location*passed as NULL*");
      sa_function_call_sync_with_timeout (functions[f], 1000, NULL, &error, NULL);
      g_test_assert_expected_messages ();
      g_assert_no_error (error);
      g_object_unref (functions[f]);
    }

  drain_default_context ();
  g_assert_cmpint (callable_runs, ==, 4);
  g_assert_cmpuint (rel_tokens_alive (), ==, alive);
}

/* GValue arrays */

typedef enum
{
  ENTRY_SYNCV,
  ENTRY_SYNCV_WITH_TIMEOUT,
  ENTRY_CALLV_SYNC_CONTEXT,
  ENTRY_CALLV_ASYNC_CONTEXT,
  ENTRY_ASYNCV,
  N_ENTRIES
} Entry;

static const char * const entry_names[] = {
  "call_syncv", "call_syncv_with_timeout", "callv (sync context)",
  "callv (async context)", "call_asyncv",
};

/* Calls @fn with @args through @entry; returns the error. */
static GError *
call_expecting_error (SaFunction   *fn,
                      Entry         entry,
                      const GValue *args,
                      guint         n_args)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  GError *error = NULL;

  switch (entry)
    {
    case ENTRY_SYNCV:
      g_assert_false (sa_function_call_syncv (fn, args, n_args, &value, NULL, &error));
      break;
    case ENTRY_SYNCV_WITH_TIMEOUT:
      g_assert_false (sa_function_call_syncv_with_timeout (fn, args, n_args, 1000,
                                                           &value, NULL, &error));
      break;
    case ENTRY_CALLV_SYNC_CONTEXT:
    case ENTRY_CALLV_ASYNC_CONTEXT:
      sa_function_set_mode (fn, entry == ENTRY_CALLV_SYNC_CONTEXT ? SA_MODE_SYNC : SA_MODE_ASYNC);
      result = sa_function_callv (fn, args, n_args, NULL, NULL, NULL);
      sa_function_set_mode (fn, SA_MODE_AUTO);
      if (G_IS_TASK (result))
        {
          while (!g_task_get_completed (G_TASK (result)))
            g_main_context_iteration (NULL, TRUE);
        }
      g_assert_false (sa_function_call_finish (fn, result, &value, &error));
      break;
    case ENTRY_ASYNCV:
      sa_function_call_asyncv (fn, args, n_args, NULL, store_result, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      g_assert_false (sa_function_call_finish (fn, result, &value, &error));
      break;
    case N_ENTRIES:
    default:
      g_assert_not_reached ();
    }

  /* Bindings rely on the result being typed on failure too. */
  g_assert_true (G_VALUE_HOLDS_INT (&value));
  g_assert_nonnull (error);

  return error;
}

static SaFunction *
new_token_int_function (gboolean pair)
{
  if (pair)
    return sa_function_new_async ("token-int-pair", G_CALLBACK (counting_add_async),
                                  G_CALLBACK (rel_add_finish),
                                  SA_FUNCTION_FLAGS_NONE,
                                  G_TYPE_INT, 2, REL_TYPE_TOKEN, G_TYPE_INT);
  return sa_function_new_sync ("token-int", G_CALLBACK (add), SA_FUNCTION_FLAGS_NONE,
                               G_TYPE_INT, 2, REL_TYPE_TOKEN, G_TYPE_INT);
}

static void
test_gvalue_arrays_of_wrong_count_are_errors (void)
{
  g_autoptr(RelToken) token = rel_token_new ();
  GValue args[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  guint alive = rel_tokens_alive ();
  const guint counts[] = { 0, 1, 3 };

  callable_runs = 0;
  g_value_init (&args[0], REL_TYPE_TOKEN);
  g_value_set_object (&args[0], token);
  g_value_init (&args[1], G_TYPE_INT);
  g_value_init (&args[2], G_TYPE_INT);

  for (int pair = FALSE; pair <= TRUE; pair++)
    {
      g_autoptr(SaFunction) fn = new_token_int_function (pair);

      for (Entry entry = 0; entry < N_ENTRIES; entry++)
        {
          for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
            {
              g_autoptr(GError) error = NULL;

              g_test_message ("%s, %s, %u arguments", sa_function_get_name (fn),
                              entry_names[entry], counts[i]);
              error = call_expecting_error (fn, entry, counts[i] ? args : NULL, counts[i]);
              g_assert_error (error, SA_ERROR, SA_ERROR_ARGUMENT_COUNT);
              g_assert_nonnull (strstr (error->message, sa_function_get_name (fn)));
            }
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (args); i++)
    g_value_unset (&args[i]);

  drain_default_context ();
  g_assert_cmpint (callable_runs, ==, 0);
  g_assert_cmpint (G_OBJECT (token)->ref_count, ==, 1);
  g_assert_cmpuint (rel_tokens_alive (), ==, alive);
}

static void
test_gvalue_arrays_of_wrong_types_are_errors (void)
{
  g_autoptr(RelToken) token = rel_token_new ();
  g_autoptr(GCancellable) not_a_token = g_cancellable_new ();
  guint alive = rel_tokens_alive ();
  GValue second[6] = { G_VALUE_INIT, };

  callable_runs = 0;

  /* What bindings send that does not fit a gint without loss. */
  g_value_init (&second[0], G_TYPE_STRING);
  g_value_set_static_string (&second[0], "12");
  g_value_init (&second[1], G_TYPE_DOUBLE);
  g_value_set_double (&second[1], 3.5);
  g_value_init (&second[2], G_TYPE_INT64);
  g_value_set_int64 (&second[2], G_MAXINT64);
  g_value_init (&second[3], G_TYPE_UINT);
  g_value_set_uint (&second[3], G_MAXUINT);
  g_value_init (&second[4], G_TYPE_OBJECT);
  g_value_set_object (&second[4], token);
  /* second[5] stays uninitialised. */

  for (int pair = FALSE; pair <= TRUE; pair++)
    {
      g_autoptr(SaFunction) fn = new_token_int_function (pair);

      for (Entry entry = 0; entry < N_ENTRIES; entry++)
        {
          for (guint i = 0; i < G_N_ELEMENTS (second); i++)
            {
              GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
              g_autoptr(GError) error = NULL;

              /* A good first argument that is converted (and referenced)
               * before the second one fails. */
              g_value_init (&args[0], REL_TYPE_TOKEN);
              g_value_set_object (&args[0], token);
              if (G_IS_VALUE (&second[i]))
                {
                  g_value_init (&args[1], G_VALUE_TYPE (&second[i]));
                  g_value_copy (&second[i], &args[1]);
                }

              g_test_message ("%s, %s, second argument %s", sa_function_get_name (fn),
                              entry_names[entry],
                              G_IS_VALUE (&args[1]) ? G_VALUE_TYPE_NAME (&args[1]) : "unset");
              error = call_expecting_error (fn, entry, args, 2);
              g_assert_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE);
              g_assert_nonnull (strstr (error->message, "argument 2"));

              g_value_unset (&args[0]);
              if (G_IS_VALUE (&args[1]))
                g_value_unset (&args[1]);
            }

          /* An object of the wrong class as the first argument. */
          {
            GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
            g_autoptr(GError) error = NULL;

            g_value_init (&args[0], G_TYPE_OBJECT);
            g_value_set_object (&args[0], not_a_token);
            g_value_init (&args[1], G_TYPE_INT);
            error = call_expecting_error (fn, entry, args, 2);
            g_assert_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE);
            g_assert_nonnull (strstr (error->message, "GCancellable"));
            g_value_unset (&args[0]);
            g_value_unset (&args[1]);
          }
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (second); i++)
    if (G_IS_VALUE (&second[i]))
      g_value_unset (&second[i]);

  drain_default_context ();
  g_assert_cmpint (callable_runs, ==, 0);
  g_assert_cmpint (G_OBJECT (not_a_token)->ref_count, ==, 1);
  g_assert_cmpint (G_OBJECT (token)->ref_count, ==, 1);
  g_assert_cmpuint (rel_tokens_alive (), ==, alive);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reliability/bad-input/constructors/reject-null-and-invalid-arguments",
                   test_constructors_reject_bad_input);
  g_test_add_func ("/reliability/bad-input/accessors/reject-null-and-other-objects",
                   test_accessors_reject_non_functions);
  g_test_add_func ("/reliability/bad-input/calls/reject-null-and-other-objects",
                   test_calls_reject_non_functions);
  g_test_add_func ("/reliability/bad-input/calls/reject-objects-that-are-not-cancellables",
                   test_calls_reject_bad_cancellables);
  g_test_add_func ("/reliability/bad-input/calls/reject-used-error-and-result-locations",
                   test_calls_reject_bad_locations);
  g_test_add_func ("/reliability/bad-input/calls/of-a-function-wrapping-nothing-are-criticals",
                   test_calls_of_an_empty_function_are_criticals);
  g_test_add_func ("/reliability/bad-input/finish/rejects-foreign-results-and-used-locations",
                   test_finish_rejects_bad_input);
  g_test_add_func ("/reliability/bad-input/varargs/wrong-object-type-is-a-critical-and-an-error",
                   test_varargs_of_wrong_type_are_criticals_and_errors);
  g_test_add_func ("/reliability/bad-input/varargs/null-result-location-is-a-critical-leaking-nothing",
                   test_varargs_null_result_location_is_a_critical);
  g_test_add_func ("/reliability/bad-input/gvalue-array/wrong-count-is-an-error-leaking-nothing",
                   test_gvalue_arrays_of_wrong_count_are_errors);
  g_test_add_func ("/reliability/bad-input/gvalue-array/wrong-type-is-an-error-leaking-nothing",
                   test_gvalue_arrays_of_wrong_types_are_errors);

  return g_test_run ();
}
