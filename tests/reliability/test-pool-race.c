/* test-pool-race.c: pools, max-concurrency and gathers under races
 *
 * Cancellations land while a call waits in a queue, as a thread takes it,
 * while it runs and as it completes; pools and functions are dropped with
 * calls in every state. Each call must be delivered exactly once, what it
 * was given released, and the limit must hold throughout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "reliability-common.h"

static int running;
static int max_running;

static int
spin_add (RelToken      *token,
          int            usec,
          GCancellable  *cancellable,
          GError       **error)
{
  int now = g_atomic_int_add (&running, 1) + 1;
  int seen;

  while ((seen = g_atomic_int_get (&max_running)) < now &&
         !g_atomic_int_compare_and_exchange (&max_running, seen, now))
    ;
  rel_spin ((guint) usec, NULL);
  g_atomic_int_add (&running, -1);

  return g_cancellable_set_error_if_cancelled (cancellable, error) ? -1 : usec;
}

static SaFunction *
spin_function (SaPool *pool,
               int     max_concurrency)
{
  SaFunction *fn = sa_function_new_sync ("spin-add", G_CALLBACK (spin_add),
                                         SA_FUNCTION_FLAGS_CANCELLABLE | SA_FUNCTION_FLAGS_THROWS,
                                         G_TYPE_INT, 2, REL_TYPE_TOKEN, G_TYPE_INT);

  sa_function_set_pool (fn, pool);
  sa_function_set_max_concurrency (fn, max_concurrency);
  g_atomic_int_set (&running, 0);
  g_atomic_int_set (&max_running, 0);
  return fn;
}

typedef struct
{
  int  n_done;
  int  n_ok;
  int  n_cancelled;
  int *deliveries;
} Tally;

typedef struct
{
  Tally *tally;
  int    id;
} Pending;

static void
delivered (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;

  if (sa_function_call_finish (SA_FUNCTION (source), result, NULL, &error))
    pending->tally->n_ok++;
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      pending->tally->n_cancelled++;
    }
  pending->tally->deliveries[pending->id]++;
  pending->tally->n_done++;
  g_free (pending);
}

typedef struct
{
  GAsyncQueue *queue;   /* cancellables to cancel, each after a spin */
  guint32      seed;
} Canceller;

static gpointer
canceller_thread (gpointer data)
{
  Canceller *canceller = data;
  GCancellable *cancellable;

  while ((cancellable = g_async_queue_pop (canceller->queue)) != (gpointer) canceller)
    {
      rel_spin (rel_random (&canceller->seed) % 200, NULL);
      g_cancellable_cancel (cancellable);
      g_object_unref (cancellable);
    }

  return NULL;
}

/* Calls cancelled at random points of their lives: queued for a slot,
 * queued for a thread, being taken, running, completing. */
static void
check_cancel_anywhere (guint threads,
                       int   max_concurrency)
{
  g_autoptr(SaPool) pool = sa_pool_new (threads);
  g_autoptr(SaFunction) fn = spin_function (pool, max_concurrency);
  guint n = rel_scaled (4000);
  Canceller canceller = { g_async_queue_new (), g_test_rand_int () };
  GThread *thread = g_thread_new ("canceller", canceller_thread, &canceller);
  Tally tally = { 0 };

  rel_watchdog_start (rel_time_bound (60000));
  tally.deliveries = g_new0 (int, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(RelToken) token = rel_token_new ();
      GCancellable *cancellable = g_cancellable_new ();
      Pending *pending = g_new (Pending, 1);

      pending->tally = &tally;
      pending->id = i;
      sa_function_call_async (fn, cancellable, delivered, pending, token, (int) (i % 50));
      g_async_queue_push (canceller.queue, cancellable);
      /* Let the queues fill, then drain a little. */
      if (i % 64 == 63)
        while (g_main_context_iteration (NULL, FALSE))
          ;
    }
  g_async_queue_push (canceller.queue, &canceller);
  g_thread_join (thread);
  g_async_queue_unref (canceller.queue);

  while (tally.n_done < (int) n)
    g_main_context_iteration (NULL, TRUE);

  g_test_message ("%u calls: %d completed, %d cancelled; at most %d at once",
                  n, tally.n_ok, tally.n_cancelled, g_atomic_int_get (&max_running));
  g_assert_cmpint (tally.n_ok + tally.n_cancelled, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (tally.deliveries[i], ==, 1);
  g_assert_cmpint (g_atomic_int_get (&max_running), <=,
                   max_concurrency > 0 ? MIN ((guint) max_concurrency, threads) : threads);
  g_assert_true (rel_wait_for_tokens (0, rel_time_bound (10000)));
  g_free (tally.deliveries);
  rel_watchdog_stop ();
}

static void
test_cancel_anywhere_pool (void)
{
  check_cancel_anywhere (3, 0);
}

static void
test_cancel_anywhere_limit (void)
{
  check_cancel_anywhere (4, 2);
}

/* Pools and functions dropped at once with calls queued, some cancelled. */
static void
test_drop_with_calls_in_flight (void)
{
  guint rounds = rel_scaled (300);
  Tally tally = { 0 };

  rel_watchdog_start (rel_time_bound (60000));
  tally.deliveries = g_new0 (int, rounds * 6);
  for (guint r = 0; r < rounds; r++)
    {
      SaPool *pool = sa_pool_new (1 + r % 3);
      SaFunction *fn = spin_function (pool, r % 3);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();

      for (int i = 0; i < 6; i++)
        {
          g_autoptr(RelToken) token = rel_token_new ();
          Pending *pending = g_new (Pending, 1);

          pending->tally = &tally;
          pending->id = r * 6 + i;
          sa_function_call_async (fn, i % 2 ? cancellable : NULL, delivered, pending,
                                  token, 20 * i);
        }
      g_object_unref (pool);
      g_object_unref (fn);
      if (r % 2)
        g_cancellable_cancel (cancellable);
    }
  while (tally.n_done < (int) rounds * 6)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < rounds * 6; i++)
    g_assert_cmpint (tally.deliveries[i], ==, 1);
  g_assert_true (rel_wait_for_tokens (0, rel_time_bound (10000)));
  g_free (tally.deliveries);
  rel_watchdog_stop ();
}

/* Gathers from sync code on several threads, cancelled at random points. */
static SaFunction *shared_pair;
static SaFunction *shared_spin;

static gpointer
gather_thread (gpointer data)
{
  guint32 seed = GPOINTER_TO_UINT (data);
  guint rounds = rel_scaled (300);

  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr(SaGather) gather = sa_gather_new (r % 3 == 0 ? SA_GATHER_FLAGS_NONE :
                                                  r % 3 == 1 ? SA_GATHER_FLAGS_CANCEL_ON_ERROR :
                                                  SA_GATHER_FLAGS_FIRST_COMPLETED);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GError) error = NULL;
      Canceller canceller = { g_async_queue_new (), seed + r };
      GThread *thread = g_thread_new ("canceller", canceller_thread, &canceller);
      gboolean ok;

      for (int i = 0; i < 4; i++)
        {
          g_autoptr(RelToken) token = rel_token_new ();

          if (i % 2)
            sa_gather_add (gather, shared_pair, i, 1);
          else
            sa_gather_add (gather, shared_spin, token, (int) (rel_random (&seed) % 300));
        }
      g_async_queue_push (canceller.queue, g_object_ref (cancellable));
      g_async_queue_push (canceller.queue, &canceller);

      ok = sa_gather_run_sync (gather, cancellable, &error);
      g_thread_join (thread);
      g_async_queue_unref (canceller.queue);

      g_assert_true (ok || error != NULL);
      for (guint i = 0; i < 4; i++)
        {
          g_autoptr(GError) own = NULL;

          if (!sa_gather_get_outcome (gather, i, NULL, &own))
            g_assert_error (own, G_IO_ERROR, G_IO_ERROR_CANCELLED);
        }
      g_assert_cmpint (sa_gather_get_first (gather), >=, 0);
    }

  return NULL;
}

static void
test_gathers_cancelled_anywhere (void)
{
  GThread *threads[3];

  rel_watchdog_start (rel_time_bound (90000));
  shared_pair = sa_function_new_async ("add", G_CALLBACK (rel_add_async),
                                       G_CALLBACK (rel_add_finish), SA_FUNCTION_FLAGS_NONE,
                                       G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
  shared_spin = spin_function (NULL, 0);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("gather", gather_thread, GUINT_TO_POINTER (g_test_rand_int () + i));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  g_clear_object (&shared_pair);
  g_clear_object (&shared_spin);
  g_assert_true (rel_wait_for_tokens (0, rel_time_bound (10000)));
  rel_watchdog_stop ();
}

/* The pool property changed over and over while calls are made. */
static gpointer
pool_switcher (gpointer data)
{
  SaFunction *fn = data;

  for (guint i = 0; i < rel_scaled (2000); i++)
    {
      g_autoptr(SaPool) pool = sa_pool_new (1 + i % 3);

      sa_function_set_pool (fn, i % 5 == 0 ? NULL : pool);
    }
  return NULL;
}

static void
test_pool_changed_while_calls_are_made (void)
{
  g_autoptr(SaFunction) fn = spin_function (NULL, 0);
  guint n = rel_scaled (2000);
  Tally tally = { 0 };
  GThread *thread;

  rel_watchdog_start (rel_time_bound (60000));
  tally.deliveries = g_new0 (int, n);
  thread = g_thread_new ("switcher", pool_switcher, fn);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(RelToken) token = rel_token_new ();
      Pending *pending = g_new (Pending, 1);

      pending->tally = &tally;
      pending->id = i;
      sa_function_call_async (fn, NULL, delivered, pending, token, 0);
    }
  g_thread_join (thread);
  while (tally.n_done < (int) n)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpint (tally.n_ok, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (tally.deliveries[i], ==, 1);
  g_assert_true (rel_wait_for_tokens (0, rel_time_bound (10000)));
  g_free (tally.deliveries);
  rel_watchdog_stop ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reliability/pool-race/cancelled-anywhere-in-a-pool-delivered-once",
                   test_cancel_anywhere_pool);
  g_test_add_func ("/reliability/pool-race/cancelled-anywhere-under-a-limit-delivered-once",
                   test_cancel_anywhere_limit);
  g_test_add_func ("/reliability/pool-race/pool-and-function-dropped-with-calls-in-flight",
                   test_drop_with_calls_in_flight);
  g_test_add_func ("/reliability/pool-race/pool-changed-while-calls-are-made",
                   test_pool_changed_while_calls_are_made);
  g_test_add_func ("/reliability/pool-race/gathers-on-threads-cancelled-anywhere",
                   test_gathers_cancelled_anywhere);

  return g_test_run ();
}
