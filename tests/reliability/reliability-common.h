/* reliability-common.h: what the reliability tests share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <smartasync-glib.h>

G_BEGIN_DECLS

/* Iteration counts. The full counts are the (10,000 calls, 8
 * threads x 10,000); under valgrind, which runs one thread at a time some
 * 50 times slower, they are scaled to 20% (2,000 calls) so that the stage
 * stays in budget. SA_TEST_SCALE (a percentage) overrides the choice;
 * every test reports the counts it really used as a TAP comment. */
guint        rel_scale_percent   (void);
guint        rel_scaled          (guint full);
gboolean     rel_running_on_valgrind (void);
gboolean     rel_running_under_asan  (void);

/* How long a case may run before it counts as hung: @native_msec natively,
 * 4 times that under valgrind and twice that under AddressSanitizer, which
 * slow everything down (the iteration counts under valgrind are already
 * scaled, the thread-pool growth being waited for is not). */
guint        rel_time_bound      (guint native_msec);

/* Fails the running test (g_error() naming it) unless rel_watchdog_stop()
 * is called within @timeout_msec: a hang anywhere in the test, including
 * waits that have no bound of their own, fails in that time rather than
 * at meson's much longer per-file timeout. One at a time. */
void         rel_watchdog_start  (guint         timeout_msec);
void         rel_watchdog_stop   (void);

/* A GObject whose instances are counted: passed as an argument, it shows
 * whether a call's arguments were released. */
#define REL_TYPE_TOKEN (rel_token_get_type ())
G_DECLARE_FINAL_TYPE (RelToken, rel_token, REL, TOKEN, GObject)

RelToken    *rel_token_new       (void);
guint        rel_tokens_alive    (void);

/* Iterates @context (NULL: the global default) until *@flag becomes
 * non-zero or @timeout_msec passes. Returns whether it did. */
gboolean     rel_iterate_until   (GMainContext *context,
                                  const int    *flag,
                                  guint         timeout_msec);

/* Waits, iterating the global default context, for every token to be
 * finalised: abandoned calls are released by the library asynchronously. */
gboolean     rel_wait_for_tokens (guint         expected_alive,
                                  guint         timeout_msec);

/* A GIO-style pair completing through a GTask in the caller's
 * thread-default context, on the next iteration. */
void         rel_add_async       (int                  a,
                                  int                  b,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
int          rel_add_finish      (GAsyncResult        *result,
                                  GError             **error);

/* The same behind a blocking function. */
int          rel_add_blocking    (int                  a,
                                  int                  b,
                                  GCancellable        *cancellable,
                                  GError             **error);

/* A monotonic clock in microseconds that keeps ticking under valgrind. */
static inline gint64
rel_now (void)
{
  return g_get_monotonic_time ();
}

/* Busy-waits @usec microseconds (or until @cancellable is cancelled):
 * g_usleep() is far too coarse to hit race windows. */
gboolean     rel_spin            (guint                usec,
                                  GCancellable        *cancellable);

/* A small deterministic PRNG per thread, seeded from the test seed. */
guint32      rel_random          (guint32             *state);

G_END_DECLS
