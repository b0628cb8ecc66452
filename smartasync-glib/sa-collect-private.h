/* sa-collect-private.h: C arguments and results, through varargs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sa-function-private.h"

G_BEGIN_DECLS

gboolean sa_collect_args         (SaFunction  *self,
                                  GValue      *args,
                                  va_list     *var_args,
                                  guint        collect_flags,
                                  GError     **error);
void     sa_collect_store_result (SaFunction  *self,
                                  GValue      *result,
                                  va_list     *var_args);

G_END_DECLS
