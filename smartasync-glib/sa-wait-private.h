/* sa-wait-private.h: sync callers waiting in a private main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sa-function-private.h"

G_BEGIN_DECLS

typedef struct _SaCall SaCall;

/* A private main context that sync callers on one thread (its home) wait
 * in, one call after another while it is provably clean; see sa-wait.c. */
typedef struct _SaWaitContext SaWaitContext;
struct _SaWaitContext
{
  gatomicrefcount  ref_count;
  GMainContext    *context;
  GThread         *home;

  /* Calls abandoned at a deadline that have not been released yet: their
   * pair may still complete through this context. Atomic. */
  int              n_abandoned;
  /* Set when one of them belongs to an owner-thread function: only that
   * thread may run what is left here (its function's main context). */
  GMainContext    *owner_context;

  /* The ID of the last probe source attached here: every source attached
   * since has a greater ID (sa_wait_context_is_clean()). */
  guint            window_start;

  /* The wait in progress here and the async calls started into it that
   * it must deliver before it ends (its guests). Atomic. */
  guint            frame;
  int              frame_guests;

  /* Between the waits of its home thread, a context with abandoned calls
   * is iterated by the drain (sa-drain.c), which its home takes it back
   * from; once its home is gone, the drain keeps it. Under @lock. */
  GMutex           lock;
  GCond            cond;
  gboolean         hosted;
  gboolean         reclaim;
  gboolean         home_gone;
};

typedef void (*SaWaitStartFunc) (SaCall *call);

SaWaitContext *sa_wait_context_new            (void);
SaWaitContext *sa_wait_context_ref            (SaWaitContext  *wc);
void           sa_wait_context_unref          (SaWaitContext  *wc);
void           sa_wait_context_wake           (SaWaitContext  *wc);
void           sa_wait_context_abandoned_done (SaWaitContext  *wc);
gboolean       sa_wait_context_is_clean       (SaWaitContext  *wc,
                                               guint          *probe_id);

SaWaitContext *sa_wait_context_borrow         (guint          *depth);
void           sa_wait_context_give_back      (SaWaitContext  *wc,
                                               guint           depth);

gboolean       sa_wait_run                    (SaCall          *call,
                                               SaWaitStartFunc  start,
                                               int              timeout_msec,
                                               GError         **error);
gboolean       sa_wait_in_progress            (void);
void           sa_wait_adopt_guest            (SaCall          *call,
                                               GTask           *task);
int            sa_wait_default_stall_warning  (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaWaitContext, sa_wait_context_unref)

G_END_DECLS
