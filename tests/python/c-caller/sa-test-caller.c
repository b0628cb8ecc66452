/* sa-test-caller.c: C code that calls an SaFunction, for the binding tests
 *
 * The bindings' tests hand a function implemented in their language to
 * these C functions, so that "C calls it in an async context" is what
 * really happens: a GMainLoop run here, a call started here from one of
 * its callbacks, the result finished here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sa-test-caller.h"

typedef struct
{
  SaFunction   *function;
  const GValue *args;
  guint         n_args;
  gboolean      smart;
  GMainLoop    *loop;
  gboolean      in_call;
  gboolean      done;
  gboolean      ok;
  GValue       *result;
  GError       *error;
  guint         ticks;
  gint64        last_event;   /* the call's start, then each tick */
  gint64        max_gap;
} LoopCall;

/* The longest stretch, in microseconds, during the last
 * sa_test_caller_call_from_loop() without its loop dispatching. */
static gint64 last_max_tick_gap = -1;

static void
loop_call_event (LoopCall *lc)
{
  gint64 now = g_get_monotonic_time ();

  if (lc->last_event != 0)
    lc->max_gap = MAX (lc->max_gap, now - lc->last_event);
  lc->last_event = now;
}

static void
loop_call_ready (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  LoopCall *lc = user_data;

  /* GIO's contract: never called back from inside the call. */
  if (lc->in_call)
    g_error ("%s: the callback ran inside the call", G_STRFUNC);

  loop_call_event (lc);
  lc->ok = sa_function_call_finish (lc->function, res, lc->result, &lc->error);
  lc->done = TRUE;
  g_main_loop_quit (lc->loop);
}

static gboolean
loop_call_start (gpointer user_data)
{
  LoopCall *lc = user_data;

  if (!sa_context_is_async ())
    g_error ("%s: a main-loop callback should be an async context", G_STRFUNC);

  loop_call_event (lc);
  lc->in_call = TRUE;
  if (lc->smart)
    g_object_unref (sa_function_callv (lc->function, lc->args, lc->n_args, NULL,
                                       loop_call_ready, lc));
  else
    sa_function_call_asyncv (lc->function, lc->args, lc->n_args, NULL,
                             loop_call_ready, lc);
  lc->in_call = FALSE;

  return G_SOURCE_REMOVE;
}

static gboolean
loop_call_tick (gpointer user_data)
{
  LoopCall *lc = user_data;

  lc->ticks++;
  if (lc->last_event != 0 && !lc->done)
    loop_call_event (lc);
  return G_SOURCE_CONTINUE;
}

/**
 * sa_test_caller_call_from_loop:
 * @function: the function to call
 * @args: (array length=n_args) (nullable): the arguments
 * @n_args: the number of arguments
 * @smart: use sa_function_callv() (the smart call) instead of
 *   sa_function_call_asyncv()
 * @result: (out caller-allocates): the call's result
 * @ticks: (out): how many times a 10 ms timer of the loop fired while the
 *   call was pending
 * @error: return location for the call's error
 *
 * Runs a #GMainLoop on the calling thread's thread-default main context and
 * calls @function from one of its callbacks, an async context, then waits,
 * with the loop running, for the call's callback.
 * sa_test_caller_last_max_tick_gap() then tells how long the loop went
 * without dispatching while the call was pending.
 *
 * Returns: %TRUE if the call succeeded
 */
gboolean
sa_test_caller_call_from_loop (SaFunction    *function,
                               const GValue  *args,
                               guint          n_args,
                               gboolean       smart,
                               GValue        *result,
                               guint         *ticks,
                               GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (context, FALSE);
  g_autoptr(GSource) idle = g_idle_source_new ();
  g_autoptr(GSource) tick = g_timeout_source_new (10);
  LoopCall lc = { 0 };

  g_return_val_if_fail (SA_IS_FUNCTION (function), FALSE);

  lc.function = function;
  lc.args = args;
  lc.n_args = n_args;
  lc.smart = smart;
  lc.loop = loop;
  lc.result = result;

  g_source_set_callback (idle, loop_call_start, &lc, NULL);
  g_source_attach (idle, context);
  g_source_set_callback (tick, loop_call_tick, &lc, NULL);
  g_source_attach (tick, context);

  g_main_loop_run (loop);

  g_source_destroy (tick);
  *ticks = lc.ticks;
  last_max_tick_gap = lc.max_gap;

  if (!lc.ok)
    {
      g_propagate_error (error, lc.error);
      return FALSE;
    }

  return TRUE;
}

/**
 * sa_test_caller_last_max_tick_gap:
 *
 * The longest interval, in microseconds, between consecutive events of the
 * last sa_test_caller_call_from_loop() (or its `_value` twin) while its call
 * was pending: the call's start, each tick of its 10 ms timer and the
 * call's callback. A call that stalls the loop for N ms makes it at least N
 * ms.
 *
 * Returns: the interval, or -1 before the first call
 */
gint64
sa_test_caller_last_max_tick_gap (void)
{
  return last_max_tick_gap;
}

typedef struct
{
  SaFunction   *function;
  const GValue *args;
  guint         n_args;
  GCancellable *cancellable;
  GValue        result;
  GError       *error;
  gboolean      ok;
  GMainContext *context;
  gint          done;
} ThreadCall;

static gpointer
thread_call_run (gpointer user_data)
{
  ThreadCall *tc = user_data;

  if (sa_context_is_async ())
    g_error ("%s: a fresh thread should be a sync context", G_STRFUNC);

  tc->ok = sa_function_call_syncv (tc->function, tc->args, tc->n_args,
                                   &tc->result, tc->cancellable, &tc->error);
  g_atomic_int_set (&tc->done, TRUE);
  g_main_context_wakeup (tc->context);

  return NULL;
}

/**
 * sa_test_caller_call_from_thread:
 * @function: the function to call
 * @args: (array length=n_args) (nullable): the arguments
 * @n_args: the number of arguments
 * @cancellable: (nullable): a #GCancellable for the call
 * @result: (out caller-allocates): the call's result
 * @error: return location for the call's error
 *
 * Calls @function with sa_function_call_syncv() from a new thread, a sync
 * context, while this thread iterates its thread-default main context (so
 * that an owner-thread function created here can run).
 *
 * Returns: %TRUE if the call succeeded
 */
gboolean
sa_test_caller_call_from_thread (SaFunction    *function,
                                 const GValue  *args,
                                 guint          n_args,
                                 GCancellable  *cancellable,
                                 GValue        *result,
                                 GError       **error)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  ThreadCall tc = { 0 };
  GThread *thread;

  g_return_val_if_fail (SA_IS_FUNCTION (function), FALSE);

  tc.function = function;
  tc.args = args;
  tc.n_args = n_args;
  tc.cancellable = cancellable;
  tc.context = context;

  thread = g_thread_new ("sa-test-caller", thread_call_run, &tc);
  while (!g_atomic_int_get (&tc.done))
    g_main_context_iteration (context, TRUE);
  g_thread_join (thread);

  *result = tc.result;
  if (!tc.ok)
    {
      g_propagate_error (error, tc.error);
      return FALSE;
    }

  return TRUE;
}

static GThread *slow_double_creator;
static gint slow_double_on_creator = -1;
static gint slow_double_runs;
static gint slow_double_in_flight;
static gint slow_double_most_in_flight;

static int
slow_double (int            value,
             int            msec,
             GCancellable  *cancellable,
             GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + msec * G_TIME_SPAN_MILLISECOND;

  int in_flight;
  int most;
  int result = value * 2;

  g_atomic_int_set (&slow_double_on_creator, g_thread_self () == slow_double_creator);
  g_atomic_int_inc (&slow_double_runs);
  in_flight = g_atomic_int_add (&slow_double_in_flight, 1) + 1;
  do
    most = g_atomic_int_get (&slow_double_most_in_flight);
  while (in_flight > most &&
         !g_atomic_int_compare_and_exchange (&slow_double_most_in_flight, most, in_flight));

  while (g_get_monotonic_time () < deadline)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          result = 0;
          break;
        }
      g_usleep (2 * G_TIME_SPAN_MILLISECOND);
    }

  g_atomic_int_add (&slow_double_in_flight, -1);
  return result;
}

/**
 * sa_test_caller_new_slow_double:
 *
 * A blocking C function, `int slow_double (int value, int msec,
 * GCancellable *, GError **)`, that sleeps @msec milliseconds (cancellably)
 * and returns twice @value: what a C library would hand a binding.
 *
 * Returns: (transfer full): the function
 */
SaFunction *
sa_test_caller_new_slow_double (void)
{
  slow_double_creator = g_thread_self ();

  return sa_function_new_sync ("slow_double", G_CALLBACK (slow_double),
                               SA_FUNCTION_FLAGS_CANCELLABLE | SA_FUNCTION_FLAGS_THROWS,
                               G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
}

/**
 * sa_test_caller_slow_double_ran_on_creator_thread:
 *
 * Returns: whether the last call of the function made by
 *   sa_test_caller_new_slow_double() ran on the thread that made it
 */
gboolean
sa_test_caller_slow_double_ran_on_creator_thread (void)
{
  return g_atomic_int_get (&slow_double_on_creator) == 1;
}

/**
 * sa_test_caller_slow_double_runs:
 *
 * Returns: how many times the functions made by
 *   sa_test_caller_new_slow_double() have started running
 */
guint
sa_test_caller_slow_double_runs (void)
{
  return (guint) g_atomic_int_get (&slow_double_runs);
}

/**
 * sa_test_caller_slow_double_most_in_flight:
 * @reset: whether to start counting anew after reading, once no run is in
 *   progress
 *
 * Returns: the most runs of the functions made by
 *   sa_test_caller_new_slow_double() that were in progress at once, since
 *   the last reset: 2 or more shows calls that overlapped, whatever the
 *   machine's load
 */
guint
sa_test_caller_slow_double_most_in_flight (gboolean reset)
{
  guint most = (guint) g_atomic_int_get (&slow_double_most_in_flight);

  /* Counting anew starts once the runs of earlier calls (a cancelled one
   * still ending, say) are over, so that only the next calls count. */
  if (reset)
    {
      gint64 give_up = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

      while (g_atomic_int_get (&slow_double_in_flight) > 0 &&
             g_get_monotonic_time () < give_up)
        g_usleep (G_TIME_SPAN_MILLISECOND);
      g_atomic_int_set (&slow_double_most_in_flight, 0);
    }
  return most;
}

/* The outcome of a call that filled @value: the value moved into a GValue
 * of its own, or NULL after a failure. */
static GValue *
value_of_call (gboolean  ok,
               GValue   *value)
{
  GValue *boxed;

  if (!ok)
    {
      if (G_IS_VALUE (value))
        g_value_unset (value);
      return NULL;
    }

  boxed = g_new0 (GValue, 1);
  *boxed = *value;
  return boxed;
}

/**
 * sa_test_caller_call_from_loop_value:
 * @function: the function to call
 * @args: (array length=n_args) (nullable): the arguments
 * @n_args: the number of arguments
 * @smart: as for sa_test_caller_call_from_loop()
 * @ticks: (out): as for sa_test_caller_call_from_loop()
 * @error: return location for the call's error
 *
 * sa_test_caller_call_from_loop() with the result returned in a GValue of
 * its own, for GJS, which leaks what it finds in a caller-allocated out
 * GValue (PyGObject leaks a returned one instead: Python uses the other).
 *
 * Returns: (transfer full) (nullable): the result, or %NULL with @error set
 */
GValue *
sa_test_caller_call_from_loop_value (SaFunction    *function,
                                     const GValue  *args,
                                     guint          n_args,
                                     gboolean       smart,
                                     guint         *ticks,
                                     GError       **error)
{
  GValue value = G_VALUE_INIT;

  return value_of_call (sa_test_caller_call_from_loop (function, args, n_args, smart,
                                                       &value, ticks, error),
                        &value);
}

/**
 * sa_test_caller_call_from_thread_value:
 * @function: the function to call
 * @args: (array length=n_args) (nullable): the arguments
 * @n_args: the number of arguments
 * @cancellable: (nullable): a #GCancellable for the call
 * @error: return location for the call's error
 *
 * sa_test_caller_call_from_thread() with the result returned in a GValue of
 * its own, for GJS (see sa_test_caller_call_from_loop_value()).
 *
 * Returns: (transfer full) (nullable): the result, or %NULL with @error set
 */
GValue *
sa_test_caller_call_from_thread_value (SaFunction    *function,
                                       const GValue  *args,
                                       guint          n_args,
                                       GCancellable  *cancellable,
                                       GError       **error)
{
  GValue value = G_VALUE_INIT;

  return value_of_call (sa_test_caller_call_from_thread (function, args, n_args,
                                                         cancellable, &value, error),
                        &value);
}

/**
 * sa_test_caller_add:
 * @a: a number
 * @b: another
 *
 * The plain C function that sa_test_caller_new_add() wraps, for a direct
 * introspected call to compare with.
 *
 * Returns: @a + @b
 */
int
sa_test_caller_add (int a,
                    int b)
{
  return a + b;
}

/**
 * sa_test_caller_new_add:
 *
 * A cheap blocking C function, `int add (int a, int b)`, as a function:
 * what the benchmarks call through the smart call.
 *
 * Returns: (transfer full): the function
 */
SaFunction *
sa_test_caller_new_add (void)
{
  return sa_function_new_sync ("add", G_CALLBACK (sa_test_caller_add), SA_FUNCTION_FLAGS_NONE,
                               G_TYPE_INT, 2, G_TYPE_INT, G_TYPE_INT);
}
