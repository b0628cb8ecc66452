/* sa-pool-private.h: worker pools and the queues calls wait in
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sa-call-private.h"
#include "sa-pool.h"

G_BEGIN_DECLS

/* A call waiting in a queue (a pool's, or a function's for a free slot of
 * max-concurrency). Its caller's cancellation ends it at once while it
 * waits; whoever takes it from the queue first asks sa_queued_take(). */
typedef struct _SaQueued SaQueued;

typedef void (*SaQueuedStartFunc) (SaCall *call);

SaQueued *sa_queued_new    (SaCall            *call,
                            SaQueuedStartFunc  start,
                            gboolean           in_context);
void      sa_queued_unref  (SaQueued          *queued);
gboolean  sa_queued_take   (SaQueued          *queued);
SaCall   *sa_queued_call   (SaQueued          *queued);
void      sa_queued_start  (SaQueued          *queued);
gboolean  sa_queued_in_context (SaQueued      *queued);

/* Runs @call's blocking callable on one of @pool's threads and completes
 * it there; a call cancelled while it waits for a thread ends at once. */
void      sa_pool_run_call (SaPool            *pool,
                            SaCall            *call);

/* max-concurrency (sa-limit.c). sa_limit_enter() takes a slot for @call
 * and returns TRUE, or queues it to be started with @start (in the
 * context of the caller's task when @in_context) once a slot is free, and
 * returns FALSE. A slot is given back when its call completes. */
gboolean  sa_limit_enter   (SaFunction        *function,
                            SaCall            *call,
                            SaQueuedStartFunc  start,
                            gboolean           in_context);
void      sa_limit_leave   (SaFunction        *function);
void      sa_limit_update  (SaFunction        *function);
void      sa_limit_free    (SaFunction        *function);

G_END_DECLS
