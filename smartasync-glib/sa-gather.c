/* sa-gather.c: several calls at once, one outcome when all are done
 *
 * Every call is started through the async-caller paths of its function,
 * in one main context: the caller's thread-default one for an async run,
 * a private one for a sync run (iterated, alone, until the last call is
 * delivered). So calls of pairs overlap in that context, blocking calls
 * overlap on their pools' threads, and each outcome is delivered on the
 * thread that runs the gather.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "sa-call-private.h"
#include "sa-collect-private.h"
#include "sa-dispatch-private.h"
#include "sa-enum-types.h"
#include "sa-gather.h"
#include "sa-signature-private.h"
#include "sa-wait-private.h"

typedef struct
{
  SaGather     *gather;  /* unowned: the run holds the gather */
  SaCall       *call;    /* until started, or until done when untasked */
  SaFunction   *function;
  guint         index;
  guint         untasked : 1;
  guint         done : 1;
  GValue        value;
  GError       *error;
} Entry;

/* Entries are kept in blocks of this many, which never move: each block
 * stays small enough for malloc's per-thread cache, where one array of
 * every entry takes malloc's slow path for large chunks, and a copy,
 * each time a gather of a few dozen calls grows it. */
#define ENTRIES_PER_BLOCK 8

struct _SaGather
{
  GObject        parent_instance;

  SaGatherFlags  flags;
  Entry        **blocks;         /* of ENTRIES_PER_BLOCK entries each */
  guint          n_blocks;       /* allocated length of @blocks */
  guint          n_entries;

  /* Given to every call, and cancelled by the caller's cancellable, by
   * the first failure (CANCEL_ON_ERROR) or completion (FIRST_COMPLETED). */
  GCancellable  *inner;
  GCancellable  *outer;
  gulong         outer_id;

  gboolean       started;
  guint          n_pending;
  int            first;          /* index of the first call to complete */
  int            first_failed;   /* index of the first call to fail */

  GTask         *task;           /* an async run's */
};

enum
{
  PROP_0,
  PROP_FLAGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SaGather, sa_gather, G_TYPE_OBJECT)

static inline Entry *
entry_at (SaGather *self,
          guint     index)
{
  return &self->blocks[index / ENTRIES_PER_BLOCK][index % ENTRIES_PER_BLOCK];
}

static void
entry_clear (Entry *entry)
{
  g_clear_pointer (&entry->call, sa_call_unref);
  g_clear_object (&entry->function);
  sa_value_clear (&entry->value);
  g_clear_error (&entry->error);
}

static void
sa_gather_finalize (GObject *object)
{
  SaGather *self = SA_GATHER (object);

  g_assert (self->outer_id == 0);
  for (guint i = 0; i < self->n_entries; i++)
    entry_clear (entry_at (self, i));
  for (guint i = 0; i < self->n_blocks && self->blocks[i] != NULL; i++)
    g_free (self->blocks[i]);
  g_free (self->blocks);
  g_clear_object (&self->inner);
  g_clear_object (&self->outer);
  g_clear_object (&self->task);

  G_OBJECT_CLASS (sa_gather_parent_class)->finalize (object);
}

static void
sa_gather_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SaGather *self = SA_GATHER (object);

  switch (prop_id)
    {
    case PROP_FLAGS:
      g_value_set_flags (value, self->flags);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sa_gather_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  SaGather *self = SA_GATHER (object);

  switch (prop_id)
    {
    case PROP_FLAGS:
      self->flags = g_value_get_flags (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sa_gather_class_init (SaGatherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sa_gather_finalize;
  object_class->get_property = sa_gather_get_property;
  object_class->set_property = sa_gather_set_property;

  /**
   * SaGather:flags:
   *
   * How the calls are run.
   *
   * Since: 0.2
   */
  properties[PROP_FLAGS] =
    g_param_spec_flags ("flags", NULL, NULL,
                        SA_TYPE_GATHER_FLAGS, SA_GATHER_FLAGS_NONE,
                        (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sa_gather_init (SaGather *self)
{
  self->first = -1;
  self->first_failed = -1;
}

/**
 * SaGather:
 *
 * Several calls, of one [class@Function] or of several, run at once; the
 * run completes when every call has.
 *
 * ```c
 * g_autoptr(SaGather) gather = sa_gather_new (SA_GATHER_FLAGS_NONE);
 * g_autoptr(GBytes) a = NULL, b = NULL;
 *
 * sa_gather_add (gather, load, file_a);
 * sa_gather_add (gather, load, file_b);
 * if (!sa_gather_run_sync (gather, cancellable, error))
 *   return FALSE;
 * sa_gather_get_result (gather, 0, NULL, &a);
 * sa_gather_get_result (gather, 1, NULL, &b);
 * ```
 *
 * Every call takes its function's async-caller path: a pair is started
 * at once, a blocking callable goes to a thread of its function's pool.
 * [method@Gather.run_sync] waits in a private main context, pushed as
 * thread-default, that only it iterates: the caller's own contexts are
 * never iterated, as in [method@Function.call_sync].
 * [method@Gather.run_async] starts the calls in the caller's thread-default
 * context and completes when the last one has been delivered there.
 *
 * The semantics:
 *
 * - Outcomes are kept in the order the calls were added, whatever order
 *   they complete in: [method@Gather.get_outcome] with the index that
 *   [method@Gather.add] returned.
 * - The run succeeds when every call did. Otherwise it fails with a copy
 *   of the error of the first call to fail, in the order they completed;
 *   every call's own outcome is still there.
 * - With %SA_GATHER_FLAGS_CANCEL_ON_ERROR the first failure cancels the
 *   other calls; with %SA_GATHER_FLAGS_FIRST_COMPLETED the first call to
 *   complete does, and the run's outcome is that call's. Either way the
 *   run returns only once every call has completed: no call outlives it.
 * - Cancelling the run's cancellable cancels every call; the run still
 *   waits for them, and fails with the first error (usually
 *   %G_IO_ERROR_CANCELLED).
 * - Each call is delivered exactly once. A gather runs once.
 *
 * Since: 0.2
 */

/**
 * sa_gather_new:
 * @flags: how the calls are run
 *
 * Makes an empty gather.
 *
 * Returns: (transfer full): a new gather
 *
 * Since: 0.2
 */
SaGather *
sa_gather_new (SaGatherFlags flags)
{
  /* Set directly: a construct property through GValues was a tenth of a
   * small gather's own cost. */
  SaGather *self = g_object_new (SA_TYPE_GATHER, NULL);

  self->flags = flags;
  return self;
}

static guint
add_call (SaGather   *self,
          SaFunction *function,
          SaCall     *call)
{
  guint index = self->n_entries;
  guint block = index / ENTRIES_PER_BLOCK;
  Entry *entry;

  if (block == self->n_blocks)
    {
      self->n_blocks = MAX (4, self->n_blocks * 2);
      self->blocks = g_renew (Entry *, self->blocks, self->n_blocks);
      memset (self->blocks + block, 0, (self->n_blocks - block) * sizeof (Entry *));
    }
  /* Not zeroed: each entry is set in full when it is added. */
  if (self->blocks[block] == NULL)
    self->blocks[block] = g_new (Entry, ENTRIES_PER_BLOCK);

  entry = entry_at (self, index);
  *entry = (Entry) {
    .gather = self,
    .call = call,
    .function = g_object_ref (function),
    .index = index,
  };
  self->n_entries++;

  return index;
}

/**
 * sa_gather_add: (skip)
 * @self: a gather that has not run
 * @function: the function to call
 * @...: the arguments, as C passes them
 *
 * Adds a call of @function, with its arguments collected now (copied, as
 * [method@Function.call_async] does). An argument error becomes that
 * call's outcome.
 *
 * Returns: the call's index, for [method@Gather.get_outcome]
 *
 * Since: 0.2
 */
guint
sa_gather_add (SaGather   *self,
               SaFunction *function,
               ...)
{
  SaCall *call;
  va_list var_args;

  g_return_val_if_fail (SA_IS_GATHER (self), 0);
  g_return_val_if_fail (SA_IS_FUNCTION (function), 0);
  g_return_val_if_fail (!self->started, 0);

  call = sa_call_new (function, NULL);
  va_start (var_args, function);
  sa_collect_args (function, call->args, &var_args, 0, &call->error);
  va_end (var_args);

  return add_call (self, function, call);
}

/**
 * sa_gather_addv: (rename-to sa_gather_add)
 * @self: a gather that has not run
 * @function: the function to call
 * @args: (array length=n_args) (nullable): the arguments
 * @n_args: the number of arguments
 *
 * Adds a call of @function with arguments as #GValues, for bindings;
 * they are converted as [method@Function.call_async] converts them. An
 * argument error becomes that call's outcome.
 *
 * Returns: the call's index, for [method@Gather.get_outcome]
 *
 * Since: 0.2
 */
guint
sa_gather_addv (SaGather     *self,
                SaFunction   *function,
                const GValue *args,
                guint         n_args)
{
  SaCall *call;

  g_return_val_if_fail (SA_IS_GATHER (self), 0);
  g_return_val_if_fail (SA_IS_FUNCTION (function), 0);
  g_return_val_if_fail (args != NULL || n_args == 0, 0);
  g_return_val_if_fail (!self->started, 0);

  call = sa_call_new (function, NULL);
  sa_signature_coerce_args (function->name, function->param_types, function->n_params,
                            args, n_args, call->args, &call->error);

  return add_call (self, function, call);
}

/* Running */

static void
cancel_inner (GCancellable *outer,
              GCancellable *inner)
{
  g_cancellable_cancel (inner);
}

static gboolean
run_outcome (SaGather  *self,
             GError   **error)
{
  int deciding = (self->flags & SA_GATHER_FLAGS_FIRST_COMPLETED) ? self->first
                                                                 : self->first_failed;
  Entry *entry;

  if (deciding < 0)
    return TRUE;

  entry = entry_at (self, deciding);
  if (entry->error == NULL)
    return TRUE;

  g_propagate_error (error, g_error_copy (entry->error));
  return FALSE;
}

static void
finish_run (SaGather *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);
  GError *error = NULL;

  /* Not g_cancellable_disconnect(), which deadlocks when the last call
   * was delivered from inside the caller's own cancellation; the handler
   * holds the inner cancellable, and cancelling that now changes
   * nothing. */
  if (self->outer_id != 0)
    {
      g_signal_handler_disconnect (self->outer, self->outer_id);
      self->outer_id = 0;
    }

  if (task == NULL)
    return;

  if (run_outcome (self, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Once per call, in the order they are delivered. */
static void
entry_completed (SaGather *self,
                 Entry    *entry)
{
  g_assert (!entry->done);
  entry->done = TRUE;

  if (self->first < 0)
    {
      self->first = entry->index;
      if (self->flags & SA_GATHER_FLAGS_FIRST_COMPLETED)
        g_cancellable_cancel (self->inner);
    }
  if (entry->error != NULL && self->first_failed < 0)
    {
      self->first_failed = entry->index;
      if (self->flags & SA_GATHER_FLAGS_CANCEL_ON_ERROR)
        g_cancellable_cancel (self->inner);
    }

  if (--self->n_pending == 0)
    finish_run (self);
}

static void
call_delivered (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Entry *entry = user_data;
  SaGather *self = entry->gather;

  sa_function_call_finish (entry->function, result, &entry->value, &entry->error);
  entry_completed (self, entry);

  /* The run's own reference, taken for each call. */
  g_object_unref (self);
}

static gboolean
begin_run (SaGather     *self,
           GCancellable *cancellable)
{
  g_return_val_if_fail (!self->started, FALSE);
  self->started = TRUE;

  /* Calls see the inner cancellable only when something can cancel
   * them: no reference to take and drop per call otherwise. */
  if (cancellable != NULL || self->flags != SA_GATHER_FLAGS_NONE)
    self->inner = g_cancellable_new ();
  if (self->inner != NULL)
    for (guint i = 0; i < self->n_entries; i++)
      {
        SaCall *call = entry_at (self, i)->call;

        call->cancellable = g_object_ref (self->inner);
        call->op_cancellable = g_object_ref (self->inner);
      }

  if (cancellable != NULL)
    {
      self->outer = g_object_ref (cancellable);
      self->outer_id = g_cancellable_connect (cancellable, G_CALLBACK (cancel_inner),
                                              g_object_ref (self->inner),
                                              g_object_unref);
    }

  self->n_pending = self->n_entries;
  return TRUE;
}

static void
start_tasked (SaGather *self,
              Entry    *entry)
{
  SaTaskSpec spec = { .callback = call_delivered, .user_data = entry };
  g_autoptr(SaCall) call = g_steal_pointer (&entry->call);

  g_object_ref (self);
  sa_dispatch_async (entry->function, "gather", call, &spec);
}

/* Starts every call in the thread-default context, each delivered by its
 * own task there. */
static void
start_calls (SaGather *self)
{
  for (guint i = 0; i < self->n_entries; i++)
    start_tasked (self, entry_at (self, i));
}

static gboolean
has_untasked_done (SaGather *self)
{
  for (guint i = 0; i < self->n_entries; i++)
    {
      Entry *entry = entry_at (self, i);

      if (entry->untasked && !entry->done &&
          g_atomic_int_get (&entry->call->state) == SA_CALL_DONE)
        return TRUE;
    }

  return FALSE;
}

static void
collect_untasked (SaGather *self)
{
  for (guint i = 0; i < self->n_entries; i++)
    {
      Entry *entry = entry_at (self, i);

      if (!entry->untasked || entry->done ||
          g_atomic_int_get (&entry->call->state) != SA_CALL_DONE)
        continue;

      sa_call_propagate (entry->call, &entry->value, &entry->error);
      g_clear_pointer (&entry->call, sa_call_unref);
      entry_completed (self, entry);
    }
}

/* The source that collects untasked calls. A completion on another thread
 * wakes the context only while it polls (g_main_context_wakeup() is
 * dropped at other times), so the run looks for done calls where GLib
 * looks for ready sources: in prepare and check, under the context's
 * lock. */
typedef struct
{
  GSource   source;
  SaGather *gather;
} CollectSource;

static gboolean
collect_prepare (GSource *source,
                 int     *timeout)
{
  *timeout = -1;
  return has_untasked_done (((CollectSource *) source)->gather);
}

static gboolean
collect_check (GSource *source)
{
  return has_untasked_done (((CollectSource *) source)->gather);
}

static gboolean
collect_dispatch (GSource     *source,
                  GSourceFunc  callback,
                  gpointer     data)
{
  collect_untasked (((CollectSource *) source)->gather);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs collect_funcs = {
  .prepare = collect_prepare,
  .check = collect_check,
  .dispatch = collect_dispatch,
};

/* A sync run: calls that need no task (pairs, blocking callables in a
 * pool) complete by marking themselves done and waking @wc, as a sync
 * caller's single call does (sa-wait.c), and the run looks at them after
 * every iteration: no task per call, which was half of a gather's cost.
 * The others (a hop to an owner thread, a max-concurrency queue) are
 * delivered by a task in the same context. */
static void
start_calls_untasked (SaGather      *self,
                      SaWaitContext *wc)
{
  for (guint i = 0; i < self->n_entries; i++)
    {
      Entry *entry = entry_at (self, i);
      SaCall *call = entry->call;

      call->wait = sa_wait_context_ref (wc);
      if (call->error != NULL ||
          g_cancellable_set_error_if_cancelled (call->cancellable, &call->error))
        sa_call_complete (call);
      else if (!sa_dispatch_start_untasked (entry->function, call))
        {
          g_clear_pointer (&call->wait, sa_wait_context_unref);
          start_tasked (self, entry);
          continue;
        }
      entry->untasked = TRUE;
    }
}

/**
 * sa_gather_run_sync:
 * @self: a gather that has not run
 * @cancellable: (nullable): cancels every call
 * @error: return location for the first failure
 *
 * Runs every call at once and returns when all have completed, in a
 * private main context pushed as thread-default for the while: the
 * caller's own contexts are never iterated. See [class@Gather] for the
 * outcome.
 *
 * Returns: %TRUE if the run succeeded
 *
 * Since: 0.2
 */
gboolean
sa_gather_run_sync (SaGather      *self,
                    GCancellable  *cancellable,
                    GError       **error)
{
  SaWaitContext *wc;
  guint depth;

  g_return_val_if_fail (SA_IS_GATHER (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!begin_run (self, cancellable))
    return FALSE;

  if (self->n_pending > 0)
    {
      GSource *collect;

      if (G_UNLIKELY (sa_function_debug_enabled (FALSE)))
        g_debug ("gather: %u calls from a sync context, in a private context",
                 self->n_pending);

      /* Reused from one sync wait to the next while provably clean, as a
       * single call's private context is (sa-wait.c). */
      wc = sa_wait_context_borrow (&depth);
      collect = g_source_new (&collect_funcs, sizeof (CollectSource));
      ((CollectSource *) collect)->gather = self;
      g_source_set_static_name (collect, "[smartasync] gather");
      g_source_attach (collect, wc->context);

      g_main_context_push_thread_default (wc->context);
      start_calls_untasked (self, wc);
      while (self->n_pending > 0)
        g_main_context_iteration (wc->context, TRUE);
      g_main_context_pop_thread_default (wc->context);

      g_source_destroy (collect);
      g_source_unref (collect);
      sa_wait_context_give_back (wc, depth);
    }

  finish_run (self);
  return run_outcome (self, error);
}

/**
 * sa_gather_run_async:
 * @self: a gather that has not run
 * @cancellable: (nullable): cancels every call
 * @callback: (scope async) (nullable): called when every call has completed
 * @user_data: data for @callback
 *
 * Starts every call at once in the thread-default main context; @callback
 * runs there once all have been delivered. See [class@Gather] for the
 * outcome.
 *
 * Since: 0.2
 */
void
sa_gather_run_async (SaGather            *self,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SA_IS_GATHER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sa_gather_run_async);
  if (!begin_run (self, cancellable))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "The gather has already run");
      return;
    }

  self->task = g_object_ref (task);
  if (self->n_pending == 0)
    finish_run (self);
  else
    start_calls (self);
}

/**
 * sa_gather_run_finish:
 * @self: a gather
 * @result: the result passed to the callback of [method@Gather.run_async]
 * @error: return location for the first failure
 *
 * Finishes [method@Gather.run_async].
 *
 * Returns: %TRUE if the run succeeded
 *
 * Since: 0.2
 */
gboolean
sa_gather_run_finish (SaGather      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (SA_IS_GATHER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, sa_gather_run_async), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Outcomes */

/**
 * sa_gather_get_flags:
 * @self: a gather
 *
 * Gets [property@Gather:flags].
 *
 * Returns: the flags
 *
 * Since: 0.2
 */
SaGatherFlags
sa_gather_get_flags (SaGather *self)
{
  g_return_val_if_fail (SA_IS_GATHER (self), SA_GATHER_FLAGS_NONE);

  return self->flags;
}

/**
 * sa_gather_get_n_calls:
 * @self: a gather
 *
 * Gets how many calls were added.
 *
 * Returns: the number of calls
 *
 * Since: 0.2
 */
guint
sa_gather_get_n_calls (SaGather *self)
{
  g_return_val_if_fail (SA_IS_GATHER (self), 0);

  return self->n_entries;
}

/**
 * sa_gather_get_first:
 * @self: a gather
 *
 * Gets which call completed first.
 *
 * Returns: the index of the first call to complete, or -1 if none has
 *
 * Since: 0.2
 */
int
sa_gather_get_first (SaGather *self)
{
  g_return_val_if_fail (SA_IS_GATHER (self), -1);

  return self->first;
}

static Entry *
completed_entry (SaGather *self,
                 guint     index)
{
  Entry *entry;

  g_return_val_if_fail (SA_IS_GATHER (self), NULL);
  g_return_val_if_fail (index < self->n_entries, NULL);

  entry = entry_at (self, index);
  g_return_val_if_fail (entry->done, NULL);
  return entry;
}

/**
 * sa_gather_get_outcome:
 * @self: a gather that has run
 * @index: a call's index, as [method@Gather.add] returned it
 * @value: (out caller-allocates) (optional): the call's result, copied;
 *   initialised to the function's return type in every case
 * @error: return location for the call's failure, copied
 *
 * Gets the outcome of one call, as often as needed.
 *
 * Returns: (skip): %TRUE if the call succeeded, %FALSE with @error set if
 *   it failed
 *
 * Since: 0.2
 */
gboolean
sa_gather_get_outcome (SaGather  *self,
                       guint      index,
                       GValue    *value,
                       GError   **error)
{
  Entry *entry = completed_entry (self, index);

  if (entry == NULL)
    return FALSE;

  if (value != NULL)
    {
      if (G_IS_VALUE (&entry->value))
        {
          g_value_init (value, G_VALUE_TYPE (&entry->value));
          g_value_copy (&entry->value, value);
        }
      else
        sa_value_init_result (value, entry->function->return_type);
    }

  if (entry->error != NULL)
    {
      g_propagate_error (error, g_error_copy (entry->error));
      return FALSE;
    }

  return TRUE;
}

/**
 * sa_gather_get_outcome_value:
 * @self: a gather that has run
 * @index: a call's index, as [method@Gather.add] returned it
 * @error: return location for the call's failure, copied
 *
 * [method@Gather.get_outcome] with the result in a GValue of its own, for
 * bindings that do not release what they find in a caller-allocated out
 * GValue (GJS; see [method@Function.call_syncv_value]).
 *
 * Returns: (transfer full) (nullable): the result (of type
 *   %G_TYPE_POINTER and %NULL for a function that returns nothing; free it
 *   with `g_boxed_free (G_TYPE_VALUE, value)`), or %NULL with @error set
 *
 * Since: 0.2
 */
GValue *
sa_gather_get_outcome_value (SaGather  *self,
                             guint      index,
                             GError   **error)
{
  GValue *value = g_new0 (GValue, 1);

  if (!sa_gather_get_outcome (self, index, value, error))
    {
      if (G_IS_VALUE (value))
        g_value_unset (value);
      g_free (value);
      return NULL;
    }

  return value;
}

/**
 * sa_gather_get_result: (skip)
 * @self: a gather that has run
 * @index: a call's index, as [method@Gather.add] returned it
 * @error: return location for the call's failure, copied
 * @...: where to store the result, as [method@Function.call_sync] takes it
 *   (a pointer result is the caller's to free)
 *
 * Gets the outcome of one call for C callers.
 *
 * Returns: %TRUE if the call succeeded
 *
 * Since: 0.2
 */
gboolean
sa_gather_get_result (SaGather  *self,
                      guint      index,
                      GError   **error,
                      ...)
{
  Entry *entry = completed_entry (self, index);
  GValue value = G_VALUE_INIT;
  va_list var_args;

  if (entry == NULL)
    return FALSE;

  /* A number is stored as it is; what owns memory is copied, so that the
   * outcome can be had again. */
  if (entry->error == NULL && G_VALUE_TYPE (&entry->value) != G_TYPE_INVALID &&
      sa_type_owns_nothing (G_VALUE_TYPE (&entry->value)))
    value = entry->value;
  else if (!sa_gather_get_outcome (self, index, &value, error))
    {
      g_value_unset (&value);
      return FALSE;
    }

  va_start (var_args, error);
  sa_collect_store_result (entry->function, &value, &var_args);
  va_end (var_args);
  return TRUE;
}
