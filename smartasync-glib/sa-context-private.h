/* sa-context-private.h: the context rule, with the reason it gave
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  SA_CONTEXT_SYNC,
  SA_CONTEXT_DISPATCH,             /* a source of the thread-default context */
  SA_CONTEXT_APPLICATION_STARTUP,  /* a GApplication's start-up handlers */
} SaContextKind;

SaContextKind sa_context_classify            (GApplication **application);
void          sa_context_watch_applications  (void);
GApplication *sa_context_starting_application (void);

G_END_DECLS
