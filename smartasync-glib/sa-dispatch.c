/* sa-dispatch.c: which path a call takes, and the paths
 *
 * sa_dispatch_decide() is the whole decision; each path is one small
 * function below it. Everything else here is about the caller: what kind
 * it is, and how its outcome reaches it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-call-result-private.h"
#include "sa-callable-private.h"
#include "sa-context-private.h"
#include "sa-dispatch-private.h"
#include "sa-error.h"
#include "sa-pool-private.h"

static const char * const path_names[] = {
  [SA_PATH_DIRECT] = "direct call",
  [SA_PATH_PRIVATE_WAIT] = "private context",
  [SA_PATH_START_HERE] = "async pair",
  [SA_PATH_WORKER] = "worker thread",
  [SA_PATH_OWNER_HOP] = "owner thread",
};

/* The decision: the caller's kind against the callable's, and whether
 * only one thread may run the callable. */
SaPath
sa_dispatch_decide (SaFunction *function,
                    gboolean    async_caller)
{
  gboolean pair = function->callable->klass->kind == SA_FUNCTION_KIND_ASYNC;
  gboolean owner_only = sa_function_owner_thread_only (function);

  if (owner_only && !sa_function_is_owner_thread (function))
    return SA_PATH_OWNER_HOP;

  if (!async_caller)
    return pair ? SA_PATH_PRIVATE_WAIT : SA_PATH_DIRECT;

  if (pair)
    return SA_PATH_START_HERE;

  return owner_only ? SA_PATH_OWNER_HOP : SA_PATH_WORKER;
}

/* Tracing */

static void
trace (SaFunction *function,
       const char *entry_name,
       gboolean    smart,
       gboolean    async_caller,
       SaPath      path)
{
  GApplication *application;
  SaMode mode;

  if (G_LIKELY (!sa_function_debug_enabled (TRUE)))
    return;

  /* The context as detected, which the explicit entry points and a forced
   * mode overrule: both are worth seeing when a call takes a surprising
   * path. */
  mode = g_atomic_int_get (&function->mode);
  g_debug ("%s: %s from %s context%s, as %s caller, %s callable: %s",
           function->name, entry_name,
           sa_context_classify (&application) != SA_CONTEXT_SYNC ? "an async" : "a sync",
           !smart || mode == SA_MODE_AUTO ? ""
             : mode == SA_MODE_SYNC ? " (mode: sync)" : " (mode: async)",
           async_caller ? "an async" : "a sync",
           function->callable->klass->description,
           path_names[path]);
}

/* The paths */

/* Sync caller, blocking callable: a direct call on the caller's thread. */
static void
path_direct (SaCall *call)
{
  sa_callable_invoke (call->function, call->args, call->cancellable,
                      &call->result, &call->error);
}

/* Sync caller, async pair: started here with a private context pushed as
 * thread-default, and only that context is iterated until it completes
 * (sa-wait.c): the caller's own contexts never are. */
static gboolean
path_private_wait (SaCall  *call,
                   int      timeout_msec,
                   GError **error)
{
  return sa_wait_run (call, sa_call_start, timeout_msec, error);
}

/* Async caller, async pair: started now in the caller's thread-default
 * context; its completion returns the caller's GTask there. */
static void
path_start_here (SaCall *call)
{
  sa_call_start (call);
}

/* Async caller, blocking callable: on a thread of the function's pool,
 * so the caller's loop keeps running, and GIO's own thread pool never
 * waits for it (sa-pool.c); GTask returns to the caller's context. */
static void
path_worker (SaCall *call)
{
  SaPool *pool = g_atomic_pointer_get (&call->function->pool);

  sa_pool_run_call (pool != NULL ? pool : sa_pool_get_default (), call);
}

static gboolean
run_hop (gpointer data)
{
  SaCall *call = data;
  SaFunction *function = call->function;

  /* A caller that gave up (deadline) or cancelled no longer wants it. */
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
  if (G_UNLIKELY (!sa_function_is_owner_thread (function)))
    {
      g_set_error (&call->error, SA_ERROR, SA_ERROR_FAILED,
                   "Function “%s” only runs on the thread that created it, "
                   "but another thread iterates its main context; create it "
                   "on the thread that runs that context", function->name);
      sa_call_complete (call);
      return G_SOURCE_REMOVE;
    }

  if (function->callable->klass->kind == SA_FUNCTION_KIND_SYNC)
    {
      sa_callable_invoke (function, call->args, call->op_cancellable,
                          &call->result, &call->error);
      sa_call_complete (call);
    }
  else
    {
      /* Whatever the pair starts must complete on the owner's context,
       * which is dispatching us but need not be thread-default. */
      g_main_context_push_thread_default (function->main_context);
      sa_call_start (call);
      g_main_context_pop_thread_default (function->main_context);
    }

  return G_SOURCE_REMOVE;
}

/* Runs the callable from @context, later; the result finds its way back
 * through sa_call_complete(). Not g_main_context_invoke(): it would run at
 * once on any thread that can acquire @context. */
static void
post_hop (SaCall       *call,
          GMainContext *context)
{
  GSource *source;

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, run_hop, sa_call_ref (call),
                         (GDestroyNotify) sa_call_unref);
  g_source_set_static_name (source, "[smartasync] run on owner thread");
  g_source_attach (source, context);
  g_source_unref (source);
}

/* Once the call knows where to wake its caller: a cancellation that has
 * already happened ends it at once. */
static void
post_to_owner (SaCall *call)
{
  sa_call_end_on_cancel (call);
  post_hop (call, call->function->main_context);
}

/* A sync caller of an owner-thread callable on another thread: the
 * owner's context runs it while the caller waits in a private context,
 * and the caller's cancellation ends the wait at once, however busy the
 * owner is. */
static gboolean
path_wait_for_owner (SaCall  *call,
                     int      timeout_msec,
                     GError **error)
{
  return sa_wait_run (call, post_to_owner, timeout_msec, error);
}

/* An async caller of an owner-thread callable: run from the owner's
 * context, or, on the owner thread itself, from the caller's own context
 * (the one that thread is iterating, which need not be the function's),
 * never inside the call; the caller's cancellation ends the call at once. */
static void
path_owner_hop (SaCall *call)
{
  SaFunction *function = call->function;
  GMainContext *context = sa_function_is_owner_thread (function)
    ? g_task_get_context (call->task)
    : function->main_context;

  /* Where to post is read first: a cancellation that has already happened
   * ends the call here, and its task goes with it. */
  sa_call_end_on_cancel (call);
  post_hop (call, context);
}

/* Running a path for each kind of caller */

static gboolean
deadline_is_unsafe (SaFunction *function,
                    int         timeout_msec,
                    GError    **error)
{
  if (timeout_msec < 0 || !function->has_raw_pointers ||
      (function->flags & SA_FUNCTION_FLAGS_DEADLINE_SAFE))
    return FALSE;

  g_set_error (error, SA_ERROR, SA_ERROR_UNSAFE_DEADLINE,
               "Function “%s” takes raw pointers (G_TYPE_POINTER) that a call "
               "abandoned at its deadline could still write through after the "
               "caller has freed them; a deadline needs "
               "SA_FUNCTION_FLAGS_DEADLINE_SAFE", function->name);
  return TRUE;
}

/* Runs a sync caller's path. Returns the call holding the outcome: @call
 * itself, or, when the wait ended before the callable did (a deadline, a
 * cancelled hop) and its side may still write to @call, a new one. */
SaCall *
sa_dispatch_run_sync (SaFunction *function,
                      SaPath      path,
                      SaCall     *call,
                      int         timeout_msec)
{
  GError *error = NULL;
  SaCall *outcome;
  gboolean done;

  if (call->error != NULL ||
      g_cancellable_set_error_if_cancelled (call->cancellable, &call->error))
    return sa_call_ref (call);

  switch (path)
    {
    case SA_PATH_DIRECT:
      path_direct (call);
      return sa_call_ref (call);
    case SA_PATH_PRIVATE_WAIT:
      done = !deadline_is_unsafe (function, timeout_msec, &error) &&
             path_private_wait (call, timeout_msec, &error);
      break;
    case SA_PATH_OWNER_HOP:
      done = !deadline_is_unsafe (function, timeout_msec, &error) &&
             path_wait_for_owner (call, timeout_msec, &error);
      break;
    case SA_PATH_START_HERE:
    case SA_PATH_WORKER:
    default:
      g_assert_not_reached ();
    }

  if (done)
    return sa_call_ref (call);

  outcome = sa_call_new (function, NULL);
  outcome->error = error;
  return outcome;
}

/* Whether a call_async() of an async caller can be delivered by a
 * result of ours (sa-call-result.c) rather than a GTask: what it needs
 * from a GTask is only delivery. A library's own source object, tag or
 * name (call_async_full () always makes a task), an application held
 * until delivery, a sync wait of this thread that must see the delivery,
 * a hop or a max-concurrency queue all need the task. */
static gboolean
can_deliver_untasked (SaFunction       *function,
                      SaPath            path,
                      const SaTaskSpec *spec,
                      GApplication     *application)
{
  return !spec->tasked && spec->source_object == NULL && application == NULL &&
         (path == SA_PATH_START_HERE || path == SA_PATH_WORKER) &&
         g_atomic_int_get (&function->max_concurrency) == 0 &&
         !sa_wait_in_progress ();
}

/* Starts an async caller's path; the caller's callback runs on
 * completion, in the caller's context and never from inside this
 * function. With @tasked FALSE, no GTask is made when none is needed, and
 * NULL is returned. */
static GTask *
run_async (SaFunction       *function,
           SaPath            path,
           SaCall           *call,
           const SaTaskSpec *spec,
           GApplication     *application,
           gboolean          tasked)
{
  GTask *task = NULL;

  if (!tasked && can_deliver_untasked (function, path, spec, application))
    call->pending = sa_call_result_new_pending (call, spec->callback, spec->user_data);
  else
    {
      task = sa_call_new_task (call, spec->source_object, spec->source_tag,
                               spec->task_name, spec->callback, spec->user_data);
      sa_wait_adopt_guest (call, task);
      if (application != NULL)
        sa_call_hold_application (call, application);
    }

  if (call->error != NULL ||
      g_cancellable_set_error_if_cancelled (call->cancellable, &call->error))
    {
      sa_call_complete (call);
      return task;
    }

  /* Beyond max-concurrency the call waits its turn (sa-limit.c). */
  if (g_atomic_int_get (&function->max_concurrency) > 0 &&
      (path == SA_PATH_START_HERE || path == SA_PATH_WORKER) &&
      !sa_limit_enter (function, call,
                       path == SA_PATH_WORKER ? path_worker : path_start_here,
                       path == SA_PATH_START_HERE))
    return task;

  switch (path)
    {
    case SA_PATH_START_HERE:
      path_start_here (call);
      break;
    case SA_PATH_WORKER:
      path_worker (call);
      break;
    case SA_PATH_OWNER_HOP:
      path_owner_hop (call);
      break;
    case SA_PATH_DIRECT:
    case SA_PATH_PRIVATE_WAIT:
    default:
      g_assert_not_reached ();
    }

  return task;
}

/* Entry points */

GAsyncResult *
sa_dispatch_smart (SaFunction       *function,
                   const char       *entry_name,
                   SaCall           *call,
                   const SaTaskSpec *spec)
{
  GApplication *application = NULL;
  g_autoptr(SaCall) outcome = NULL;
  gboolean async_caller;
  SaCallResult *result;
  SaPath path;

  switch ((SaMode) g_atomic_int_get (&function->mode))
    {
    case SA_MODE_SYNC:
      async_caller = FALSE;
      break;
    case SA_MODE_ASYNC:
      async_caller = TRUE;
      break;
    case SA_MODE_AUTO:
    default:
      async_caller = sa_context_classify (&application) != SA_CONTEXT_SYNC;
      break;
    }

  path = sa_dispatch_decide (function, async_caller);
  trace (function, entry_name, TRUE, async_caller, path);

  if (async_caller)
    return G_ASYNC_RESULT (run_async (function, path, call, spec, application, TRUE));

  outcome = sa_dispatch_run_sync (function, path, call, sa_function_get_timeout (function));
  result = sa_call_result_new (outcome, spec->user_data);
  if (spec->callback != NULL)
    spec->callback (G_OBJECT (function), G_ASYNC_RESULT (result), spec->user_data);

  return G_ASYNC_RESULT (result);
}

void
sa_dispatch_async (SaFunction       *function,
                   const char       *entry_name,
                   SaCall           *call,
                   const SaTaskSpec *spec)
{
  SaPath path = sa_dispatch_decide (function, TRUE);
  GTask *task;

  trace (function, entry_name, FALSE, TRUE, path);
  task = run_async (function, path, call, spec, sa_context_starting_application (), FALSE);
  if (task != NULL)
    g_object_unref (task);
}

/* Starts an async caller's path for a call that wakes call->wait when it
 * completes instead of returning a task (the calls of a sync gather, which
 * traces itself once rather than each call: looking at the debug setting
 * was a tenth of a gathered call).
 * Returns FALSE, starting nothing, for what needs the caller's task: a
 * hop to an owner thread, a place in a max-concurrency queue. */
gboolean
sa_dispatch_start_untasked (SaFunction *function,
                            SaCall     *call)
{
  SaPath path = sa_dispatch_decide (function, TRUE);

  if (g_atomic_int_get (&function->max_concurrency) > 0)
    return FALSE;

  switch (path)
    {
    case SA_PATH_START_HERE:
      path_start_here (call);
      return TRUE;
    case SA_PATH_WORKER:
      path_worker (call);
      return TRUE;
    case SA_PATH_OWNER_HOP:
    case SA_PATH_DIRECT:
    case SA_PATH_PRIVATE_WAIT:
    default:
      return FALSE;
    }
}

SaPath
sa_dispatch_sync_path (SaFunction *function,
                       const char *entry_name)
{
  SaPath path = sa_dispatch_decide (function, FALSE);

  trace (function, entry_name, FALSE, FALSE, path);
  return path;
}

/* The direct path for arguments that are not in a call. */
gboolean
sa_dispatch_direct (SaFunction    *function,
                    GValue        *args,
                    GCancellable  *cancellable,
                    GValue        *result,
                    GError       **error)
{
  if (cancellable != NULL && g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  return sa_callable_invoke (function, args, cancellable, result, error);
}
