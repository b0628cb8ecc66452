/* sa-dispatch-private.h: which path a call takes, and the paths
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sa-call-private.h"

G_BEGIN_DECLS

typedef enum
{
  SA_PATH_DIRECT,        /* sync caller, blocking callable: called here */
  SA_PATH_PRIVATE_WAIT,  /* sync caller, async pair: waited for in a private context */
  SA_PATH_START_HERE,    /* async caller, async pair: started in the caller's context */
  SA_PATH_WORKER,        /* async caller, blocking callable: on a worker thread */
  SA_PATH_OWNER_HOP,     /* an owner-thread callable: run by its owner's context */
} SaPath;

/* An async caller's task, as the caller wants it made. */
typedef struct
{
  gpointer             source_object;
  gpointer             source_tag;
  const char          *task_name;
  GAsyncReadyCallback  callback;
  gpointer             user_data;
  gboolean             tasked;  /* a GTask, even when no more than delivery is needed */
} SaTaskSpec;

SaPath        sa_dispatch_decide      (SaFunction       *function,
                                       gboolean          async_caller);

GAsyncResult *sa_dispatch_smart       (SaFunction       *function,
                                       const char       *entry_name,
                                       SaCall           *call,
                                       const SaTaskSpec *spec);
void          sa_dispatch_async       (SaFunction       *function,
                                       const char       *entry_name,
                                       SaCall           *call,
                                       const SaTaskSpec *spec);

gboolean      sa_dispatch_start_untasked (SaFunction    *function,
                                          SaCall        *call);

/* call_sync in two steps, so that a direct call can borrow its arguments
 * from the caller's frame. */
SaPath        sa_dispatch_sync_path   (SaFunction       *function,
                                       const char       *entry_name);
SaCall       *sa_dispatch_run_sync    (SaFunction       *function,
                                       SaPath            path,
                                       SaCall           *call,
                                       int               timeout_msec);
gboolean      sa_dispatch_direct      (SaFunction       *function,
                                       GValue           *args,
                                       GCancellable     *cancellable,
                                       GValue           *result,
                                       GError          **error);

G_END_DECLS
