/* sa-context.c: the context rule
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-context.h"

/**
 * sa_context_is_async:
 *
 * Tells whether the calling thread is in an *async context*: it is being
 * dispatched by a [struct@GLib.MainContext] that it owns and that is its
 * thread-default context. A result delivered to the thread-default context
 * will then be dispatched as soon as the current callback returns, so
 * blocking would stall a running loop and starting an operation is safe.
 *
 * Everything else is a *sync context*: plain code before any loop runs or
 * after it ended, a worker thread (for example a [class@Gio.Task] thread),
 * a thread that iterates a context it has not pushed as thread-default (a
 * result sent to the thread-default context would not be dispatched), or
 * plain code that pushed a context without being dispatched by anything.
 *
 * A context pushed *inside* a dispatch counts as async: pushing acquires
 * it, and GIO expects whoever pushes a context to iterate it, which is how
 * an async call made inside another call's private loop attaches to that
 * loop.
 *
 * The answer is computed on every call (it costs tens of nanoseconds) and
 * never cached, so a thread moves freely between the two.
 *
 * Returns: %TRUE in an async context
 *
 * Since: 0.1
 */
gboolean
sa_context_is_async (void)
{
  GMainContext *context;

  /* g_main_depth() > 0 only inside g_main_context_dispatch(), i.e. inside
   * a source callback of some context on this thread. */
  if (g_main_depth () == 0)
    return FALSE;

  /* NULL is the global default context, which g_main_context_is_owner()
   * understands as such. */
  context = g_main_context_get_thread_default ();

  return g_main_context_is_owner (context);
}
