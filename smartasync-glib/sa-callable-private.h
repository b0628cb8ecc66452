/* sa-callable-private.h: the kinds of callable an SaFunction wraps
 *
 * Each kind is a small unit behind this one interface, in a file of its
 * own: a blocking C function called through libffi (sa-c-function.c), a
 * GIO-style C async pair (sa-c-pair.c), and the GValue callbacks that
 * bindings implement, blocking (sa-value-function.c) or completing a task
 * (sa-value-pair.c). The dispatcher (sa-dispatch.c) only ever asks a
 * callable to run now and block, or to start and complete the call later.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <ffi.h>

#include "sa-function-private.h"
#include "sa-signature-private.h"

G_BEGIN_DECLS

typedef struct _SaCall SaCall;
typedef struct _SaCallableClass SaCallableClass;

struct _SaCallableClass
{
  /* What the callable is, for traces: "blocking C function", ... */
  const char      *description;
  SaFunctionKind   kind;

  /* Blocking kinds: runs the callable on this thread. @result is zeroed;
   * it holds the value on success and is left unset on failure. */
  gboolean       (*invoke)   (SaCallable    *callable,
                              SaFunction    *function,
                              GValue        *args,
                              GCancellable  *cancellable,
                              GValue        *result,
                              GError       **error);

  /* Pair kinds: starts the callable in the thread-default main context,
   * which sees its completion; it ends the call with sa_call_complete(),
   * from any thread, possibly before start() returns. */
  void           (*start)    (SaCallable    *callable,
                              SaCall        *call);

  /* Releases what the callable holds; runs when its function is
   * finalized, on whatever thread drops the last reference. */
  void           (*finalize) (SaCallable    *callable,
                              SaFunction    *function);
};

struct _SaCallable
{
  const SaCallableClass *klass;
};

/* The data a binding's callable comes with (sa-value-function.c). */
typedef struct
{
  gpointer       user_data;
  GDestroyNotify destroy;
} SaUserData;

void        sa_user_data_release  (SaUserData      *data,
                                   SaFunction      *function);

/* The kinds. Each returns NULL, with a critical naming the function,
 * when its signature cannot be called. */
SaCallable *sa_c_function_new     (SaFunction      *function,
                                   GCallback        func);
SaCallable *sa_c_pair_new         (SaFunction      *function,
                                   GCallback        async_func,
                                   GCallback        finish_func);
SaCallable *sa_value_function_new (SaFunction      *function,
                                   SaSyncFunc       func,
                                   gpointer         user_data,
                                   GDestroyNotify   destroy);
SaCallable *sa_value_pair_new     (SaFunction      *function,
                                   SaAsyncFunc      func,
                                   gpointer         user_data,
                                   GDestroyNotify   destroy);

/* Shared by the C kinds: what a C function returned, as the call's
 * result or error. A set GError is the failure; the return value, FALSE
 * included, is the value (GIO's convention, and libdex's reading of it). */
gboolean    sa_c_take_return      (SaFunction      *function,
                                   SaSlot          *ret,
                                   GError          *local_error,
                                   GValue          *result,
                                   GError         **error);
guint       sa_c_fill_slots       (SaFunction      *function,
                                   GValue          *args,
                                   SaSlot          *slots,
                                   void           **values);
ffi_type  **sa_c_ffi_types        (SaFunction      *function,
                                   guint            n_extra);

/* Completion tokens for C pairs (sa-pair-token.c): the callback's user
 * data stands for the call until the first completion takes it. */
gpointer    sa_pair_token_new     (SaCall          *call);
SaCall     *sa_pair_token_take    (gpointer         token,
                                   const char     **late_name);

/* Criticals logged on this thread while a pair is being started
 * (sa-critical-watch.c): GIO's precondition checks return without ever
 * calling back. */
void        sa_critical_watch_begin (void);
char       *sa_critical_watch_end   (void);

static inline gboolean
sa_callable_invoke (SaFunction    *function,
                    GValue        *args,
                    GCancellable  *cancellable,
                    GValue        *result,
                    GError       **error)
{
  SaCallable *callable = function->callable;

  return callable->klass->invoke (callable, function, args, cancellable, result, error);
}

G_END_DECLS
