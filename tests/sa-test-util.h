/* sa-test-util.h: real operations for the tests to wrap
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <smartasync-glib.h>

G_BEGIN_DECLS

/* A pipe whose read end blocks until someone writes. */
typedef struct
{
  int read_fd;
  int write_fd;
} SaTestPipe;

void          sa_test_pipe_open             (SaTestPipe   *pipe);
void          sa_test_pipe_close            (SaTestPipe   *pipe);
void          sa_test_pipe_write_later      (SaTestPipe   *pipe,
                                             const char   *text,
                                             guint         delay_ms);

/* Blocking C functions, wrapped as they are. */
GBytes       *sa_test_read_pipe_blocking    (int           fd,
                                             GCancellable *cancellable,
                                             GError      **error);
int           sa_test_sleep_blocking        (int           ms,
                                             GCancellable *cancellable,
                                             GError      **error);
gboolean      sa_test_fail_blocking         (const char   *message,
                                             GCancellable *cancellable,
                                             GError      **error);
gboolean      sa_test_fail_silently         (GError      **error);

/* A GIO-style async pair whose completion arrives after @ms on the
 * thread-default context; cancellable; fails when @value is negative. */
void          sa_test_delay_async           (int           value,
                                             int           ms,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer      user_data);
int           sa_test_delay_finish          (GAsyncResult *result,
                                             GError      **error);

/* Counts calls of the test callables above. */
extern int sa_test_invocations;

GFile        *sa_test_make_temp_file        (const char   *contents);

/* A TCP service on 127.0.0.1 that greets each client, run by a thread of
 * its own so that sync callers on the main thread can talk to it. */
typedef struct _SaTestServer SaTestServer;

SaTestServer *sa_test_server_new            (const char   *greeting);
guint16       sa_test_server_get_port       (SaTestServer *server);
void          sa_test_server_free           (SaTestServer *server);

/* Iterates the thread-default context until *@flag is set. */
void          sa_test_wait_for              (gboolean     *flag);
void          sa_test_wait_for_count        (int          *counter,
                                             int           target);

/* Under valgrind (or with SA_TEST_SLOW_MACHINE set), where a thread can
 * wait hundreds of milliseconds for its turn: timing bounds are reported,
 * not asserted. */
gboolean      sa_test_slow_machine          (void);

G_END_DECLS
