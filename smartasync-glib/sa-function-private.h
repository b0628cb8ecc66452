/* sa-function-private.h: what the library's files share about SaFunction
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sa-function.h"
#include "sa-pool.h"

G_BEGIN_DECLS

#define SA_FUNCTION_MAX_PARAMS 32

typedef struct _SaCallable SaCallable;

struct _SaFunction
{
  GObject          parent_instance;

  char            *name;
  const char      *interned_name;  /* atomic: sa_function_interned_name () */
  SaFunctionFlags  flags;
  GType            return_type;
  GType           *param_types;
  guint            n_params;
  /* The value table of each parameter type, looked up once: collecting
   * C arguments then needs no type-system lookup per argument. */
  const GTypeValueTable **param_vtables;
  /* A G_TYPE_POINTER parameter: raw memory an abandoned call could
   * still write to (see SA_FUNCTION_FLAGS_DEADLINE_SAFE). */
  gboolean         has_raw_pointers;

  /* The thread-default context at construction and its thread: where
   * SA_FUNCTION_FLAGS_OWNER_THREAD callables run. */
  GMainContext    *main_context;
  GThread         *owner_thread;

  int              mode;           /* SaMode, atomic */
  int              timeout;        /* milliseconds or -1, atomic */
  int              stall_warning;  /* milliseconds or 0, atomic */

  /* Where async callers' blocking calls run (NULL: sa_pool_get_default()),
   * and how many calls may be in flight at once (0: any number), waiting
   * in @limit beyond that (sa-limit.c). */
  SaPool          *pool;             /* atomic */
  GSList          *retired_pools;    /* pools it had: see set_pool */
  int              max_concurrency;  /* atomic */
  struct _SaLimit *limit;

  /* What is wrapped: one of the kinds in sa-callable-private.h. */
  SaCallable      *callable;

  /* An introspected callable's results when it has several (a return
   * value and out arguments): @return_type is then G_TYPE_VALUE_ARRAY,
   * and C callers get one return location per result. */
  GType           *result_types;
  guint            n_results;
};

static inline gboolean
sa_function_is_owner_thread (SaFunction *self)
{
  return self->owner_thread == g_thread_self ();
}

static inline gboolean
sa_function_owner_thread_only (SaFunction *self)
{
  return (self->flags & SA_FUNCTION_FLAGS_OWNER_THREAD) != 0;
}

/* The name interned, for what may outlive the function (a task's name, a
 * late report): interned on first use, so that a function never called
 * that way costs no quark (GLib keeps every quark, and a program that
 * wraps thousands of typelib functions would fill its table). */
static inline const char *
sa_function_interned_name (SaFunction *self)
{
  const char *name = g_atomic_pointer_get (&self->interned_name);

  if (G_UNLIKELY (name == NULL))
    {
      name = g_intern_string (self->name != NULL ? self->name : "");
      g_atomic_pointer_set (&self->interned_name, name);
    }
  return name;
}

SaFunctionKind sa_function_kind        (SaFunction *self);
SaFunction    *sa_function_new_from_callable (const char  *name,
                                              GType        return_type,
                                              const GType *param_types,
                                              guint        n_params,
                                              SaCallable  *callable);
void           sa_function_set_result_types  (SaFunction  *self,
                                              const GType *result_types,
                                              guint        n_results);
gboolean       sa_function_debug_enabled (gboolean cheap);

G_END_DECLS
