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
 * result sent to the thread-default context would not be dispatched, even
 * when an outer loop owns that one), or a context pushed and not (yet)
 * iterated, in plain code or inside a callback of another context: the
 * call then blocks in a private context of its own instead of sending its
 * result to a context that may never be iterated.
 *
 * An async call made inside another call's private loop (a callback that
 * loop dispatches) is in an async context: that loop's context is pushed
 * and being dispatched, so the call attaches to it.
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
  GMainContext *thread_default;
  GSource *dispatching;

  /* g_main_depth() > 0 only inside g_main_context_dispatch(), i.e. inside
   * a source callback of some context on this thread. */
  if (g_main_depth () == 0)
    return FALSE;

  /* The context whose callback this thread is running: owned by this
   * thread, as dispatching needs it acquired. Async if and only if it is
   * the thread-default one, where results are delivered. */
  dispatching = g_main_current_source ();
  if (dispatching == NULL)
    return FALSE;

  thread_default = g_main_context_get_thread_default ();
  if (thread_default == NULL)
    thread_default = g_main_context_default ();

  return g_source_get_context (dispatching) == thread_default;
}
