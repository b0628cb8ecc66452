/* sa-gather.h: several calls at once, one outcome when all are done
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (SA_INSIDE) && !defined (SA_COMPILATION)
# error "Only <smartasync-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sa-function.h"
#include "sa-version.h"

G_BEGIN_DECLS

/**
 * SaGatherFlags:
 * @SA_GATHER_FLAGS_NONE: wait for every call; each keeps its own outcome
 * @SA_GATHER_FLAGS_CANCEL_ON_ERROR: the first call to fail cancels the
 *   others (which are still waited for)
 * @SA_GATHER_FLAGS_FIRST_COMPLETED: the first call to complete, whatever
 *   its outcome, cancels the others (which are still waited for); the run's
 *   outcome is that call's, and [method@Gather.get_first] tells which it is
 *
 * How an [class@Gather] runs its calls.
 *
 * Since: 0.2
 */
typedef enum /*< flags >*/
{
  SA_GATHER_FLAGS_NONE            = 0,
  SA_GATHER_FLAGS_CANCEL_ON_ERROR = 1 << 0,
  SA_GATHER_FLAGS_FIRST_COMPLETED = 1 << 1,
} SaGatherFlags;

#define SA_TYPE_GATHER (sa_gather_get_type ())

SA_AVAILABLE_IN_0_2
G_DECLARE_FINAL_TYPE (SaGather, sa_gather, SA, GATHER, GObject)

SA_AVAILABLE_IN_0_2
SaGather      *sa_gather_new          (SaGatherFlags         flags);
SA_AVAILABLE_IN_0_2
guint          sa_gather_add          (SaGather             *self,
                                       SaFunction           *function,
                                       ...);
SA_AVAILABLE_IN_0_2
guint          sa_gather_addv         (SaGather             *self,
                                       SaFunction           *function,
                                       const GValue         *args,
                                       guint                 n_args);

SA_AVAILABLE_IN_0_2
gboolean       sa_gather_run_sync     (SaGather             *self,
                                       GCancellable         *cancellable,
                                       GError              **error);
SA_AVAILABLE_IN_0_2
void           sa_gather_run_async    (SaGather             *self,
                                       GCancellable         *cancellable,
                                       GAsyncReadyCallback   callback,
                                       gpointer              user_data);
SA_AVAILABLE_IN_0_2
gboolean       sa_gather_run_finish   (SaGather             *self,
                                       GAsyncResult         *result,
                                       GError              **error);

SA_AVAILABLE_IN_0_2
SaGatherFlags  sa_gather_get_flags    (SaGather             *self);
SA_AVAILABLE_IN_0_2
guint          sa_gather_get_n_calls  (SaGather             *self);
SA_AVAILABLE_IN_0_2
int            sa_gather_get_first    (SaGather             *self);
SA_AVAILABLE_IN_0_2
gboolean       sa_gather_get_outcome  (SaGather             *self,
                                       guint                 index,
                                       GValue               *value,
                                       GError              **error);
SA_AVAILABLE_IN_0_2
GValue        *sa_gather_get_outcome_value (SaGather        *self,
                                       guint                 index,
                                       GError              **error);
SA_AVAILABLE_IN_0_2
gboolean       sa_gather_get_result   (SaGather             *self,
                                       guint                 index,
                                       GError              **error,
                                       ...);

G_END_DECLS
