/* sa-drain-private.h: contexts that abandoned calls may still complete in
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sa-wait-private.h"

G_BEGIN_DECLS

void     sa_drain_lend    (SaWaitContext *wc);
void     sa_drain_reclaim (SaWaitContext *wc);
void     sa_drain_adopt   (SaWaitContext *wc);

G_END_DECLS
