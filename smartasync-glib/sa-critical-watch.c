/* sa-critical-watch.c: criticals logged while a pair is being started
 *
 * GIO's _async functions check their arguments with g_return_if_fail():
 * a NULL file or a wrong type logs a critical and returns without ever
 * calling back, and a sync caller would wait forever. A critical logged on
 * this thread during the start is taken as that; the call fails at once.
 *
 * The watch is a default log handler that chains to the previous one
 * (normally g_log_default_handler()), installed the first time a pair is
 * started. Handlers set for a domain take precedence over it, as GLib
 * defines, so code that routes GIO's criticals elsewhere keeps them and
 * only loses this early failure.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-callable-private.h"

static GLogFunc previous_handler;

/* Per thread: the depth of watched starts, whether a critical was seen,
 * and the first one's text. Plain TLS for what every start touches; the
 * text, rare, in a GPrivate that frees it with the thread. */
static __thread int watch_depth;
static __thread gboolean watch_seen;
static GPrivate watch_message = G_PRIVATE_INIT (g_free);

static void
watch_handler (const char     *log_domain,
               GLogLevelFlags  log_level,
               const char     *message,
               gpointer        user_data)
{
  if ((log_level & G_LOG_LEVEL_CRITICAL) && watch_depth > 0 && !watch_seen)
    {
      watch_seen = TRUE;
      g_private_replace (&watch_message,
                         g_strdup_printf ("%s%s%s", log_domain ? log_domain : "",
                                          log_domain ? ": " : "", message));
    }

  previous_handler (log_domain, log_level, message, NULL);
}

void
sa_critical_watch_begin (void)
{
  static gsize installed = 0;

  if (g_once_init_enter (&installed))
    {
      previous_handler = g_log_set_default_handler (watch_handler, NULL);
      g_once_init_leave (&installed, 1);
    }

  watch_depth++;
}

/* The first critical logged on this thread since the outermost begin, or
 * NULL. */
char *
sa_critical_watch_end (void)
{
  char *message;

  if (--watch_depth > 0 || G_LIKELY (!watch_seen))
    return NULL;

  /* Taken out without the destroy notify freeing it. */
  message = g_strdup (g_private_get (&watch_message));
  g_private_replace (&watch_message, NULL);
  watch_seen = FALSE;
  return message;
}
