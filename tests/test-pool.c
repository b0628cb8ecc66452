/* test-pool.c: worker pools and max-concurrency
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <math.h>
#include <string.h>

#include <smartasync-glib.h>

#include "sa-test-util.h"

/* A blocking callable that counts how many of its calls run at once and
 * in which order they started. @ms < 0 blocks until cancelled. */
static GMutex probe_lock;
static int probe_running;
static int probe_max_running;
static GArray *probe_order;

static int
probe_run (int            id,
           int            ms,
           GCancellable  *cancellable,
           GError       **error)
{
  int ret;

  g_mutex_lock (&probe_lock);
  probe_running++;
  probe_max_running = MAX (probe_max_running, probe_running);
  g_array_append_val (probe_order, id);
  g_mutex_unlock (&probe_lock);

  ret = sa_test_sleep_blocking (ms, cancellable, error);

  g_mutex_lock (&probe_lock);
  probe_running--;
  g_mutex_unlock (&probe_lock);

  return ret < 0 ? -1 : id;
}

static SaFunction *
probe_function (SaPool *pool,
                int     max_concurrency)
{
  SaFunction *fn;

  g_mutex_lock (&probe_lock);
  probe_running = 0;
  probe_max_running = 0;
  g_clear_pointer (&probe_order, g_array_unref);
  probe_order = g_array_new (FALSE, FALSE, sizeof (int));
  g_mutex_unlock (&probe_lock);

  fn = sa_function_new_sync ("probe", G_CALLBACK (probe_run),
                             SA_FUNCTION_FLAGS_CANCELLABLE | SA_FUNCTION_FLAGS_THROWS,
                             G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
  if (pool != NULL)
    sa_function_set_pool (fn, pool);
  sa_function_set_max_concurrency (fn, max_concurrency);
  return fn;
}

static int
probe_n_started (void)
{
  int n;

  g_mutex_lock (&probe_lock);
  n = probe_order->len;
  g_mutex_unlock (&probe_lock);
  return n;
}

/* The outcomes of a batch of calls, each delivered exactly once. */
typedef struct
{
  int        n_done;
  int        n_ok;
  int        n_cancelled;
  GArray    *finished;       /* ids in delivery order */
  int       *deliveries;     /* per id */
  gint64     last_ok_usec;   /* when the last successful call was delivered */
} Outcomes;

static void
outcomes_init (Outcomes *o,
               int       n)
{
  memset (o, 0, sizeof *o);
  o->finished = g_array_new (FALSE, FALSE, sizeof (int));
  o->deliveries = g_new0 (int, n);
}

static void
outcomes_clear (Outcomes *o)
{
  g_array_unref (o->finished);
  g_free (o->deliveries);
}

typedef struct
{
  Outcomes *outcomes;
  int       id;
} Pending;

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Pending *pending = user_data;
  Outcomes *o = pending->outcomes;
  g_autoptr(GError) error = NULL;
  GValue value = G_VALUE_INIT;

  if (sa_function_call_finish (SA_FUNCTION (source), result, &value, &error))
    {
      g_assert_cmpint (g_value_get_int (&value), ==, pending->id);
      o->n_ok++;
      o->last_ok_usec = g_get_monotonic_time ();
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      o->n_cancelled++;
    }
  g_value_unset (&value);

  o->deliveries[pending->id]++;
  g_array_append_val (o->finished, pending->id);
  o->n_done++;
  g_free (pending);
}

static void
start_call (SaFunction   *fn,
            Outcomes     *o,
            int           id,
            int           ms,
            GCancellable *cancellable)
{
  Pending *pending = g_new (Pending, 1);

  pending->outcomes = o;
  pending->id = id;
  sa_function_call_async (fn, cancellable, call_done, pending, id, ms);
}

static void
assert_each_once (Outcomes *o,
                  int       n)
{
  g_assert_cmpint (o->n_done, ==, n);
  for (int i = 0; i < n; i++)
    g_assert_cmpint (o->deliveries[i], ==, 1);
}

/* Iterates the thread-default context until @cond holds, at most @msec. */
static void
iterate_until (gboolean (*cond) (gpointer),
               gpointer   data,
               int        msec)
{
  gint64 end = g_get_monotonic_time () + (gint64) msec * 1000;

  while (!cond (data) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (500), TRUE);
}

static gboolean
started_at_least (gpointer data)
{
  return probe_n_started () >= GPOINTER_TO_INT (data);
}

static void
test_limit_holds (void)
{
  g_autoptr(SaPool) pool = sa_pool_new (8);
  g_autoptr(SaFunction) fn = probe_function (pool, 3);
  Outcomes o;

  outcomes_init (&o, 30);
  for (int i = 0; i < 30; i++)
    start_call (fn, &o, i, 20, NULL);
  sa_test_wait_for_count (&o.n_done, 30);

  g_assert_cmpint (o.n_ok, ==, 30);
  g_assert_cmpint (probe_max_running, <=, 3);
  /* Reaching it needs the calls to overlap: memcheck runs one thread at
   * a time. */
  if (!sa_test_slow_machine ())
    g_assert_cmpint (probe_max_running, ==, 3);
  assert_each_once (&o, 30);
  outcomes_clear (&o);
}

static void
test_pool_bounds_threads (void)
{
  g_autoptr(SaPool) pool = sa_pool_new (4);
  g_autoptr(SaFunction) fn = probe_function (pool, 0);
  Outcomes o;

  g_assert_cmpuint (sa_pool_get_max_threads (pool), ==, 4);
  g_assert_true (sa_function_get_pool (fn) == pool);

  outcomes_init (&o, 24);
  for (int i = 0; i < 24; i++)
    start_call (fn, &o, i, 20, NULL);
  g_assert_cmpuint (sa_pool_get_n_threads (pool), <=, 4);
  sa_test_wait_for_count (&o.n_done, 24);

  g_assert_cmpint (o.n_ok, ==, 24);
  g_assert_cmpint (probe_max_running, <=, 4);
  if (!sa_test_slow_machine ())
    g_assert_cmpint (probe_max_running, ==, 4);
  g_assert_cmpuint (sa_pool_get_n_threads (pool), <=, 4);
  assert_each_once (&o, 24);
  outcomes_clear (&o);
}

static void
test_default_pool (void)
{
  g_autoptr(SaFunction) fn = probe_function (NULL, 0);

  g_assert_true (sa_function_get_pool (fn) == sa_pool_get_default ());
  g_assert_true (sa_pool_get_default () == sa_pool_get_default ());
  g_assert_cmpuint (sa_pool_get_max_threads (sa_pool_get_default ()), ==, 32);

  sa_function_set_pool (fn, NULL);
  g_assert_true (sa_function_get_pool (fn) == sa_pool_get_default ());
}

/* One thread, or a limit of one: calls start in the order they were made. */
static void
check_order (SaPool *pool,
             int     max_concurrency)
{
  g_autoptr(SaFunction) fn = probe_function (pool, max_concurrency);
  Outcomes o;

  outcomes_init (&o, 20);
  for (int i = 0; i < 20; i++)
    start_call (fn, &o, i, 1, NULL);
  sa_test_wait_for_count (&o.n_done, 20);

  g_assert_cmpint (o.n_ok, ==, 20);
  g_assert_cmpint (probe_max_running, ==, 1);
  for (int i = 0; i < 20; i++)
    {
      g_assert_cmpint (g_array_index (probe_order, int, i), ==, i);
      g_assert_cmpint (g_array_index (o.finished, int, i), ==, i);
    }
  assert_each_once (&o, 20);
  outcomes_clear (&o);
}

static void
test_queue_order_pool (void)
{
  g_autoptr(SaPool) pool = sa_pool_new (1);

  check_order (pool, 0);
}

static void
test_queue_order_limit (void)
{
  g_autoptr(SaPool) pool = sa_pool_new (6);

  check_order (pool, 1);
}

/* The first call blocks until cancelled; the ones queued behind it are
 * cancelled while they wait: they end at once, and never run. */
static void
check_cancel_queued (SaPool *pool,
                     int     max_concurrency)
{
  g_autoptr(SaFunction) fn = probe_function (pool, max_concurrency);
  g_autoptr(GCancellable) blocker = g_cancellable_new ();
  g_autoptr(GCancellable) queued = g_cancellable_new ();
  Outcomes o;

  outcomes_init (&o, 8);
  start_call (fn, &o, 0, -1, blocker);
  for (int i = 1; i < 6; i++)
    start_call (fn, &o, i, 1, queued);
  start_call (fn, &o, 6, 1, NULL);
  start_call (fn, &o, 7, 1, NULL);

  iterate_until (started_at_least, GINT_TO_POINTER (1), 10000);
  g_assert_cmpint (probe_n_started (), ==, 1);

  g_cancellable_cancel (queued);
  sa_test_wait_for_count (&o.n_done, 5);
  g_assert_cmpint (o.n_cancelled, ==, 5);
  /* Still held by the first call. */
  g_assert_cmpint (probe_n_started (), ==, 1);
  g_assert_cmpint (o.n_ok, ==, 0);

  g_cancellable_cancel (blocker);
  sa_test_wait_for_count (&o.n_done, 8);
  g_assert_cmpint (o.n_cancelled, ==, 6);
  g_assert_cmpint (o.n_ok, ==, 2);
  /* The cancelled ones never ran. */
  g_assert_cmpint (probe_n_started (), ==, 3);
  g_assert_cmpint (g_array_index (probe_order, int, 1), ==, 6);
  g_assert_cmpint (g_array_index (probe_order, int, 2), ==, 7);
  assert_each_once (&o, 8);
  outcomes_clear (&o);
}

static void
test_cancel_queued_pool (void)
{
  g_autoptr(SaPool) pool = sa_pool_new (1);

  check_cancel_queued (pool, 0);
}

static void
test_cancel_queued_limit (void)
{
  g_autoptr(SaPool) pool = sa_pool_new (4);

  check_cancel_queued (pool, 1);
}

/* A cancellable cancelled before the call is made never runs it. */
static void
test_cancelled_before_queued (void)
{
  g_autoptr(SaPool) pool = sa_pool_new (1);
  g_autoptr(SaFunction) fn = probe_function (pool, 1);
  g_autoptr(GCancellable) blocker = g_cancellable_new ();
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  Outcomes o;

  g_cancellable_cancel (cancelled);
  outcomes_init (&o, 3);
  start_call (fn, &o, 0, -1, blocker);
  start_call (fn, &o, 1, 1, cancelled);
  sa_test_wait_for_count (&o.n_done, 1);
  g_assert_cmpint (o.n_cancelled, ==, 1);
  g_cancellable_cancel (blocker);
  start_call (fn, &o, 2, 1, NULL);
  sa_test_wait_for_count (&o.n_done, 3);
  g_assert_cmpint (o.n_ok, ==, 1);
  assert_each_once (&o, 3);
  outcomes_clear (&o);
}

/* The limit on an async pair: calls beyond it start, in the caller's
 * context, as earlier ones complete. */
static GThread *test_thread;
static int pair_running;
static int pair_max_running;

static void
pair_delay_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  int value = sa_test_delay_finish (result, &error);

  pair_running--;
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, value);
  g_object_unref (task);
}

static void
counted_delay_async (int                  value,
                     int                  ms,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  /* Started on the caller's thread, in its context. */
  g_assert_true (g_thread_self () == test_thread);
  g_assert_null (g_main_context_get_thread_default ());
  pair_running++;
  pair_max_running = MAX (pair_max_running, pair_running);
  sa_test_delay_async (value, ms, cancellable, pair_delay_done, task);
}

static int
counted_delay_finish (GAsyncResult  *result,
                      GError       **error)
{
  return (int) g_task_propagate_int (G_TASK (result), error);
}

static void
test_limit_on_pair (void)
{
  g_autoptr(SaFunction) fn = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Outcomes o;

  fn = sa_function_new_async ("counted-delay", G_CALLBACK (counted_delay_async),
                              G_CALLBACK (counted_delay_finish), SA_FUNCTION_FLAGS_NONE,
                              G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
  sa_function_set_max_concurrency (fn, 2);
  g_assert_cmpint (sa_function_get_max_concurrency (fn), ==, 2);
  pair_running = pair_max_running = 0;

  outcomes_init (&o, 12);
  for (int i = 0; i < 10; i++)
    start_call (fn, &o, i, 3, NULL);
  /* Two more, cancelled while they wait. */
  start_call (fn, &o, 10, 3, cancellable);
  start_call (fn, &o, 11, 3, cancellable);
  g_cancellable_cancel (cancellable);
  sa_test_wait_for_count (&o.n_done, 12);

  g_assert_cmpint (o.n_ok, ==, 10);
  g_assert_cmpint (o.n_cancelled, ==, 2);
  g_assert_cmpint (pair_max_running, ==, 2);
  /* The completed ones in the order they were made; where the two
   * cancelled ones fall among them is the scheduler's business. */
  for (int i = 0, k = 0; i < 12; i++)
    if (g_array_index (o.finished, int, i) < 10)
      g_assert_cmpint (g_array_index (o.finished, int, i), ==, k++);
  assert_each_once (&o, 12);
  outcomes_clear (&o);
}

/* Raising the limit lets waiting calls go at once. */
static void
test_raise_limit (void)
{
  g_autoptr(SaPool) pool = sa_pool_new (8);
  g_autoptr(SaFunction) fn = probe_function (pool, 1);
  g_autoptr(GCancellable) blocker = g_cancellable_new ();
  Outcomes o;

  outcomes_init (&o, 5);
  start_call (fn, &o, 0, -1, blocker);
  for (int i = 1; i < 5; i++)
    start_call (fn, &o, i, 1, NULL);
  iterate_until (started_at_least, GINT_TO_POINTER (1), 10000);
  g_usleep (20000);
  g_assert_cmpint (probe_n_started (), ==, 1);

  sa_function_set_max_concurrency (fn, 0);
  sa_test_wait_for_count (&o.n_done, 4);
  g_assert_cmpint (o.n_ok, ==, 4);
  g_cancellable_cancel (blocker);
  sa_test_wait_for_count (&o.n_done, 5);
  assert_each_once (&o, 5);
  outcomes_clear (&o);
}

/* The caller drops the pool and the function with calls queued in both:
 * every call still runs and is delivered once. */
static void
test_drop_with_calls_queued (void)
{
  SaPool *pool = sa_pool_new (2);
  SaFunction *fn = probe_function (pool, 3);
  GWeakRef pool_ref;
  GWeakRef fn_ref;
  Outcomes o;

  g_weak_ref_init (&pool_ref, pool);
  g_weak_ref_init (&fn_ref, fn);
  outcomes_init (&o, 20);
  for (int i = 0; i < 20; i++)
    start_call (fn, &o, i, 2, NULL);
  g_object_unref (pool);
  g_object_unref (fn);

  sa_test_wait_for_count (&o.n_done, 20);
  g_assert_cmpint (o.n_ok, ==, 20);
  assert_each_once (&o, 20);

  /* The last references go with the calls' results. */
  for (int i = 0; i < 1000; i++)
    {
      GObject *p = g_weak_ref_get (&pool_ref);
      GObject *f = g_weak_ref_get (&fn_ref);
      gboolean gone = p == NULL && f == NULL;

      g_clear_object (&p);
      g_clear_object (&f);
      if (gone)
        break;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_null (g_weak_ref_get (&pool_ref));
  g_assert_null (g_weak_ref_get (&fn_ref));
  g_weak_ref_clear (&pool_ref);
  g_weak_ref_clear (&fn_ref);
  outcomes_clear (&o);
}

/* Dropping a pool whose calls are all cancelled while queued. */
static void
test_drop_with_cancelled_queued (void)
{
  SaPool *pool = sa_pool_new (1);
  SaFunction *fn = probe_function (pool, 0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Outcomes o;

  outcomes_init (&o, 10);
  start_call (fn, &o, 0, -1, cancellable);
  for (int i = 1; i < 10; i++)
    start_call (fn, &o, i, 1, cancellable);
  g_object_unref (pool);
  g_object_unref (fn);
  g_cancellable_cancel (cancellable);
  sa_test_wait_for_count (&o.n_done, 10);
  g_assert_cmpint (o.n_cancelled, ==, 10);
  assert_each_once (&o, 10);
  outcomes_clear (&o);
}

/* GIO keeps running while our pool is saturated */

static void
query_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gint64 *done_usec = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = g_file_query_info_finish (G_FILE (source), result, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  *done_usec = g_get_monotonic_time ();
}

static gboolean
nonzero (gpointer data)
{
  return *(gint64 *) data != 0;
}

static void
test_gio_runs_while_saturated (void)
{
  SaPool *pool = sa_pool_get_default ();
  g_autoptr(SaFunction) fn = probe_function (NULL, 0);
  g_autoptr(GCancellable) blocker = g_cancellable_new ();
  g_autoptr(GFile) file = sa_test_make_temp_file ("query me");
  guint n_blocked = 2 * sa_pool_get_max_threads (pool);
  gint64 start;
  gint64 done_usec = 0;
  Outcomes o;

  outcomes_init (&o, n_blocked);
  for (guint i = 0; i < n_blocked; i++)
    start_call (fn, &o, i, -1, blocker);
  iterate_until (started_at_least, GINT_TO_POINTER (sa_pool_get_max_threads (pool)), 10000);
  g_assert_cmpint (probe_n_started (), ==, sa_pool_get_max_threads (pool));
  g_assert_cmpuint (sa_pool_get_n_queued (pool), ==, n_blocked - sa_pool_get_max_threads (pool));

  start = g_get_monotonic_time ();
  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                           G_PRIORITY_DEFAULT, NULL, query_done, &done_usec);
  iterate_until (nonzero, &done_usec, 10000);

  /* Completed while every one of our calls was still blocked. */
  g_assert_cmpint (done_usec, !=, 0);
  g_assert_cmpint (o.n_done, ==, 0);
  g_test_message ("g_file_query_info_async took %.1f ms with the pool saturated",
                  (done_usec - start) / 1000.0);
  if (!sa_test_slow_machine ())
    g_assert_cmpint (done_usec - start, <, 1000 * 1000);

  g_cancellable_cancel (blocker);
  sa_test_wait_for_count (&o.n_done, n_blocked);
  g_assert_cmpint (o.n_cancelled, ==, n_blocked);
  assert_each_once (&o, n_blocked);
  outcomes_clear (&o);
  g_file_delete (file, NULL, NULL);
}

/* 500 calls, 25 of them blocked until cancelled: the other 475 take about
 * the time the threads left to them need, and GIO is not held up. */
static void
test_blocked_calls_do_not_hold_up_the_rest (void)
{
  const int n_calls = 500, n_blocked = 25, ms = 20, threads = 45;
  g_autoptr(SaPool) pool = sa_pool_new (threads);
  g_autoptr(SaFunction) fn = probe_function (pool, 0);
  g_autoptr(GCancellable) blocker = g_cancellable_new ();
  g_autoptr(GFile) file = sa_test_make_temp_file ("load me");
  gint64 start, gio_done = 0;
  double ideal_ms, took_ms;
  Outcomes o;

  outcomes_init (&o, n_calls);
  start = g_get_monotonic_time ();
  /* The blocked ones first: they hold their threads from the start. */
  for (int i = 0; i < n_calls; i++)
    start_call (fn, &o, i, i < n_blocked ? -1 : ms, i < n_blocked ? blocker : NULL);
  g_file_query_info_async (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                           G_PRIORITY_DEFAULT, NULL, query_done, &gio_done);
  sa_test_wait_for_count (&o.n_ok, n_calls - n_blocked);
  took_ms = (o.last_ok_usec - start) / 1000.0;

  /* The blocked ones hold 25 threads; the rest share the others. */
  ideal_ms = ceil ((n_calls - n_blocked) / (double) (threads - n_blocked)) * ms;
  g_test_message ("475 calls of 20 ms beside 25 blocked ones: %.0f ms (ideal %.0f ms, "
                  "ratio %.2f); GIO's query after %.1f ms",
                  took_ms, ideal_ms, took_ms / ideal_ms, (gio_done - start) / 1000.0);
  g_assert_cmpint (o.n_cancelled, ==, 0);
  g_assert_cmpint (gio_done, !=, 0);
  g_assert_cmpint (gio_done, <, o.last_ok_usec);
  if (!sa_test_slow_machine ())
    g_assert_cmpfloat (took_ms, <, 3 * ideal_ms);

  g_cancellable_cancel (blocker);
  sa_test_wait_for_count (&o.n_done, n_calls);
  g_assert_cmpint (o.n_cancelled, ==, n_blocked);
  assert_each_once (&o, n_calls);
  outcomes_clear (&o);
  g_file_delete (file, NULL, NULL);
}

/* Calls from several threads, each with a loop of its own, through one
 * limited function: the limit holds across them, and every call is
 * delivered once to its own thread. */
typedef struct
{
  SaFunction *fn;
  int         base;
} ThreadArgs;

static gpointer
caller_thread (gpointer data)
{
  ThreadArgs *args = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  Outcomes o;

  g_main_context_push_thread_default (context);
  outcomes_init (&o, 40);
  for (int i = 0; i < 10; i++)
    {
      Pending *pending = g_new (Pending, 1);

      pending->outcomes = &o;
      pending->id = i;
      /* The result is checked against the id: one per thread. */
      sa_function_call_async (args->fn, NULL, call_done, pending, i, 2);
    }
  sa_test_wait_for_count (&o.n_done, 10);
  g_assert_cmpint (o.n_ok, ==, 10);
  for (int i = 0; i < 10; i++)
    g_assert_cmpint (o.deliveries[i], ==, 1);
  outcomes_clear (&o);
  g_main_context_pop_thread_default (context);
  return NULL;
}

static void
test_limit_across_threads (void)
{
  g_autoptr(SaPool) pool = sa_pool_new (10);
  g_autoptr(SaFunction) fn = probe_function (pool, 3);
  GThread *threads[4];
  ThreadArgs args = { fn, 0 };

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("caller", caller_thread, &args);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (probe_max_running, <=, 3);
  g_assert_cmpint (probe_order->len, ==, 40);
}

/* Sync callers are not held by the pool: a direct call. */
static void
test_sync_caller_runs_directly (void)
{
  g_autoptr(SaPool) pool = sa_pool_new (1);
  g_autoptr(SaFunction) fn = probe_function (pool, 1);
  g_autoptr(GError) error = NULL;
  int value = 0;

  g_assert_true (sa_function_call_sync (fn, NULL, &error, 7, 1, &value));
  g_assert_no_error (error);
  g_assert_cmpint (value, ==, 7);
  g_assert_cmpuint (sa_pool_get_n_threads (pool), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  test_thread = g_thread_self ();

  g_test_add_func ("/pool/max-threads-bounds-the-calls-running", test_pool_bounds_threads);
  g_test_add_func ("/pool/default-pool-unless-told", test_default_pool);
  g_test_add_func ("/pool/one-thread-runs-calls-in-order", test_queue_order_pool);
  g_test_add_func ("/pool/cancelled-while-queued-ends-at-once-never-runs", test_cancel_queued_pool);
  g_test_add_func ("/pool/dropping-pool-and-function-with-calls-queued", test_drop_with_calls_queued);
  g_test_add_func ("/pool/dropping-pool-with-cancelled-calls-queued", test_drop_with_cancelled_queued);
  g_test_add_func ("/pool/gio-runs-while-the-pool-is-saturated", test_gio_runs_while_saturated);
  g_test_add_func ("/pool/25-blocked-of-500-do-not-hold-up-the-rest", test_blocked_calls_do_not_hold_up_the_rest);
  g_test_add_func ("/pool/sync-caller-runs-directly", test_sync_caller_runs_directly);
  g_test_add_func ("/max-concurrency/limit-holds", test_limit_holds);
  g_test_add_func ("/max-concurrency/calls-start-in-order", test_queue_order_limit);
  g_test_add_func ("/max-concurrency/cancelled-while-queued-ends-at-once-never-runs", test_cancel_queued_limit);
  g_test_add_func ("/max-concurrency/cancelled-before-the-call", test_cancelled_before_queued);
  g_test_add_func ("/max-concurrency/async-pair-waits-in-the-callers-context", test_limit_on_pair);
  g_test_add_func ("/max-concurrency/raising-the-limit-starts-waiting-calls", test_raise_limit);
  g_test_add_func ("/max-concurrency/limit-holds-across-caller-threads", test_limit_across_threads);

  return g_test_run ();
}
