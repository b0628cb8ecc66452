/* sa-call-private.h: one call of an SaFunction, from start to result
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sa-function-private.h"

G_BEGIN_DECLS

typedef enum
{
  SA_CALL_PENDING,    /* the callable is running */
  SA_CALL_DONE,       /* result or error is set */
  SA_CALL_ABANDONED,  /* a sync caller stopped waiting (deadline) */
} SaCallState;

/* Shared by the caller side (a waiting private loop or the caller's GTask)
 * and the callable side (a worker thread, a native pair's callback, a hop
 * to the owner thread). Each side holds a reference; whichever side
 * finishes first decides the state with one compare-and-swap, so a late
 * completion after a deadline is dropped rather than delivered. */
typedef struct _SaCall SaCall;
struct _SaCall
{
  gatomicrefcount  ref_count;
  int              state;         /* SaCallState, atomic */
  int              completions;   /* atomic, to catch a pair completing twice */

  SaFunction      *function;
  GCancellable    *cancellable;    /* the caller's */
  GCancellable    *op_cancellable; /* what the callable sees */
  gulong           forward_id;     /* cancellable -> op_cancellable */

  /* Where completion goes: the caller's task (async callers), or a wakeup
   * of the private context a sync caller iterates. */
  GTask           *task;
  GMainContext    *wait_context;

  /* Where the callable was started: a native pair must complete in the
   * thread-default context it saw (NULL: the global default one), which
   * is only compared, never dereferenced (a pair breaking the rule may
   * complete after it is gone). */
  GThread         *start_thread;
  GMainContext    *start_context;

  GValue           result;
  GError          *error;
  gboolean         finished;       /* the result was handed out */

  GValue           args[];         /* function->n_params */
};

SaCall   *sa_call_new                 (SaFunction   *function,
                                       GCancellable *cancellable);
SaCall   *sa_call_ref                 (SaCall       *call);
void      sa_call_unref               (SaCall       *call);
void      sa_call_complete            (SaCall       *call);
void      sa_call_post_to_owner       (SaCall       *call);
void      sa_call_own_cancellable     (SaCall       *call);
void      sa_call_unchain_cancellable (SaCall       *call);
void      sa_call_drain_abandoned     (SaCall       *call);
GTask    *sa_call_new_task            (SaCall       *call,
                                       gpointer      source_object,
                                       GAsyncReadyCallback callback,
                                       gpointer      user_data);
void      sa_call_thread_func         (GTask        *task,
                                       gpointer      source_object,
                                       gpointer      task_data,
                                       GCancellable *cancellable);
gboolean  sa_call_propagate           (SaCall       *call,
                                       GValue       *value,
                                       GError      **error);

/* The callable, in each of its four implementations (sa-invoke.c). */
gboolean  sa_function_invoke_sync     (SaFunction   *self,
                                       GValue       *args,
                                       GCancellable *cancellable,
                                       GValue       *result,
                                       GError      **error);
void      sa_function_start           (SaFunction   *self,
                                       SaCall       *call);
void      sa_function_start_here      (SaFunction   *self,
                                       SaCall       *call);
void      sa_function_prepare_pair_shapes (SaFunction *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaCall, sa_call_unref)

G_END_DECLS
