/* sa-call.c: one call of an SaFunction, from start to result
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-call-private.h"
#include "sa-error.h"
#include "sa-signature-private.h"

SaCall *
sa_call_new (SaFunction   *function,
             GCancellable *cancellable)
{
  gsize size = sizeof (SaCall) + function->n_params * sizeof (GValue);
  SaCall *call;

  /* malloc() and memset() rather than calloc(), which glibc serves
   * without its per-thread cache: half the cost for a call's record. */
  call = memset (g_malloc (size), 0, size);
  g_atomic_ref_count_init (&call->ref_count);
  call->state = SA_CALL_PENDING;
  call->function = g_object_ref (function);
  if (cancellable != NULL)
    {
      call->cancellable = g_object_ref (cancellable);
      call->op_cancellable = g_object_ref (cancellable);
    }

  return call;
}

SaCall *
sa_call_ref (SaCall *call)
{
  g_atomic_ref_count_inc (&call->ref_count);
  return call;
}

void
sa_call_unref (SaCall *call)
{
  if (!g_atomic_ref_count_dec (&call->ref_count))
    return;

  if (call->forward_id != 0)
    g_cancellable_disconnect (call->cancellable, call->forward_id);

  for (guint i = 0; i < call->function->n_params; i++)
    sa_value_clear (&call->args[i]);
  sa_value_clear (&call->result);
  g_clear_error (&call->error);
  g_clear_object (&call->task);
  g_clear_pointer (&call->wait_context, g_main_context_unref);
  g_clear_object (&call->op_cancellable);
  g_clear_object (&call->cancellable);
  g_clear_object (&call->function);
  g_free (call);
}

/* Called by the callable's side once call->result or call->error is set,
 * from any thread. The first of completion and abandonment wins. */
void
sa_call_complete (SaCall *call)
{
  g_autoptr(GTask) task = NULL;

  if (!g_atomic_int_compare_and_exchange (&call->state, SA_CALL_PENDING, SA_CALL_DONE))
    return;

  if (call->wait_context != NULL)
    {
      /* The waiting thread looks at the state after every iteration, so
       * a completion dispatched by its own wait (the common case) needs no
       * wakeup: that would be a write() to an eventfd nobody reads. */
      if (!g_main_context_is_owner (call->wait_context))
        g_main_context_wakeup (call->wait_context);
      return;
    }

  /* GTask delivers in the caller's context whatever thread we are on, and
   * never from inside the _async call that created it. */
  task = g_steal_pointer (&call->task);
  if (call->error != NULL)
    g_task_return_error (task, g_steal_pointer (&call->error));
  else
    g_task_return_boolean (task, TRUE);
}

GTask *
sa_call_new_task (SaCall              *call,
                  gpointer             source_object,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task;

  task = g_task_new (source_object != NULL ? source_object : call->function,
                     call->cancellable, callback, user_data);
  g_task_set_source_tag (task, sa_function_call_async);
  g_task_set_task_data (task, sa_call_ref (call), (GDestroyNotify) sa_call_unref);
  call->task = g_object_ref (task);

  return task;
}

void
sa_call_thread_func (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  SaCall *call = task_data;

  /* Cancelled while queued for a worker: the callable never runs. */
  if (!g_cancellable_set_error_if_cancelled (cancellable, &call->error))
    sa_function_invoke_sync (call->function, call->args, cancellable,
                             &call->result, &call->error);
  sa_call_complete (call);
}

static gboolean
sa_call_run_on_owner (gpointer data)
{
  SaCall *call = data;
  SaFunction *self = call->function;

  /* A sync caller that gave up (deadline) no longer wants it run. */
  if (g_atomic_int_get (&call->state) != SA_CALL_PENDING)
    return G_SOURCE_REMOVE;

  if (g_cancellable_set_error_if_cancelled (call->op_cancellable, &call->error))
    {
      sa_call_complete (call);
      return G_SOURCE_REMOVE;
    }

  /* The function's context is iterated by another thread than the one
   * that created it (created on a thread that never ran its own context):
   * running the callable here would break the one thing the flag
   * promises, and a GJS callable would abort the process. */
  if (G_UNLIKELY (!sa_function_is_owner_thread (self)))
    {
      g_set_error (&call->error, SA_ERROR, SA_ERROR_FAILED,
                   "Function “%s” only runs on the thread that created it, "
                   "but another thread iterates its main context; create it "
                   "on the thread that runs that context", self->name);
      sa_call_complete (call);
      return G_SOURCE_REMOVE;
    }

  if (sa_function_kind (self) == SA_FUNCTION_KIND_SYNC)
    {
      sa_function_invoke_sync (self, call->args, call->op_cancellable,
                               &call->result, &call->error);
      sa_call_complete (call);
    }
  else
    {
      /* Whatever the pair starts must complete on the owner's context,
       * which is dispatching us but need not be thread-default. */
      g_main_context_push_thread_default (self->main_context);
      sa_function_start_here (self, call);
      g_main_context_pop_thread_default (self->main_context);
    }

  return G_SOURCE_REMOVE;
}

/* Runs the callable from the owner thread's main context; the result finds
 * its way back through sa_call_complete(). */
void
sa_call_post_to_owner (SaCall *call)
{
  GSource *source;

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, sa_call_run_on_owner, sa_call_ref (call),
                         (GDestroyNotify) sa_call_unref);
  g_source_set_static_name (source, "[smartasync] run on owner thread");
  g_source_attach (source, call->function->main_context);
  g_source_unref (source);
}

/* Hands the result of a completed call to the caller, once. @value, if
 * given, is initialised in every case: bindings need a typed GValue even
 * on the error path. */
gboolean
sa_call_propagate (SaCall  *call,
                   GValue  *value,
                   GError **error)
{
  call->finished = TRUE;

  if (call->error != NULL)
    {
      if (value != NULL)
        sa_value_init_result (value, call->function->return_type);
      g_propagate_error (error, g_steal_pointer (&call->error));
      return FALSE;
    }

  if (value == NULL)
    return TRUE;

  if (G_TYPE_IS_BOXED (G_VALUE_TYPE (&call->result)))
    {
      /* PyGObject before 3.46 wraps a boxed value it finds in an out
       * GValue without copying it, then unsets that GValue (pygobject
       * issue 119): its GLib.Bytes would outlive the bytes. The caller
       * gets its own reference and the call keeps one for as long as the
       * result object lives, so the Python override can copy in time. */
      g_value_init (value, G_VALUE_TYPE (&call->result));
      g_value_copy (&call->result, value);
    }
  else
    {
      *value = call->result;
      memset (&call->result, 0, sizeof (GValue));
    }

  return TRUE;
}

static void
forward_cancellation (GCancellable *cancellable,
                      GCancellable *op_cancellable)
{
  g_cancellable_cancel (op_cancellable);
}

/* Gives the callable a cancellable of the call's own, chained to the
 * caller's: a deadline needs one to stop the callable with, and the private
 * context needs the chain cut before it goes (sa_call_unchain_cancellable()). */
void
sa_call_own_cancellable (SaCall *call)
{
  g_clear_object (&call->op_cancellable);
  call->op_cancellable = g_cancellable_new ();

  if (call->cancellable != NULL)
    call->forward_id = g_cancellable_connect (call->cancellable,
                                              G_CALLBACK (forward_cancellation),
                                              g_object_ref (call->op_cancellable),
                                              g_object_unref);
}

/* Stops forwarding the caller's cancellation to the callable. Waits for a
 * cancellation running in another thread to finish: once this returns, no
 * thread but the callable's own can be inside a "cancelled" handler of
 * the call's cancellable. */
void
sa_call_unchain_cancellable (SaCall *call)
{
  if (call->forward_id != 0)
    {
      g_cancellable_disconnect (call->cancellable, call->forward_id);
      call->forward_id = 0;
    }
}

/* Abandoned calls
 *
 * A sync caller that gives up at its deadline leaves the callable running.
 * A pair started in the caller's private context completes there: a GTask
 * returning from a worker thread or from the caller's own main loop
 * attaches its callback to that context, and the pair's own timeouts live
 * there too. Nobody iterates the context any more, so those sources, the
 * pair's task and this call (arguments, cancellables) would never be
 * released.
 *
 * One library thread drains such contexts, looking again with a growing
 * interval (1 ms doubling to 1 s) until the call's last other reference is
 * gone: the late completion runs there, the pair's _finish included, and
 * is dropped. A pair that never completes keeps its call, and one look a
 * second, for as long as it lives. */

#define DRAIN_FIRST_INTERVAL (1 * G_TIME_SPAN_MILLISECOND)
#define DRAIN_MAX_INTERVAL   (1 * G_TIME_SPAN_SECOND)

typedef struct
{
  GSource  source;
  SaCall  *call;
  gint64   interval;
} SaDrainSource;

static gboolean
sa_drain_dispatch (GSource     *source,
                   GSourceFunc  callback,
                   gpointer     user_data)
{
  SaDrainSource *drain = (SaDrainSource *) source;
  GMainContext *context = drain->call->wait_context;

  /* The caller popped and released it when it gave up. */
  if (g_main_context_acquire (context))
    {
      g_main_context_push_thread_default (context);
      while (g_main_context_iteration (context, FALSE))
        ;
      g_main_context_pop_thread_default (context);
      g_main_context_release (context);
    }

  /* Only this source holds the call: nothing can complete it any more. */
  if (g_atomic_ref_count_compare (&drain->call->ref_count, 1))
    return G_SOURCE_REMOVE;

  drain->interval = MIN (drain->interval * 2, DRAIN_MAX_INTERVAL);
  g_source_set_ready_time (source, g_get_monotonic_time () + drain->interval);
  return G_SOURCE_CONTINUE;
}

static void
sa_drain_finalize (GSource *source)
{
  SaDrainSource *drain = (SaDrainSource *) source;

  /* The call's context, with whatever the pair left in it, goes too. */
  g_clear_pointer (&drain->call, sa_call_unref);
}

static GSourceFuncs sa_drain_funcs = {
  .dispatch = sa_drain_dispatch,
  .finalize = sa_drain_finalize,
};

static gpointer
sa_drain_thread (gpointer data)
{
  GMainContext *context = data;

  g_main_context_push_thread_default (context);
  for (;;)
    g_main_context_iteration (context, TRUE);

  return NULL;
}

static GMainContext *
sa_drain_context (void)
{
  static gsize initialized = 0;
  static GMainContext *context;

  if (g_once_init_enter (&initialized))
    {
      context = g_main_context_new ();
      g_thread_unref (g_thread_new ("sa-drain", sa_drain_thread, context));
      g_once_init_leave (&initialized, 1);
    }

  return context;
}

/* Takes over the private context of a call its sync caller abandoned; see
 * above. The caller must have popped the context. */
void
sa_call_drain_abandoned (SaCall *call)
{
  SaDrainSource *drain;
  GSource *source;

  g_assert (g_atomic_int_get (&call->state) == SA_CALL_ABANDONED);
  g_assert (call->wait_context != NULL);

  source = g_source_new (&sa_drain_funcs, sizeof (SaDrainSource));
  drain = (SaDrainSource *) source;
  drain->call = sa_call_ref (call);
  drain->interval = DRAIN_FIRST_INTERVAL;
  g_source_set_static_name (source, "[smartasync] drain an abandoned call");
  g_source_set_ready_time (source, 0);
  g_source_attach (source, sa_drain_context ());
  g_source_unref (source);
}
