/* sa-test-caller.h: C code that calls an SaFunction, for the binding tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <smartasync-glib.h>

G_BEGIN_DECLS

gboolean sa_test_caller_call_from_loop   (SaFunction    *function,
                                          const GValue  *args,
                                          guint          n_args,
                                          gboolean       smart,
                                          GValue        *result,
                                          guint         *ticks,
                                          GError       **error);

gboolean sa_test_caller_call_from_thread (SaFunction    *function,
                                          const GValue  *args,
                                          guint          n_args,
                                          GCancellable  *cancellable,
                                          GValue        *result,
                                          GError       **error);

GValue  *sa_test_caller_call_from_loop_value   (SaFunction    *function,
                                               const GValue  *args,
                                               guint          n_args,
                                               gboolean       smart,
                                               guint         *ticks,
                                               GError       **error);
GValue  *sa_test_caller_call_from_thread_value (SaFunction    *function,
                                               const GValue  *args,
                                               guint          n_args,
                                               GCancellable  *cancellable,
                                               GError       **error);

gint64   sa_test_caller_last_max_tick_gap      (void);

SaFunction *sa_test_caller_new_slow_double (void);
gboolean    sa_test_caller_slow_double_ran_on_creator_thread (void);
guint       sa_test_caller_slow_double_runs (void);
guint       sa_test_caller_slow_double_most_in_flight (gboolean reset);

int         sa_test_caller_add     (int a,
                                    int b);
SaFunction *sa_test_caller_new_add (void);

G_END_DECLS
