/* sa-context.h: telling a sync caller from an async one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined (SA_INSIDE) && !defined (SA_COMPILATION)
# error "Only <smartasync-glib.h> can be included directly."
#endif

#include <glib.h>

#include "sa-version.h"

G_BEGIN_DECLS

SA_AVAILABLE_IN_ALL
gboolean sa_context_is_async (void);

G_END_DECLS
