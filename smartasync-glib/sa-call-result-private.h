/* sa-call-result-private.h: the result of a smart call made in a sync context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sa-call-private.h"

G_BEGIN_DECLS

#define SA_TYPE_CALL_RESULT (sa_call_result_get_type ())

G_DECLARE_FINAL_TYPE (SaCallResult, sa_call_result, SA, CALL_RESULT, GObject)

SaCallResult *sa_call_result_new  (SaCall   *call,
                                   gpointer  user_data);
SaCall       *sa_call_result_call (SaCallResult *self);

G_END_DECLS
