/* sa-call-private.h: one call of an SaFunction, from start to result
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sa-function-private.h"
#include "sa-wait-private.h"

G_BEGIN_DECLS

typedef enum
{
  SA_CALL_PENDING,    /* the callable is running */
  SA_CALL_DONE,       /* result or error is set */
  SA_CALL_ABANDONED,  /* a sync caller stopped waiting (deadline) */
  SA_CALL_CANCELLED,  /* a hop ended at once by its caller's cancellable */
} SaCallState;

/* Shared by the caller side (a waiting private loop or the caller's GTask)
 * and the callable side (a worker thread, a pair's callback, a hop to the
 * owner thread). Each side holds a reference; whichever side finishes
 * first decides the state with one compare-and-swap, so a late completion
 * after a deadline or a cancelled hop is dropped rather than delivered. */
struct _SaCall
{
  gatomicrefcount  ref_count;
  int              state;         /* SaCallState, atomic */
  int              completions;   /* atomic, to catch a pair completing twice */
  int              holds_slot;    /* atomic: of max-concurrency (sa-limit.c) */

  SaFunction      *function;
  GCancellable    *cancellable;    /* the caller's */
  GCancellable    *op_cancellable; /* what the callable sees */
  gulong           forward_id;     /* cancellable -> op_cancellable */
  gpointer         cancel_handler; /* cancellable -> the call ends at once:
                                    * its handler ID, atomic */

  /* Where completion goes: the caller's task (async callers), or a wakeup
   * of the private context a sync caller waits in. */
  GTask           *task;
  struct _SaCallResult *pending;  /* instead of a task (sa-call-result.c) */
  SaWaitContext   *wait;

  /* Where a pair was started: it must complete in the thread-default
   * context it saw (NULL: the global default one), which is only
   * compared, never dereferenced. */
  GThread         *start_thread;
  GMainContext    *start_context;

  /* Held while a call made during its start-up is under way, so that
   * g_application_run() iterates until the call is delivered. */

  GValue           result;
  GError          *error;
  gboolean         finished;       /* the result was handed out */

  GValue           args[];         /* function->n_params */
};

SaCall   *sa_call_new                 (SaFunction          *function,
                                       GCancellable        *cancellable);
SaCall   *sa_call_ref                 (SaCall              *call);
void      sa_call_unref               (SaCall              *call);
void      sa_call_start               (SaCall              *call);
void      sa_call_complete            (SaCall              *call);
void      sa_call_own_cancellable     (SaCall              *call);
void      sa_call_unchain_cancellable (SaCall              *call);
void      sa_call_end_on_cancel       (SaCall              *call);
void      sa_call_settled             (SaCall              *call);
void      sa_call_hold_application    (SaCall              *call,
                                       GApplication        *application);
GTask    *sa_call_new_task            (SaCall              *call,
                                       gpointer             source_object,
                                       gpointer             source_tag,
                                       const char          *task_name,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
SaCall   *sa_call_from_task           (GTask               *task);
gboolean  sa_call_propagate           (SaCall              *call,
                                       GValue              *value,
                                       GError             **error);
GMainContext *sa_call_delivery_context (SaCall             *call);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaCall, sa_call_unref)

G_END_DECLS
