/* sa-value-pair.c: an async callable written in a binding, completing a
 * GTask it is handed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-call-private.h"
#include "sa-callable-private.h"
#include "sa-error.h"

typedef struct
{
  SaCallable       parent;
  SaAsyncFunc      func;
  SaUserData       data;
} SaValuePair;

static void
sa_value_pair_ready (GObject      *source_object,
                   GAsyncResult *res,
                   gpointer      user_data)
{
  SaCall *call = user_data;
  SaFunction *self = call->function;
  g_auto(GValue) returned = G_VALUE_INIT;

  g_atomic_int_inc (&call->completions);

  if (!g_task_propagate_value (G_TASK (res), &returned, &call->error))
    {
      if (call->error == NULL)
        g_set_error (&call->error, SA_ERROR, SA_ERROR_FAILED,
                     "Function “%s” completed its task without a value; "
                     "use g_task_return_value()", self->name);
    }
  else if (self->return_type == G_TYPE_NONE)
    {
      sa_value_init_result (&call->result, G_TYPE_NONE);
    }
  else if (!sa_value_coerce (&returned, self->return_type, &call->result,
                             SA_ERROR_RESULT_TYPE, &call->error))
    {
      g_prefix_error (&call->error, "Function “%s”: result: ", self->name);
    }

  sa_call_complete (call);
}

static gboolean
complete_dropped_call (gpointer data)
{
  sa_call_complete (data);
  return G_SOURCE_REMOVE;
}

/* The task's last reference went away. If it was never completed (a
 * binding callback that raised, or forgot), the call still must end. */
static void
value_async_task_gone (gpointer  data,
                       GObject  *where_the_object_was)
{
  SaCall *call = data;

  if (g_atomic_int_get (&call->completions) == 0 &&
      g_atomic_int_get (&call->state) == SA_CALL_PENDING)
    {
      /* Held until the source is let go of (see sa_call_result_deliver ()). */
      g_autoptr(GMainContext) context = g_main_context_ref (sa_call_delivery_context (call));
      g_autoptr(GSource) idle = g_idle_source_new ();

      g_set_error (&call->error, SA_ERROR, SA_ERROR_FAILED,
                   "Function “%s” dropped its task without completing it",
                   call->function->name);

      /* This runs wherever the task was finalized, possibly inside a
       * binding's garbage collector, where GJS refuses to run the caller's
       * JS callback that completing the caller's task could invoke at
       * once. Complete from the caller's context instead. */
      g_source_set_callback (idle, complete_dropped_call, sa_call_ref (call),
                             (GDestroyNotify) sa_call_unref);
      g_source_set_static_name (idle, "[smartasync] dropped task");
      g_source_attach (idle, context);
    }

  sa_call_unref (call);
}

static void
sa_value_pair_start (SaCallable *callable,
                     SaCall     *call)
{
  SaValuePair *self = (SaValuePair *) callable;
  SaFunction *function = call->function;
  GTask *task;

  task = g_task_new (function, call->op_cancellable, sa_value_pair_ready, call);
  (g_task_set_source_tag) (task, sa_value_pair_start);
  g_task_set_name (task, sa_function_interned_name (function));
  g_object_weak_ref (G_OBJECT (task), value_async_task_gone, sa_call_ref (call));

  self->func (call->args, function->n_params, call->op_cancellable, task,
              self->data.user_data);
  g_object_unref (task);
}

static void
sa_value_pair_finalize (SaCallable *callable,
                        SaFunction *function)
{
  SaValuePair *self = (SaValuePair *) callable;

  sa_user_data_release (&self->data, function);
  g_free (self);
}

static const SaCallableClass sa_value_pair_class = {
  .description = "async",
  .kind = SA_FUNCTION_KIND_ASYNC,
  .start = sa_value_pair_start,
  .finalize = sa_value_pair_finalize,
};

SaCallable *
sa_value_pair_new (SaFunction     *function,
                   SaAsyncFunc     func,
                   gpointer        user_data,
                   GDestroyNotify  destroy)
{
  SaValuePair *self = g_new0 (SaValuePair, 1);

  self->parent.klass = &sa_value_pair_class;
  self->func = func;
  self->data.user_data = user_data;
  self->data.destroy = destroy;

  return &self->parent;
}
