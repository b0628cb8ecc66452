/* sa-pool.h: a bounded set of worker threads for blocking callables
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (SA_INSIDE) && !defined (SA_COMPILATION)
# error "Only <smartasync-glib.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sa-version.h"

G_BEGIN_DECLS

#define SA_TYPE_POOL (sa_pool_get_type ())

SA_AVAILABLE_IN_0_2
G_DECLARE_FINAL_TYPE (SaPool, sa_pool, SA, POOL, GObject)

SA_AVAILABLE_IN_0_2
SaPool *sa_pool_new             (guint   max_threads);
SA_AVAILABLE_IN_0_2
SaPool *sa_pool_get_default     (void);
SA_AVAILABLE_IN_0_2
guint   sa_pool_get_max_threads (SaPool *self);
SA_AVAILABLE_IN_0_2
guint   sa_pool_get_n_threads   (SaPool *self);
SA_AVAILABLE_IN_0_2
guint   sa_pool_get_n_queued    (SaPool *self);

G_END_DECLS
