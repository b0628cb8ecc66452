/* sa-call-result-private.h: the GAsyncResult of a call that needs no GTask
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sa-call-private.h"

G_BEGIN_DECLS

#define SA_TYPE_CALL_RESULT (sa_call_result_get_type ())

G_DECLARE_FINAL_TYPE (SaCallResult, sa_call_result, SA, CALL_RESULT, GObject)

SaCallResult *sa_call_result_new          (SaCall              *call,
                                           gpointer             user_data);
SaCallResult *sa_call_result_new_pending  (SaCall              *call,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
SaCall       *sa_call_result_call         (SaCallResult        *self);
GMainContext *sa_call_result_context      (SaCallResult        *self);
void          sa_call_result_deliver      (SaCallResult        *self);

G_END_DECLS
