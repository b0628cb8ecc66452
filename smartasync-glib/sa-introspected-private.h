/* sa-introspected-private.h: SaFunctions from gobject-introspection
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <girepository.h>

#include "sa-function-private.h"

G_BEGIN_DECLS

SaFunction *sa_introspected_new          (const char  *namespace_,
                                          const char  *version,
                                          const char  *name,
                                          GError     **error);
SaFunction *sa_introspected_new_for_info (GIBaseInfo  *info,
                                          GError     **error);

G_END_DECLS
