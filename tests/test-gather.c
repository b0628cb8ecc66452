/* test-gather.c: several calls at once from sync and async code
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <smartasync-glib.h>

#include "sa-test-util.h"

static SaFunction *
delay_function (void)
{
  /* delay (value, ms): value after ms; fails for a negative value. */
  return sa_function_new_async ("delay", G_CALLBACK (sa_test_delay_async),
                                G_CALLBACK (sa_test_delay_finish), SA_FUNCTION_FLAGS_NONE,
                                G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
}

static SaFunction *
sleep_function (void)
{
  /* sleep (ms): blocks for ms, or until cancelled when ms < 0. */
  return sa_function_new_sync ("sleep", G_CALLBACK (sa_test_sleep_blocking),
                               SA_FUNCTION_FLAGS_CANCELLABLE | SA_FUNCTION_FLAGS_THROWS,
                               G_TYPE_INT, 1, G_TYPE_INT);
}

static int
outcome_int (SaGather  *gather,
             guint      index,
             GError   **error)
{
  int value = -1000;

  if (!sa_gather_get_result (gather, index, error, &value))
    return -1000;
  return value;
}

static void
test_sync_outcomes_in_order (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  const int delays[] = { 120, 90, 60, 30, 1 };
  gint64 start;
  double took_ms;

  for (guint i = 0; i < G_N_ELEMENTS (delays); i++)
    g_assert_cmpuint (sa_gather_add (gather, delay, (int) i * 10, delays[i]), ==, i);
  g_assert_cmpuint (sa_gather_get_n_calls (gather), ==, 5);
  g_assert_cmpint (sa_gather_get_first (gather), ==, -1);

  start = g_get_monotonic_time ();
  g_assert_true (sa_gather_run_sync (gather, NULL, &error));
  g_assert_no_error (error);
  took_ms = (g_get_monotonic_time () - start) / 1000.0;

  /* At once: about the longest, not the sum (300 ms). */
  g_test_message ("five delays of 1 to 120 ms together: %.0f ms", took_ms);
  if (!sa_test_slow_machine ())
    g_assert_cmpfloat (took_ms, <, 290);
  for (guint i = 0; i < G_N_ELEMENTS (delays); i++)
    {
      g_assert_cmpint (outcome_int (gather, i, &error), ==, (int) i * 10);
      g_assert_no_error (error);
    }
  g_assert_cmpint (sa_gather_get_first (gather), ==, 4);
}

static void
test_sync_mixed_functions (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaFunction) sleep = sleep_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
  GValue value = G_VALUE_INIT;
  gint64 start;

  sa_gather_add (gather, sleep, 80);
  sa_gather_add (gather, delay, 7, 80);
  g_value_init (&args[0], G_TYPE_INT);
  g_value_set_int (&args[0], 80);
  sa_gather_addv (gather, sleep, args, 1);
  g_value_init (&args[1], G_TYPE_INT);
  g_value_set_int (&args[0], 8);
  g_value_set_int (&args[1], 80);
  sa_gather_addv (gather, delay, args, 2);

  start = g_get_monotonic_time ();
  g_assert_true (sa_gather_run_sync (gather, NULL, &error));
  g_assert_no_error (error);
  if (!sa_test_slow_machine ())
    g_assert_cmpint (g_get_monotonic_time () - start, <, 300 * 1000);

  g_assert_cmpint (outcome_int (gather, 0, NULL), ==, 80);
  g_assert_cmpint (outcome_int (gather, 1, NULL), ==, 7);
  g_assert_cmpint (outcome_int (gather, 2, NULL), ==, 80);
  g_assert_true (sa_gather_get_outcome (gather, 3, &value, NULL));
  g_assert_cmpint (g_value_get_int (&value), ==, 8);
  g_value_unset (&value);
  /* As often as wanted. */
  g_assert_cmpint (outcome_int (gather, 3, NULL), ==, 8);
  g_value_unset (&args[0]);
  g_value_unset (&args[1]);
}

/* Without CANCEL_ON_ERROR: every call runs to its end; the run fails with
 * the error of the first call to fail, in completion order. */
static void
test_sync_first_error_all_outcomes (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) late = NULL;
  g_autoptr(GError) early = NULL;

  sa_gather_add (gather, delay, 1, 60);
  sa_gather_add (gather, delay, -2, 40);  /* fails second */
  sa_gather_add (gather, delay, -3, 1);   /* fails first */

  g_assert_false (sa_gather_run_sync (gather, NULL, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (outcome_int (gather, 0, NULL), ==, 1);
  g_assert_cmpint (outcome_int (gather, 1, &late), ==, -1000);
  g_assert_cmpint (outcome_int (gather, 2, &early), ==, -1000);
  g_assert_nonnull (late);
  g_assert_nonnull (early);
  g_assert_false (g_error_matches (late, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_assert_true (g_error_matches (error, early->domain, early->code));
  g_assert_cmpstr (error->message, ==, early->message);
  g_assert_cmpstr (error->message, !=, late->message);
}

static void
test_sync_cancel_on_error (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaFunction) sleep = sleep_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_CANCEL_ON_ERROR);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) e0 = NULL;
  g_autoptr(GError) e2 = NULL;
  gint64 start;

  sa_gather_add (gather, delay, 1, 20000);
  sa_gather_add (gather, delay, -2, 5);
  sa_gather_add (gather, sleep, -1);  /* blocks until cancelled */

  start = g_get_monotonic_time ();
  g_assert_false (sa_gather_run_sync (gather, NULL, &error));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));

  outcome_int (gather, 0, &e0);
  outcome_int (gather, 2, &e2);
  g_assert_error (e0, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (e2, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (sa_gather_get_first (gather), ==, 1);
}

static void
test_sync_first_completed (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaFunction) sleep = sleep_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_FIRST_COMPLETED);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) e0 = NULL;
  g_autoptr(GError) e2 = NULL;

  g_assert_cmpint (sa_gather_get_flags (gather), ==, SA_GATHER_FLAGS_FIRST_COMPLETED);
  sa_gather_add (gather, delay, 1, 20000);
  sa_gather_add (gather, delay, 2, 5);
  sa_gather_add (gather, sleep, -1);

  g_assert_true (sa_gather_run_sync (gather, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sa_gather_get_first (gather), ==, 1);
  g_assert_cmpint (outcome_int (gather, 1, NULL), ==, 2);
  outcome_int (gather, 0, &e0);
  outcome_int (gather, 2, &e2);
  g_assert_error (e0, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_error (e2, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* The first to complete failed: so does the run. */
static void
test_sync_first_completed_failed (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_FIRST_COMPLETED);
  g_autoptr(GError) error = NULL;

  sa_gather_add (gather, delay, 1, 20000);
  sa_gather_add (gather, delay, -2, 1);
  g_assert_false (sa_gather_run_sync (gather, NULL, &error));
  g_assert_nonnull (error);
  g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_assert_cmpint (sa_gather_get_first (gather), ==, 1);
}

static gpointer
cancel_later (gpointer data)
{
  g_usleep (30 * 1000);
  g_cancellable_cancel (data);
  return NULL;
}

static void
test_sync_cancel_whole (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaFunction) sleep = sleep_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GThread *thread;
  gint64 start;

  for (int i = 0; i < 3; i++)
    {
      sa_gather_add (gather, delay, i, 20000);
      sa_gather_add (gather, sleep, -1);
    }

  start = g_get_monotonic_time ();
  thread = g_thread_new ("canceller", cancel_later, cancellable);
  g_assert_false (sa_gather_run_sync (gather, cancellable, &error));
  g_thread_join (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(GError) e = NULL;

      g_assert_false (sa_gather_get_outcome (gather, i, NULL, &e));
      g_assert_error (e, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    }
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* A sync run never iterates the caller's contexts. */
static void
test_sync_callers_context_untouched (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);
  gboolean dispatched = FALSE;
  guint id;

  id = g_idle_add (set_flag, &dispatched);
  sa_gather_add (gather, delay, 1, 20);
  sa_gather_add (gather, delay, 2, 20);
  g_assert_true (sa_gather_run_sync (gather, NULL, NULL));
  g_assert_false (dispatched);
  g_source_remove (id);
}

static void
test_empty (void)
{
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);

  g_assert_true (sa_gather_run_sync (gather, NULL, NULL));
  g_assert_cmpint (sa_gather_get_first (gather), ==, -1);
}

static void
test_runs_once (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);

  sa_gather_add (gather, delay, 1, 1);
  g_assert_true (sa_gather_run_sync (gather, NULL, NULL));

  g_test_expect_message ("SmartAsync", G_LOG_LEVEL_CRITICAL, "*!self->started*");
  g_assert_false (sa_gather_run_sync (gather, NULL, NULL));
  g_test_assert_expected_messages ();
}

static void
test_argument_error_is_the_calls_outcome (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) own = NULL;
  GValue arg = G_VALUE_INIT;

  sa_gather_add (gather, delay, 1, 1);
  g_value_init (&arg, G_TYPE_INT);
  sa_gather_addv (gather, delay, &arg, 1);  /* one argument of two */
  g_value_unset (&arg);

  g_assert_false (sa_gather_run_sync (gather, NULL, &error));
  g_assert_error (error, SA_ERROR, SA_ERROR_ARGUMENT_COUNT);
  g_assert_cmpint (outcome_int (gather, 0, NULL), ==, 1);
  g_assert_false (sa_gather_get_outcome (gather, 1, NULL, &own));
  g_assert_error (own, SA_ERROR, SA_ERROR_ARGUMENT_COUNT);
}

/* From an async context */

typedef struct
{
  int       n_callbacks;
  gboolean  ok;
  GError   *error;
} RunOutcome;

static void
run_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  RunOutcome *outcome = user_data;

  outcome->n_callbacks++;
  outcome->ok = sa_gather_run_finish (SA_GATHER (source), result, &outcome->error);
}

static void
test_async_all_done (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaFunction) sleep = sleep_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);
  RunOutcome outcome = { 0 };
  gboolean ticked = FALSE;

  sa_gather_add (gather, delay, 5, 40);
  sa_gather_add (gather, sleep, 40);
  sa_gather_add (gather, delay, 6, 1);
  sa_gather_run_async (gather, NULL, run_done, &outcome);
  /* Never from inside the _async call. */
  g_assert_cmpint (outcome.n_callbacks, ==, 0);
  /* The caller's loop runs meanwhile. */
  g_timeout_add (5, set_flag, &ticked);

  sa_test_wait_for_count (&outcome.n_callbacks, 1);
  g_assert_true (ticked);
  g_assert_true (outcome.ok);
  g_assert_no_error (outcome.error);
  g_assert_cmpint (outcome_int (gather, 0, NULL), ==, 5);
  g_assert_cmpint (outcome_int (gather, 1, NULL), ==, 40);
  g_assert_cmpint (outcome_int (gather, 2, NULL), ==, 6);
  g_assert_cmpint (sa_gather_get_first (gather), ==, 2);

  /* Exactly once: nothing more arrives. */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (outcome.n_callbacks, ==, 1);
}

static gboolean
cancel_now (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
test_async_cancel (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaFunction) sleep = sleep_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  RunOutcome outcome = { 0 };

  sa_gather_add (gather, delay, 5, 20000);
  sa_gather_add (gather, sleep, -1);
  sa_gather_run_async (gather, cancellable, run_done, &outcome);
  g_timeout_add (20, cancel_now, cancellable);

  sa_test_wait_for_count (&outcome.n_callbacks, 1);
  g_assert_false (outcome.ok);
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&outcome.error);
}

static void
test_async_cancel_on_error (void)
{
  g_autoptr(SaFunction) delay = delay_function ();
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_CANCEL_ON_ERROR);
  g_autoptr(GError) e0 = NULL;
  RunOutcome outcome = { 0 };

  sa_gather_add (gather, delay, 5, 20000);
  sa_gather_add (gather, delay, -1, 1);
  sa_gather_run_async (gather, NULL, run_done, &outcome);
  sa_test_wait_for_count (&outcome.n_callbacks, 1);
  g_assert_false (outcome.ok);
  g_assert_false (g_error_matches (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_clear_error (&outcome.error);
  outcome_int (gather, 0, &e0);
  g_assert_error (e0, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_async_empty (void)
{
  g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);
  RunOutcome outcome = { 0 };

  sa_gather_run_async (gather, NULL, run_done, &outcome);
  g_assert_cmpint (outcome.n_callbacks, ==, 0);
  sa_test_wait_for_count (&outcome.n_callbacks, 1);
  g_assert_true (outcome.ok);
}

/* Across threads: sync and async runs on several threads at once, of the
 * same functions; every outcome arrives on its own thread, once. */
static SaFunction *shared_delay;
static SaFunction *shared_sleep;

static gpointer
gather_thread (gpointer data)
{
  int base = GPOINTER_TO_INT (data);

  for (int round = 0; round < 10; round++)
    {
      g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);
      g_autoptr(GError) error = NULL;

      for (int i = 0; i < 6; i++)
        {
          if (i % 2)
            sa_gather_add (gather, shared_delay, base + i, 1 + i);
          else
            sa_gather_add (gather, shared_sleep, base + i);
        }

      if (round % 2 == 0)
        {
          g_assert_true (sa_gather_run_sync (gather, NULL, &error));
        }
      else
        {
          g_autoptr(GMainContext) context = g_main_context_new ();
          RunOutcome outcome = { 0 };

          g_main_context_push_thread_default (context);
          sa_gather_run_async (gather, NULL, run_done, &outcome);
          sa_test_wait_for_count (&outcome.n_callbacks, 1);
          g_main_context_pop_thread_default (context);
          g_assert_true (outcome.ok);
        }
      g_assert_no_error (error);
      for (int i = 0; i < 6; i++)
        g_assert_cmpint (outcome_int (gather, i, NULL), ==, base + i);
    }

  return NULL;
}

static void
test_across_threads (void)
{
  GThread *threads[4];

  shared_delay = delay_function ();
  shared_sleep = sleep_function ();
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("gather", gather_thread, GINT_TO_POINTER (1 + 3 * i));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_clear_object (&shared_delay);
  g_clear_object (&shared_sleep);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gather/sync/outcomes-in-the-order-added", test_sync_outcomes_in_order);
  g_test_add_func ("/gather/sync/pairs-and-blocking-functions-together", test_sync_mixed_functions);
  g_test_add_func ("/gather/sync/first-error-and-every-outcome", test_sync_first_error_all_outcomes);
  g_test_add_func ("/gather/sync/cancel-on-error-cancels-the-rest", test_sync_cancel_on_error);
  g_test_add_func ("/gather/sync/first-completed-cancels-the-rest", test_sync_first_completed);
  g_test_add_func ("/gather/sync/first-completed-failed", test_sync_first_completed_failed);
  g_test_add_func ("/gather/sync/cancelling-the-whole", test_sync_cancel_whole);
  g_test_add_func ("/gather/sync/callers-context-is-not-iterated", test_sync_callers_context_untouched);
  g_test_add_func ("/gather/sync/argument-error-is-that-calls-outcome", test_argument_error_is_the_calls_outcome);
  g_test_add_func ("/gather/empty", test_empty);
  g_test_add_func ("/gather/runs-once", test_runs_once);
  g_test_add_func ("/gather/async/completes-when-all-are-done", test_async_all_done);
  g_test_add_func ("/gather/async/cancelling-the-whole", test_async_cancel);
  g_test_add_func ("/gather/async/cancel-on-error", test_async_cancel_on_error);
  g_test_add_func ("/gather/async/empty", test_async_empty);
  g_test_add_func ("/gather/across-threads", test_across_threads);

  return g_test_run ();
}
