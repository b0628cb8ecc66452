/* sa-call.c: one call of an SaFunction, from start to result
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "sa-call-private.h"
#include "sa-call-result-private.h"
#include "sa-callable-private.h"
#include "sa-error.h"
#include "sa-pool-private.h"
#include "sa-signature-private.h"

/* Marks the tasks of calls made with a library's own source tag. */
static GQuark
sa_call_quark (void)
{
  static GQuark quark;

  if (G_UNLIKELY (quark == 0))
    quark = g_quark_from_static_string ("sa-call");
  return quark;
}

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

  /* Not g_cancellable_disconnect (): the last reference can go inside the
   * cancellable's own emission (a "cancelled" handler of GIO's dropping a
   * task that holds the call), where it waits for itself forever. The
   * forwarding handler holds what it uses; the end-on-cancel one holds the
   * call, so it is gone by now (sa_call_settled ()). */
  if (call->forward_id != 0)
    g_signal_handler_disconnect (call->cancellable, call->forward_id);
  g_assert (call->cancel_handler == NULL);

  for (guint i = 0; i < call->function->n_params; i++)
    sa_value_clear (&call->args[i]);
  sa_value_clear (&call->result);
  g_clear_error (&call->error);
  g_clear_object (&call->task);
  g_clear_object (&call->pending);
  if (call->wait != NULL)
    {
      /* The context an abandoned call was started in can be let go of
       * once the call itself is gone. */
      if (g_atomic_int_get (&call->state) == SA_CALL_ABANDONED)
        sa_wait_context_abandoned_done (call->wait);
      sa_wait_context_unref (call->wait);
    }
  g_clear_object (&call->op_cancellable);
  g_clear_object (&call->cancellable);
  g_clear_object (&call->function);
  g_free (call);
}

/* Starts the function's pair here, in this thread's thread-default
 * context, which its completion must come back to. */
void
sa_call_start (SaCall *call)
{
  SaCallable *callable = call->function->callable;

  call->start_thread = g_thread_self ();
  call->start_context = g_main_context_get_thread_default ();
  callable->klass->start (callable, call);
}

/* Called by the callable's side once call->result or call->error is set,
 * from any thread. The first of completion, abandonment and cancellation
 * of a hop wins. */
/* Hands the outcome to whoever waits for it; FALSE when the call was
 * already settled (abandoned, or cancelled while it ran). */
static gboolean
deliver (SaCall *call)
{
  g_autoptr(GTask) task = NULL;

  if (!g_atomic_int_compare_and_exchange (&call->state, SA_CALL_PENDING, SA_CALL_DONE))
    return FALSE;
  sa_call_settled (call);

  if (call->wait != NULL)
    {
      sa_wait_context_wake (call->wait);
      return TRUE;
    }

  if (call->pending != NULL)
    {
      sa_call_result_deliver (g_steal_pointer (&call->pending));
      return TRUE;
    }

  /* GTask delivers in the caller's context whatever thread we are on, and
   * never from inside the _async call that created it. */
  task = g_steal_pointer (&call->task);
  if (call->error != NULL)
    g_task_return_error (task, g_steal_pointer (&call->error));
  else
    g_task_return_boolean (task, TRUE);
  return TRUE;
}

void
sa_call_complete (SaCall *call)
{
  g_autoptr(SaFunction) limited = NULL;

  /* The callable is done with its slot, whoever wins below; the slot is
   * given back once the outcome is on its way, so that the next waiting
   * call's outcome cannot reach the caller first. The function is held:
   * delivering may let the call go. */
  if (G_UNLIKELY (g_atomic_int_get (&call->holds_slot)) &&
      g_atomic_int_exchange (&call->holds_slot, FALSE))
    limited = g_object_ref (call->function);

  deliver (call);

  if (G_UNLIKELY (limited != NULL))
    sa_limit_leave (limited);
}

static void
release_application (GObject    *task,
                     GParamSpec *pspec,
                     gpointer    data)
{
  g_application_release (G_APPLICATION (data));
}

/* g_application_run() iterates only while the application is held: a
 * call made during start-up (an async context, sa_context_is_async())
 * keeps it held until its callback has run. Held, not referenced: the
 * last reference to the call may go on a worker thread, and a
 * GtkApplication must not be finalized there. */
void
sa_call_hold_application (SaCall       *call,
                          GApplication *application)
{
  g_assert (call->task != NULL);

  g_application_hold (application);
  g_signal_connect_object (call->task, "notify::completed",
                           G_CALLBACK (release_application), application, 0);
}

GTask *
sa_call_new_task (SaCall              *call,
                  gpointer             source_object,
                  gpointer             source_tag,
                  const char          *task_name,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task;

  task = g_task_new (source_object != NULL ? source_object : call->function,
                     call->cancellable, callback, user_data);
  /* The function's name is what sysprof and debuggers show, rather than
   * the stringified tag the g_task_set_source_tag() macro would set. */
  (g_task_set_source_tag) (task, source_tag != NULL ? source_tag : sa_function_call_async);
  g_task_set_name (task, task_name != NULL ? task_name : sa_function_interned_name (call->function));
  g_task_set_task_data (task, sa_call_ref (call), (GDestroyNotify) sa_call_unref);
  if (source_tag != NULL)
    g_object_set_qdata (G_OBJECT (task), sa_call_quark (), call);
  call->task = g_object_ref (task);

  return task;
}

/* The call behind a task made by sa_call_new_task(), or NULL for any
 * other task. */
SaCall *
sa_call_from_task (GTask *task)
{
  if (g_task_get_source_tag (task) == sa_function_call_async)
    return g_task_get_task_data (task);

  /* A library's own source tag (sa_function_call_async_full()). */
  return g_object_get_qdata (G_OBJECT (task), sa_call_quark ());
}

/* Where the call's completion is delivered. */
GMainContext *
sa_call_delivery_context (SaCall *call)
{
  if (call->wait != NULL)
    return call->wait->context;
  if (call->task != NULL)
    return g_task_get_context (call->task);
  if (call->pending != NULL)
    return sa_call_result_context (call->pending);
  return NULL;
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
 * caller's: a deadline needs one to stop the callable with, and a private
 * context needs the chain cut before it can go (see
 * sa_call_unchain_cancellable()). */
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

static void
end_cancelled_call (GCancellable *cancellable,
                    SaCall       *call)
{
  g_autoptr(GTask) task = NULL;

  /* The callable's side may be writing its outcome into the call right
   * now: winning the state is all this side does with the call, but for
   * the caller's task, which the losing side never touches. */
  if (!g_atomic_int_compare_and_exchange (&call->state, SA_CALL_PENDING, SA_CALL_CANCELLED))
    return;
  sa_call_settled (call);

  if (call->wait != NULL)
    {
      sa_wait_context_wake (call->wait);
      return;
    }

  /* The result reports the cancellation, as a GTask does, and never
   * reads what the callable's side writes. */
  if (call->pending != NULL)
    {
      sa_call_result_deliver (g_steal_pointer (&call->pending));
      return;
    }

  task = g_steal_pointer (&call->task);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "Function “%s” was cancelled", call->function->name);
}

/* A call that waits for another thread to run the callable (a hop to an
 * owner thread) ends at once when the caller cancels it, however busy, or
 * gone, that thread is: the callable's outcome is dropped when it comes.
 * The handler holds a reference to the call until the call is settled. */
void
sa_call_end_on_cancel (SaCall *call)
{
  gulong id;

  if (call->cancellable == NULL)
    return;

  id = g_cancellable_connect (call->cancellable, G_CALLBACK (end_cancelled_call),
                              sa_call_ref (call), (GDestroyNotify) sa_call_unref);
  if (id == 0)
    return;  /* cancelled already: the handler has run, its reference gone */

  g_atomic_pointer_set (&call->cancel_handler, GSIZE_TO_POINTER ((gsize) id));
  /* Settled before the ID was there to disconnect. */
  if (g_atomic_int_get (&call->state) != SA_CALL_PENDING)
    sa_call_settled (call);
}

/* The call has left SA_CALL_PENDING: its end-on-cancel handler, if any, is
 * disconnected, once, by whichever side gets here first. Not
 * g_cancellable_disconnect (), which waits for a handler running in
 * another thread and, inside the cancellable's own emission, for itself:
 * a handler still running holds its own reference. */
void
sa_call_settled (SaCall *call)
{
  gpointer id;

  do
    id = g_atomic_pointer_get (&call->cancel_handler);
  while (id != NULL &&
         !g_atomic_pointer_compare_and_exchange (&call->cancel_handler, id, NULL));

  if (id != NULL)
    g_signal_handler_disconnect (call->cancellable, GPOINTER_TO_SIZE (id));
}
