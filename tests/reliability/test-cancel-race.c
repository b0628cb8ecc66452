/* test-cancel-race.c: cancellation at random points, on every path
 *
 * 10,000 calls per path (scaled down under valgrind), each cancelled at a
 * point picked at random: before the call, from another thread a few
 * microseconds in, from the caller's own context right after starting, by
 * the callable itself on its own thread right before it returns its value,
 * from another thread just as the callable completes (racing the delivery
 * of the value), after completion, or never. Every callback runs exactly
 * once, on the caller's thread, with either the value or
 * G_IO_ERROR_CANCELLED; a call cancelled before it starts never runs the
 * callable; nothing leaks (each call carries an argument object that must
 * be finalised; valgrind and ASan do the rest). Over the paths that
 * deliver through a GTask, the cancellation racing completion must have
 * produced both outcomes: its window is really hit.
 *
 * Half the calls go to C callables (libffi), half to the GValue-shaped
 * callables bindings implement.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <smartasync-glib.h>

#include "reliability-common.h"

#if defined (__SANITIZE_ADDRESS__)
# include <sanitizer/lsan_interface.h>
# define LSAN_IGNORE_BEGIN() __lsan_disable ()
# define LSAN_IGNORE_END() __lsan_enable ()
#else
# define LSAN_IGNORE_BEGIN()
# define LSAN_IGNORE_END()
#endif

#define FULL_CALLS 10000
#define WINDOW 64
#define SYNC_THREADS 2

typedef enum
{
  CANCEL_BEFORE,      /* cancelled before the call */
  CANCEL_FROM_THREAD, /* by another thread, 0-150 us after the start */
  CANCEL_FROM_CALLER, /* from the caller's context, on its next iteration */
  CANCEL_BY_CALLABLE, /* by the callable on its own thread, right before it
                       * returns its value: no race, one outcome per path */
  CANCEL_AS_IT_COMPLETES, /* by another thread, released by the callable
                           * right before it returns its value, 0-65535
                           * spin iterations later: races the delivery */
  CANCEL_AFTER,       /* after the result was delivered */
  CANCEL_NEVER,
  N_CANCEL_POINTS
} CancelPoint;

static const char * const cancel_point_names[N_CANCEL_POINTS] = {
  "before", "from-thread", "from-caller", "by-callable", "as-it-completes",
  "after", "never",
};

typedef enum
{
  OUTCOME_NONE,
  OUTCOME_VALUE,
  OUTCOME_CANCELLED,
} Outcome;

typedef struct
{
  int         callbacks;  /* atomic */
  int         runs;       /* atomic: times the callable started */
  int         released;   /* atomic, CANCEL_AS_IT_COMPLETES: 1 when the
                           * callable released the canceller, 2 when the
                           * caller had to */
  int         outcome;
  CancelPoint point;
} Record;

/* The records of the running test, indexed by call id. */
static Record *records;

/* What the callable does right before it returns its value. */
typedef enum
{
  CALLABLE_RETURNS,
  CALLABLE_CANCELS,  /* CANCEL_BY_CALLABLE */
  CALLABLE_RELEASES, /* CANCEL_AS_IT_COMPLETES */
} CallableAction;

/* What a callable does is encoded in its int argument:
 * id << 9 | spin (0-127 us) << 2 | action. It returns twice the
 * argument. */
static int
encode (guint       id,
        guint       spin_usec,
        CancelPoint point)
{
  CallableAction action = point == CANCEL_BY_CALLABLE ? CALLABLE_CANCELS :
                          point == CANCEL_AS_IT_COMPLETES ? CALLABLE_RELEASES :
                          CALLABLE_RETURNS;

  return (int) (id << 9 | (spin_usec & 0x7f) << 2 | action);
}

static guint
plan_id (int value)
{
  return (guint) value >> 9;
}

static guint
plan_spin (int value)
{
  return ((guint) value >> 2) & 0x7f;
}

static CallableAction
plan_action (int value)
{
  return value & 3;
}

/* Called by every callable right before it returns its value or completes
 * its task, on the thread it runs on. */
static void
race_completing (int           value,
                 GCancellable *cancellable)
{
  switch (plan_action (value))
    {
    case CALLABLE_RETURNS:
      break;
    case CALLABLE_CANCELS:
      g_cancellable_cancel (cancellable);
      break;
    case CALLABLE_RELEASES:
      /* The completion canceller, spinning on another thread, cancels the
       * caller's cancellable a few spin iterations from now. */
      g_assert_true (g_atomic_int_compare_and_exchange (&records[plan_id (value)].released,
                                                        0, 1));
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Blocking callables. */

static gboolean
race_work (int            value,
           GCancellable  *cancellable,
           int           *out,
           GError       **error)
{
  g_atomic_int_inc (&records[plan_id (value)].runs);

  /* Cancellation arriving while it works is noticed at once. */
  rel_spin (plan_spin (value), cancellable);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  *out = value * 2;
  race_completing (value, cancellable);
  return TRUE;
}

static int
race_blocking (RelToken      *token,
               int            value,
               GCancellable  *cancellable,
               GError       **error)
{
  int out = -1;

  g_assert_true (REL_IS_TOKEN (token));
  race_work (value, cancellable, &out, error);
  return out;
}

static gboolean
race_value_sync (GValue        *args,
                 guint          n_args,
                 GValue        *result,
                 GCancellable  *cancellable,
                 gpointer       user_data,
                 GError       **error)
{
  int out;

  g_assert_cmpuint (n_args, ==, 2);
  g_assert_true (REL_IS_TOKEN (g_value_get_object (&args[0])));
  if (!race_work (g_value_get_int (&args[1]), cancellable, &out, error))
    return FALSE;
  g_value_set_int (result, out);
  return TRUE;
}

/* Async pairs: two implementations, picked by the call id. One completes
 * from a worker thread (half of those with GTask's return-on-cancel, which
 * returns early and drops the thread's later result); the other from a
 * timer in the caller's thread-default context, racing a cancellable
 * source there. */

static void
race_thread_func (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  int value = GPOINTER_TO_INT (task_data);
  g_autoptr(GError) error = NULL;
  int out;

  if (race_work (value, cancellable, &out, &error))
    g_task_return_int (task, out);
  /* Not g_task_return_error(): when return-on-cancel already returned the
   * task (cancelled before the thread started), GLib 2.74 has stored its
   * own CANCELLED error, which g_task_return_error() overwrites and leaks;
   * g_task_return_error_if_cancelled() replaces it. */
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_error (task, g_steal_pointer (&error));
}

typedef struct
{
  GSource *timer;
  GSource *cancelled;
  int      value;
} ContextRace;

static void
context_race_free (ContextRace *race)
{
  g_clear_pointer (&race->timer, g_source_unref);
  g_clear_pointer (&race->cancelled, g_source_unref);
  g_free (race);
}

static void
context_race_stop (GTask *task)
{
  ContextRace *race = g_task_get_task_data (task);

  /* Each source holds the task; destroying both breaks the cycle. */
  g_source_destroy (race->timer);
  if (race->cancelled != NULL)
    g_source_destroy (race->cancelled);
}

static gboolean
context_race_timer (gpointer data)
{
  GTask *task = data;
  ContextRace *race = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_atomic_int_inc (&records[plan_id (race->value)].runs);
  race_completing (race->value, cancellable);
  g_task_return_int (task, race->value * 2);
  context_race_stop (task);
  return G_SOURCE_REMOVE;
}

static gboolean
context_race_cancelled (GCancellable *cancellable,
                        gpointer      data)
{
  GTask *task = data;

  g_task_return_error_if_cancelled (task);
  context_race_stop (task);
  return G_SOURCE_REMOVE;
}

static void
race_pair_start (int                  value,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  guint id = plan_id (value);

  g_task_set_source_tag (task, race_pair_start);

  if (id % 4 < 2)
    {
      g_task_set_task_data (task, GINT_TO_POINTER (value), NULL);
      g_task_set_return_on_cancel (task, id % 4 == 1);
      g_task_run_in_thread (task, race_thread_func);
    }
  else
    {
      GMainContext *context = g_main_context_get_thread_default ();
      ContextRace *race = g_new0 (ContextRace, 1);

      race->value = value;
      g_task_set_task_data (task, race, (GDestroyNotify) context_race_free);

      race->timer = g_timeout_source_new (0);
      g_source_set_ready_time (race->timer, rel_now () + plan_spin (value));
      g_source_set_callback (race->timer, context_race_timer, g_object_ref (task),
                             g_object_unref);
      g_source_attach (race->timer, context);

      if (cancellable != NULL)
        {
          /* GIO's streams and sockets wait this way. GLib 2.74 leaks such a
           * source when its last reference goes while another thread is
           * cancelling (cancellable_source_dispose() resurrects it for a
           * handler it then disconnects): not ours to report. */
          LSAN_IGNORE_BEGIN ();
          race->cancelled = g_cancellable_source_new (cancellable);
          LSAN_IGNORE_END ();
          g_source_set_callback (race->cancelled, G_SOURCE_FUNC (context_race_cancelled),
                                 g_object_ref (task), g_object_unref);
          g_source_attach (race->cancelled, context);
        }
    }
}

static int
race_pair_finish (GAsyncResult  *result,
                  GError       **error)
{
  g_assert_true (g_async_result_is_tagged (result, race_pair_start));
  return (int) g_task_propagate_int (G_TASK (result), error);
}

static void
race_async (RelToken            *token,
            int                  value,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_assert_true (REL_IS_TOKEN (token));
  race_pair_start (value, cancellable, callback, user_data);
}

/* The binding shape: the library hands over a GTask to complete. */
static void
value_async_inner_done (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) outer = user_data;
  g_autoptr(GError) error = NULL;
  int out;

  out = race_pair_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (outer, g_steal_pointer (&error));
    }
  else
    {
      g_auto(GValue) value = G_VALUE_INIT;

      g_value_init (&value, G_TYPE_INT);
      g_value_set_int (&value, out);
      g_task_return_value (outer, &value);
    }
}

static void
race_value_async (GValue       *args,
                  guint         n_args,
                  GCancellable *cancellable,
                  GTask        *task,
                  gpointer      user_data)
{
  g_assert_true (REL_IS_TOKEN (g_value_get_object (&args[0])));
  race_pair_start (g_value_get_int (&args[1]), cancellable, value_async_inner_done,
                   g_object_ref (task));
}

/* The canceller thread */

typedef struct
{
  GCancellable *cancellable;
  guint         delay_usec;
} CancelRequest;

static GAsyncQueue *cancel_requests;

static gpointer
canceller_thread (gpointer data)
{
  for (;;)
    {
      CancelRequest *request = g_async_queue_pop (cancel_requests);

      if (request->cancellable == NULL)
        {
          g_free (request);
          return NULL;
        }
      rel_spin (request->delay_usec, NULL);
      g_cancellable_cancel (request->cancellable);
      g_object_unref (request->cancellable);
      g_free (request);
    }
}

static void
request_cancel (GCancellable *cancellable,
                guint         delay_usec)
{
  CancelRequest *request = g_new0 (CancelRequest, 1);

  request->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  request->delay_usec = delay_usec;
  g_async_queue_push (cancel_requests, request);
}

/* The completion canceller: one thread for the whole test that spins
 * (rather than sleeps) while any call is armed, so that it reacts within
 * a fraction of a microsecond when a callable releases it, waits a random
 * 0-65535 spin iterations (log-uniform: nanoseconds to tens of
 * microseconds) and cancels while the library delivers the value. It
 * blocks only while nothing is armed. */

typedef struct
{
  GCancellable *cancellable; /* NULL: stop */
  guint         id;
  guint         delay;       /* spin iterations after the release */
} CompletionCancel;

static GAsyncQueue *completion_requests;

static void
spin_iterations (guint n)
{
  for (volatile guint i = 0; i < n; i++)
    ;
}

static gpointer
completion_canceller_thread (gpointer data)
{
  g_autoptr(GPtrArray) armed = g_ptr_array_new ();
  gboolean valgrind = rel_running_on_valgrind ();
  gboolean stopping = FALSE;

  while (!stopping || armed->len > 0)
    {
      CompletionCancel *request;

      request = armed->len == 0 ? g_async_queue_pop (completion_requests)
                                : g_async_queue_try_pop (completion_requests);
      if (request != NULL && request->cancellable == NULL)
        {
          stopping = TRUE;
          g_free (request);
        }
      else if (request != NULL)
        {
          g_ptr_array_add (armed, request);
        }

      for (guint i = 0; i < armed->len;)
        {
          CompletionCancel *armed_request = armed->pdata[i];

          if (!g_atomic_int_get (&records[armed_request->id].released))
            {
              i++;
              continue;
            }
          spin_iterations (armed_request->delay);
          g_cancellable_cancel (armed_request->cancellable);
          g_object_unref (armed_request->cancellable);
          g_free (armed_request);
          g_ptr_array_remove_index_fast (armed, i);
        }

      /* Valgrind runs one thread at a time: spinning there only takes
       * turns from the threads it waits for. */
      if (valgrind && armed->len > 0)
        g_thread_yield ();
    }

  return NULL;
}

static void
arm_completion_cancel (GCancellable *cancellable,
                       guint         id,
                       guint32      *rng)
{
  CompletionCancel *request = g_new0 (CompletionCancel, 1);
  guint32 random = rel_random (rng);

  request->cancellable = g_object_ref (cancellable);
  request->id = id;
  request->delay = (random >> 4) & ((1u << (random & 0xf)) * 2 - 1);
  g_async_queue_push (completion_requests, request);
}

/* After the callback: a call whose callable never released the canceller
 * must not keep it spinning (the final checks then report it). */
static void
disarm_completion_cancel (guint id)
{
  g_atomic_int_compare_and_exchange (&records[id].released, 0, 2);
}

static void
stop_completion_canceller (GThread *thread)
{
  g_async_queue_push (completion_requests, g_new0 (CompletionCancel, 1));
  g_thread_join (thread);
  g_clear_pointer (&completion_requests, g_async_queue_unref);
}

/* A race: which functions, how many calls. */

typedef enum
{
  PATH_DIRECT,
  PATH_PRIVATE_CONTEXT,
  PATH_WORKER_THREAD,
  PATH_ASYNC_PAIR,
  PATH_OWNER_THREAD_ASYNC,
  PATH_OWNER_THREAD_SYNC,
  N_PATHS
} RacePath;

typedef struct
{
  RacePath     path;
  SaFunction  *native;
  SaFunction  *value;
  guint        n_calls;
  guint32      seed;
} Race;

static SaFunction *
race_function (Race  *race,
               guint  id)
{
  return id % 2 ? race->value : race->native;
}

static void
race_start_record (Race        *race,
                   guint        id,
                   CancelPoint  point)
{
  records[id].point = point;
}

static gboolean
race_is_async (RacePath path)
{
  return path == PATH_WORKER_THREAD || path == PATH_ASYNC_PAIR ||
         path == PATH_OWNER_THREAD_ASYNC;
}

/* Checks one delivered result and records it. */
static void
record_outcome (SaFunction   *fn,
                guint         id,
                int           value,
                GAsyncResult *result,
                gboolean      ok,
                int           out,
                GError       *error)
{
  Record *record = &records[id];

  if (ok)
    {
      g_assert_no_error (error);
      g_assert_cmpint (out, ==, value * 2);
      record->outcome = OUTCOME_VALUE;
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      record->outcome = OUTCOME_CANCELLED;
    }
}

/* Async callers: the main thread's loop keeps WINDOW calls in flight. */

typedef struct
{
  Race      *race;
  GMainLoop *loop;
  guint      next;
  guint      in_flight;
  guint      completed;
  guint32    rng;
} AsyncDriver;

typedef struct
{
  AsyncDriver  *driver;
  guint         id;
  int           value;
  GCancellable *cancellable;
} AsyncCall;

static void async_start_more (AsyncDriver *driver);

static void
async_call_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AsyncCall *call = user_data;
  AsyncDriver *driver = call->driver;
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  /* On the caller's thread, in its context. */
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  g_assert_cmpint (g_atomic_int_add (&records[call->id].callbacks, 1), ==, 0);

  ok = sa_function_call_finish (SA_FUNCTION (source), result, &value, &error);
  g_assert_true (G_VALUE_HOLDS_INT (&value));
  record_outcome (SA_FUNCTION (source), call->id, call->value, result, ok,
                  g_value_get_int (&value), error);

  if (records[call->id].point == CANCEL_AFTER)
    g_cancellable_cancel (call->cancellable);
  else if (records[call->id].point == CANCEL_AS_IT_COMPLETES)
    disarm_completion_cancel (call->id);

  g_object_unref (call->cancellable);
  g_free (call);

  driver->in_flight--;
  driver->completed++;
  async_start_more (driver);
  if (driver->completed == driver->race->n_calls)
    g_main_loop_quit (driver->loop);
}

static gboolean
cancel_in_idle (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
async_start_one (AsyncDriver *driver,
                 guint        id)
{
  Race *race = driver->race;
  SaFunction *fn = race_function (race, id);
  CancelPoint point = rel_random (&driver->rng) % N_CANCEL_POINTS;
  g_autoptr(RelToken) token = rel_token_new ();
  AsyncCall *call = g_new0 (AsyncCall, 1);

  race_start_record (race, id, point);
  call->driver = driver;
  call->id = id;
  call->value = encode (id, rel_random (&driver->rng) % 128, point);
  call->cancellable = g_cancellable_new ();

  if (point == CANCEL_BEFORE)
    g_cancellable_cancel (call->cancellable);
  else if (point == CANCEL_FROM_THREAD)
    request_cancel (call->cancellable, rel_random (&driver->rng) % 150);
  else if (point == CANCEL_FROM_CALLER)
    g_idle_add_full (G_PRIORITY_DEFAULT, cancel_in_idle, g_object_ref (call->cancellable),
                     g_object_unref);
  else if (point == CANCEL_AS_IT_COMPLETES)
    arm_completion_cancel (call->cancellable, id, &driver->rng);

  driver->in_flight++;

  /* Every async entry point in turn; we are in a dispatch of the main
   * thread's loop, so the smart call takes an async path. */
  switch (id % 3)
    {
    case 0:
      sa_function_call_async (fn, call->cancellable, async_call_done, call,
                              token, call->value);
      break;
    case 1:
      {
        GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };

        g_value_init (&args[0], REL_TYPE_TOKEN);
        g_value_set_object (&args[0], token);
        g_value_init (&args[1], G_TYPE_INT);
        g_value_set_int (&args[1], call->value);
        sa_function_call_asyncv (fn, args, 2, call->cancellable, async_call_done, call);
        g_value_unset (&args[0]);
        g_value_unset (&args[1]);
      }
      break;
    case 2:
      {
        g_autoptr(GAsyncResult) result = NULL;

        g_assert_true (sa_context_is_async ());
        result = sa_function_call (fn, call->cancellable, async_call_done, call,
                                   token, call->value);
        g_assert_true (G_IS_TASK (result));
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
async_start_more (AsyncDriver *driver)
{
  while (driver->in_flight < WINDOW && driver->next < driver->race->n_calls)
    async_start_one (driver, driver->next++);
}

static gboolean
async_kick_off (gpointer data)
{
  async_start_more (data);
  return G_SOURCE_REMOVE;
}

static void
run_async_race (Race *race)
{
  AsyncDriver driver = { race, g_main_loop_new (NULL, FALSE), 0, 0, 0, race->seed };

  g_idle_add (async_kick_off, &driver);
  g_main_loop_run (driver.loop);
  g_main_loop_unref (driver.loop);
  g_assert_cmpuint (driver.completed, ==, race->n_calls);
}

/* Sync callers: SYNC_THREADS threads, each with its share of the calls,
 * while the main thread runs its loop (the owner thread's). */

typedef struct
{
  Race    *race;
  guint    first;
  guint    last;
  guint32  rng;
  int      done;
} SyncWorker;

static void
smart_call_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  /* In a sync context the callback runs before the smart call returns. */
  g_assert_null (*out);
  *out = g_object_ref (result);
}

static void
sync_call_one (SyncWorker *worker,
               guint       id)
{
  Race *race = worker->race;
  SaFunction *fn = race_function (race, id);
  CancelPoint point = rel_random (&worker->rng) % N_CANCEL_POINTS;
  g_autoptr(RelToken) token = rel_token_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  int value;
  int out = -1;
  gboolean ok;

  race_start_record (race, id, point);
  value = encode (id, rel_random (&worker->rng) % 128, point);

  if (point == CANCEL_BEFORE)
    g_cancellable_cancel (cancellable);
  else if (point == CANCEL_FROM_THREAD || point == CANCEL_FROM_CALLER)
    request_cancel (cancellable, point == CANCEL_FROM_THREAD ? rel_random (&worker->rng) % 150 : 0);
  else if (point == CANCEL_AS_IT_COMPLETES)
    arm_completion_cancel (cancellable, id, &worker->rng);

  switch (id % 3)
    {
    case 0:
      ok = sa_function_call_sync (fn, cancellable, &error, token, value, &out);
      if (!ok)
        g_assert_cmpint (out, ==, 0);
      break;
    case 1:
      {
        GValue args[2] = { G_VALUE_INIT, G_VALUE_INIT };
        g_auto(GValue) result = G_VALUE_INIT;

        g_value_init (&args[0], REL_TYPE_TOKEN);
        g_value_set_object (&args[0], token);
        g_value_init (&args[1], G_TYPE_INT);
        g_value_set_int (&args[1], value);
        ok = sa_function_call_syncv (fn, args, 2, &result, cancellable, &error);
        out = g_value_get_int (&result);
        g_value_unset (&args[0]);
        g_value_unset (&args[1]);
      }
      break;
    case 2:
      {
        g_autoptr(GAsyncResult) returned = NULL;
        g_autoptr(GAsyncResult) delivered = NULL;
        g_auto(GValue) result = G_VALUE_INIT;

        g_assert_false (sa_context_is_async ());
        returned = sa_function_call (fn, cancellable, smart_call_done, &delivered,
                                     token, value);
        g_assert_true (delivered == returned);
        ok = sa_function_call_finish (fn, returned, &result, &error);
        out = g_value_get_int (&result);
      }
      break;
    default:
      g_assert_not_reached ();
    }

  g_assert_cmpint (g_atomic_int_add (&records[id].callbacks, 1), ==, 0);
  record_outcome (fn, id, value, NULL, ok, out, error);

  if (point == CANCEL_AFTER)
    g_cancellable_cancel (cancellable);
  else if (point == CANCEL_AS_IT_COMPLETES)
    disarm_completion_cancel (id);
}

static gpointer
sync_worker_thread (gpointer data)
{
  SyncWorker *worker = data;

  for (guint id = worker->first; id < worker->last; id++)
    sync_call_one (worker, id);

  g_atomic_int_set (&worker->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static void
run_sync_race (Race *race)
{
  SyncWorker workers[SYNC_THREADS];
  GThread *threads[SYNC_THREADS];
  guint per_thread = race->n_calls / SYNC_THREADS;

  for (guint i = 0; i < SYNC_THREADS; i++)
    {
      workers[i].race = race;
      workers[i].first = i * per_thread;
      workers[i].last = i == SYNC_THREADS - 1 ? race->n_calls : (i + 1) * per_thread;
      workers[i].rng = race->seed + i * 7919;
      workers[i].done = 0;
      threads[i] = g_thread_new ("sync-caller", sync_worker_thread, &workers[i]);
    }

  for (guint i = 0; i < SYNC_THREADS; i++)
    {
      while (!g_atomic_int_get (&workers[i].done))
        g_main_context_iteration (NULL, TRUE);
      g_thread_join (threads[i]);
    }
}

/* The test */

/* CANCEL_AS_IT_COMPLETES outcomes per path, over the whole run. */
static guint completion_counts[N_PATHS][3];
static gboolean path_ran[N_PATHS];

static void
test_race (gconstpointer data)
{
  RacePath path = GPOINTER_TO_INT (data);
  const GType params[] = { REL_TYPE_TOKEN, G_TYPE_INT };
  guint alive = rel_tokens_alive ();
  gboolean pair = path == PATH_PRIVATE_CONTEXT || path == PATH_ASYNC_PAIR;
  gboolean owner = path == PATH_OWNER_THREAD_ASYNC || path == PATH_OWNER_THREAD_SYNC;
  SaFunctionFlags flags = owner ? SA_FUNCTION_FLAGS_OWNER_THREAD : 0;
  guint counts[N_CANCEL_POINTS][3] = { { 0, }, };
  GThread *canceller;
  GThread *completion_canceller;
  Race race = { 0, };

  race.path = path;
  race.n_calls = rel_scaled (FULL_CALLS);
  race.seed = g_test_rand_int () ^ (guint32) path * 0x9e3779b9u;
  records = g_new0 (Record, race.n_calls);
  g_test_message ("%u calls", race.n_calls);

  if (pair)
    {
      race.native = sa_function_new_async ("race-pair", G_CALLBACK (race_async),
                                           G_CALLBACK (race_pair_finish), flags,
                                           G_TYPE_INT, 2, REL_TYPE_TOKEN, G_TYPE_INT);
      race.value = sa_function_new_async_full ("race-value-async", G_TYPE_INT, params, 2,
                                               flags, race_value_async, NULL, NULL);
    }
  else
    {
      race.native = sa_function_new_sync ("race-blocking", G_CALLBACK (race_blocking),
                                          flags | SA_FUNCTION_FLAGS_CANCELLABLE |
                                          SA_FUNCTION_FLAGS_THROWS,
                                          G_TYPE_INT, 2, REL_TYPE_TOKEN, G_TYPE_INT);
      race.value = sa_function_new_sync_full ("race-value-sync", G_TYPE_INT, params, 2,
                                              flags, race_value_sync, NULL, NULL);
    }

  cancel_requests = g_async_queue_new ();
  canceller = g_thread_new ("canceller", canceller_thread, NULL);
  completion_requests = g_async_queue_new ();
  completion_canceller = g_thread_new ("completion-canceller",
                                       completion_canceller_thread, NULL);

  if (race_is_async (path))
    run_async_race (&race);
  else
    run_sync_race (&race);

  request_cancel (NULL, 0);
  g_thread_join (canceller);
  g_clear_pointer (&cancel_requests, g_async_queue_unref);
  stop_completion_canceller (completion_canceller);

  for (guint id = 0; id < race.n_calls; id++)
    {
      Record *record = &records[id];

      if (record->callbacks != 1)
        g_error ("call %u: %d callbacks", id, record->callbacks);
      g_assert_cmpint (record->runs, <=, 1);
      g_assert_cmpint (record->outcome, !=, OUTCOME_NONE);

      if (record->point == CANCEL_BEFORE)
        {
          g_assert_cmpint (record->outcome, ==, OUTCOME_CANCELLED);
          g_assert_cmpint (record->runs, ==, 0);
        }
      else if (record->point == CANCEL_NEVER || record->point == CANCEL_AFTER)
        {
          g_assert_cmpint (record->outcome, ==, OUTCOME_VALUE);
          g_assert_cmpint (record->runs, ==, 1);
        }
      else if (record->point == CANCEL_AS_IT_COMPLETES)
        {
          /* Nothing cancels before the callable releases the canceller. */
          g_assert_cmpint (record->runs, ==, 1);
          g_assert_cmpint (record->released, ==, 1);
        }

      counts[record->point][record->outcome]++;
    }

  for (CancelPoint point = 0; point < N_CANCEL_POINTS; point++)
    g_test_message ("cancel point %s: %u values, %u cancelled", cancel_point_names[point],
                    counts[point][OUTCOME_VALUE], counts[point][OUTCOME_CANCELLED]);

  memcpy (completion_counts[path], counts[CANCEL_AS_IT_COMPLETES],
          sizeof completion_counts[path]);
  path_ran[path] = TRUE;

  g_clear_object (&race.native);
  g_clear_object (&race.value);
  g_assert_true (rel_wait_for_tokens (alive, 10000));
  g_clear_pointer (&records, g_free);
}

/* Per path, cancelling as the callable completes may well give one outcome
 * only in a run. Summed over the paths whose result goes through a GTask
 * (only a direct call gets what the callable returned whatever happens to
 * the cancellable afterwards; a sync caller waiting for the owner thread
 * stops waiting when cancelled), it must have given both: the cancellation
 * lands sometimes before and sometimes after the caller's finish, so the
 * window between completion and delivery is really hit. */
static gboolean
path_delivers_through_task (RacePath path)
{
  return path != PATH_DIRECT;
}

static void
test_completion_race_hit (void)
{
  guint values = 0;
  guint cancelled = 0;

  for (RacePath path = 0; path < N_PATHS; path++)
    {
      if (!path_ran[path])
        {
          g_test_skip ("needs every path to run first");
          return;
        }
      if (!path_delivers_through_task (path))
        {
          g_assert_cmpuint (completion_counts[path][OUTCOME_CANCELLED], ==, 0);
          continue;
        }
      values += completion_counts[path][OUTCOME_VALUE];
      cancelled += completion_counts[path][OUTCOME_CANCELLED];
    }

  g_test_message ("cancel point %s, paths delivering through a GTask: "
                  "%u values, %u cancelled",
                  cancel_point_names[CANCEL_AS_IT_COMPLETES], values, cancelled);
  g_assert_cmpuint (values, >, 0);
  g_assert_cmpuint (cancelled, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/reliability/cancel-race/direct-call",
                        GINT_TO_POINTER (PATH_DIRECT), test_race);
  g_test_add_data_func ("/reliability/cancel-race/private-context",
                        GINT_TO_POINTER (PATH_PRIVATE_CONTEXT), test_race);
  g_test_add_data_func ("/reliability/cancel-race/worker-thread",
                        GINT_TO_POINTER (PATH_WORKER_THREAD), test_race);
  g_test_add_data_func ("/reliability/cancel-race/async-pair",
                        GINT_TO_POINTER (PATH_ASYNC_PAIR), test_race);
  g_test_add_data_func ("/reliability/cancel-race/owner-thread-async-caller",
                        GINT_TO_POINTER (PATH_OWNER_THREAD_ASYNC), test_race);
  g_test_add_data_func ("/reliability/cancel-race/owner-thread-sync-callers-on-other-threads",
                        GINT_TO_POINTER (PATH_OWNER_THREAD_SYNC), test_race);

  /* Last: needs every path's counts. */
  g_test_add_func ("/reliability/cancel-race/cancelling-as-it-completes-hits-both-outcomes",
                   test_completion_race_hit);

  return g_test_run ();
}
