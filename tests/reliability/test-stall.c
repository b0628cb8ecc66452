/* test-stall.c: a sync wait is never stuck without a word
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A sync caller waiting for a pair that needs the caller's own context, or
 * that will never call back, hangs. The wait says so once, with the likely
 * cause; where the library can tell at start that no callback will come,
 * the call fails at once instead.
 */

#include <gio/gio.h>
#include <smartasync-glib.h>

#include "reliability-common.h"

#define STALL_MS 150

/* A legacy pair that completes from g_idle_add(): on the global default
 * context, which a sync caller's private wait never iterates. */
static gboolean
complete_from_idle (gpointer data)
{
  GTask *task = data;

  g_task_return_int (task, 1);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
idle_pair_async (int                  value,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_idle_add (complete_from_idle, task);
}

static int
idle_pair_finish (GAsyncResult  *result,
                  GError       **error)
{
  return (int) g_task_propagate_int (G_TASK (result), error);
}

static SaFunction *
new_idle_pair (void)
{
  return sa_function_new_async ("idle-pair", G_CALLBACK (idle_pair_async),
                                G_CALLBACK (idle_pair_finish), 0,
                                G_TYPE_INT, 1, G_TYPE_INT);
}

/* Runs the default context until the idles the pair left behind have
 * completed their tasks (nobody waits for them any more). */
static void
drain_default_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_waiting_for_the_callers_context_warns_once (void)
{
  g_autoptr(SaFunction) fn = new_idle_pair ();
  g_autoptr(GError) error = NULL;
  int value = 0;

  g_assert_cmpint (sa_function_get_stall_warning (fn), ==, 5000);
  sa_function_set_stall_warning (fn, STALL_MS);
  /* Four times the stall time: one warning, not one per period. */
  sa_function_set_timeout (fn, STALL_MS * 4);

  g_test_expect_message ("SmartAsync", G_LOG_LEVEL_WARNING,
                         "*“idle-pair”*waited*without any progress*"
                         "ready to dispatch on the caller's thread-default main context "
                         "(the global default one)*g_idle_add()*");
  g_assert_false (sa_function_call_sync (fn, NULL, &error, 1, &value));
  g_test_assert_expected_messages ();
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  drain_default_context ();
}

/* The same pair, with a context the caller pushed as thread-default. */
static void
test_warning_names_the_pushed_context (void)
{
  g_autoptr(SaFunction) fn = new_idle_pair ();
  g_autoptr(GMainContext) pushed = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  int value = 0;

  sa_function_set_stall_warning (fn, STALL_MS);
  sa_function_set_timeout (fn, STALL_MS * 3);

  g_main_context_push_thread_default (pushed);
  g_test_expect_message ("SmartAsync", G_LOG_LEVEL_WARNING,
                         "*“idle-pair”*global default main context*");
  g_assert_false (sa_function_call_sync (fn, NULL, &error, 1, &value));
  g_test_assert_expected_messages ();
  g_main_context_pop_thread_default (pushed);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  drain_default_context ();
}

static void
test_zero_turns_the_warning_off (void)
{
  g_autoptr(SaFunction) fn = new_idle_pair ();
  g_autoptr(GError) error = NULL;
  int value = 0;

  sa_function_set_stall_warning (fn, 0);
  sa_function_set_timeout (fn, STALL_MS * 3);
  /* GTest makes an unexpected warning fatal. */
  g_assert_false (sa_function_call_sync (fn, NULL, &error, 1, &value));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  drain_default_context ();
}

/* The environment variable sets the default of functions made after. */
static void
test_environment_sets_the_default (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(SaFunction) fn = new_idle_pair ();
      g_autoptr(GError) error = NULL;
      int value = 0;

      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      g_assert_cmpint (sa_function_get_stall_warning (fn), ==, STALL_MS);
      sa_function_set_timeout (fn, STALL_MS * 3);
      g_assert_false (sa_function_call_sync (fn, NULL, &error, 1, &value));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      return;
    }

  g_setenv ("SA_STALL_WARNING_MS", G_STRINGIFY (STALL_MS), TRUE);
  g_test_trap_subprocess (NULL, 0, 0);
  g_unsetenv ("SA_STALL_WARNING_MS");
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*WARNING*idle-pair*without any progress*");
}

/* A slow pair that keeps making progress in the private context is only
 * slow: no warning. */
typedef struct
{
  GTask *task;
  int ticks;
} Ticker;

static gboolean
tick (gpointer data)
{
  Ticker *ticker = data;

  if (++ticker->ticks < 12)
    return G_SOURCE_CONTINUE;

  g_task_return_int (ticker->task, ticker->ticks);
  g_object_unref (ticker->task);
  g_free (ticker);
  return G_SOURCE_REMOVE;
}

static void
ticking_async (int                  value,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  Ticker *ticker = g_new0 (Ticker, 1);
  GSource *source = g_timeout_source_new (STALL_MS / 3);

  ticker->task = g_task_new (NULL, cancellable, callback, user_data);
  g_source_set_callback (source, tick, ticker, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static void
test_slow_pair_that_progresses_does_not_warn (void)
{
  g_autoptr(SaFunction) fn = NULL;
  g_autoptr(GError) error = NULL;
  int value = 0;

  fn = sa_function_new_async ("ticking", G_CALLBACK (ticking_async),
                              G_CALLBACK (idle_pair_finish), 0,
                              G_TYPE_INT, 1, G_TYPE_INT);
  sa_function_set_stall_warning (fn, STALL_MS);
  g_assert_true (sa_function_call_sync (fn, NULL, &error, 1, &value));
  g_assert_no_error (error);
  g_assert_cmpint (value, ==, 12);
}

/* g_file_read_async() given a NULL file returns from its
 * g_return_if_fail() and never calls back. */
static void
test_null_object_of_a_method_fails_at_once (void)
{
  g_autoptr(SaFunction) read = NULL;
  g_autoptr(GError) error = NULL;
  GFileInputStream *stream = NULL;

  read = sa_function_new_async ("read", G_CALLBACK (g_file_read_async),
                                G_CALLBACK (g_file_read_finish),
                                SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE,
                                G_TYPE_FILE_INPUT_STREAM, 2, G_TYPE_FILE, G_TYPE_INT);
  g_assert_false (sa_function_call_sync (read, NULL, &error, NULL, G_PRIORITY_DEFAULT,
                                         &stream));
  g_assert_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE);
  g_assert_nonnull (strstr (error->message, "NULL"));
  g_assert_null (stream);
}

/* A pair that checks its arguments the GLib way: a critical, and no
 * callback. */
static void
checked_async (int                  count,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (count >= 0);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_return_int (task, count);
  g_object_unref (task);
}

static void
test_critical_while_starting_fails_at_once (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(SaFunction) fn = NULL;
      g_autoptr(GError) error = NULL;
      int value = 0;
      gint64 start;

      /* As in a program run without G_DEBUG=fatal-criticals. */
      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      fn = sa_function_new_async ("checked", G_CALLBACK (checked_async),
                                  G_CALLBACK (idle_pair_finish), 0,
                                  G_TYPE_INT, 1, G_TYPE_INT);
      g_assert_true (sa_function_call_sync (fn, NULL, &error, 3, &value));
      g_assert_cmpint (value, ==, 3);

      start = g_get_monotonic_time ();
      g_assert_false (sa_function_call_sync (fn, NULL, &error, -1, &value));
      g_assert_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE);
      g_assert_nonnull (strstr (error->message, "count >= 0"));
      /* Failed at start, not after a stall warning or a deadline. */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
      g_print ("subprocess done\n");
      return;
    }

  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, 0);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*subprocess done*");
  /* The critical itself is still logged, as GIO's _sync functions do. */
  g_test_trap_assert_stderr ("*CRITICAL*checked_async*count >= 0*");
}

static void
on_checked_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GError **error = user_data;
  g_auto(GValue) value = G_VALUE_INIT;

  g_assert_false (sa_function_call_finish (SA_FUNCTION (source), result, &value, error));
}

static void
test_critical_while_starting_fails_an_async_call (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(SaFunction) fn = NULL;
      g_autoptr(GError) error = NULL;

      g_log_set_always_fatal (G_LOG_FATAL_MASK);
      fn = sa_function_new_async ("checked", G_CALLBACK (checked_async),
                                  G_CALLBACK (idle_pair_finish), 0,
                                  G_TYPE_INT, 1, G_TYPE_INT);
      sa_function_call_async (fn, NULL, on_checked_done, &error, -1);
      while (error == NULL)
        g_main_context_iteration (NULL, TRUE);
      g_assert_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE);
      g_print ("subprocess done\n");
      return;
    }

  g_test_trap_subprocess (NULL, 20 * G_USEC_PER_SEC, 0);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*subprocess done*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reliability/stall/waiting-for-the-callers-context-warns-once",
                   test_waiting_for_the_callers_context_warns_once);
  g_test_add_func ("/reliability/stall/warning-names-the-global-default-context",
                   test_warning_names_the_pushed_context);
  g_test_add_func ("/reliability/stall/zero-turns-the-warning-off",
                   test_zero_turns_the_warning_off);
  g_test_add_func ("/reliability/stall/environment-sets-the-default",
                   test_environment_sets_the_default);
  g_test_add_func ("/reliability/stall/slow-pair-that-progresses-does-not-warn",
                   test_slow_pair_that_progresses_does_not_warn);
  g_test_add_func ("/reliability/never-calls-back/null-object-of-a-method-fails-at-once",
                   test_null_object_of_a_method_fails_at_once);
  g_test_add_func ("/reliability/never-calls-back/critical-while-starting-fails-at-once",
                   test_critical_while_starting_fails_at_once);
  g_test_add_func ("/reliability/never-calls-back/critical-fails-an-async-call-too",
                   test_critical_while_starting_fails_an_async_call);

  return g_test_run ();
}
