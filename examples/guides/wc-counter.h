/* wc-counter.h: a small library with _sync and _async/_finish from one
 * implementation. The guide: docs/guides/library.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WC_TYPE_COUNTER (wc_counter_get_type ())
G_DECLARE_FINAL_TYPE (WcCounter, wc_counter, WC, COUNTER, GObject)

WcCounter *wc_counter_new          (void);

gint64     wc_counter_count_sync   (WcCounter            *self,
                                    GFile                *file,
                                    GCancellable         *cancellable,
                                    GError              **error);
void       wc_counter_count_async  (WcCounter            *self,
                                    GFile                *file,
                                    GCancellable         *cancellable,
                                    GAsyncReadyCallback   callback,
                                    gpointer              user_data);
gint64     wc_counter_count_finish (WcCounter            *self,
                                    GAsyncResult         *result,
                                    GError              **error);

G_END_DECLS
