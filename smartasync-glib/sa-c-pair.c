/* sa-c-pair.c: a GIO-style C async pair, _async + _finish
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sa-call-private.h"
#include "sa-callable-private.h"
#include "sa-error.h"

typedef struct
{
  SaCallable  parent;
  GCallback   async_func;
  GCallback   finish_func;
  ffi_cif     async_cif;
  ffi_cif     finish_cif;
  ffi_type  **async_types;
  ffi_type   *finish_types[3];
  /* How to call the pair without libffi, or 0 and -1 */
  guint       start_shape;
  int         finish_shape;
} SaCPair;

/* Calling a pair without libffi.
 *
 * ffi_call() classifies every argument again on every call, a large share
 * of our side of a call to a pair that completes at once. GLib's generated
 * marshallers (gmarshal.c) call C
 * functions through function pointers of the right shape instead, passing
 * pointers of any type as gpointer and gint-sized integers (gint,
 * gboolean, enums) as gint; the shapes async pairs mostly have are called
 * that way here, and libffi does everything else. A shape is the number
 * of leading arguments (at most 3) and one bit per argument, set for a
 * gint. */
enum
{
  SHAPE_NONE = 0,
  SHAPE_P    = 0,  /* a pointer of any type */
  SHAPE_I    = 1,  /* gint, gboolean or an enum */
};

#define SHAPE0()        (1)
#define SHAPE1(a)       (2 | SHAPE_##a)
#define SHAPE2(a, b)    (4 | SHAPE_##a | SHAPE_##b << 1)
#define SHAPE3(a, b, c) (8 | SHAPE_##a | SHAPE_##b << 1 | SHAPE_##c << 2)

/* -1: neither */
static int
shape_class (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_BOOLEAN:
    case G_TYPE_INT:
    case G_TYPE_ENUM:
      return SHAPE_I;
    default:
      return sa_signature_type_is_pointer_like (type) ? SHAPE_P : -1;
    }
}

static guint
shape_of (const GType *types,
          guint        n_types)
{
  guint shape;

  if (n_types > 3)
    return SHAPE_NONE;

  shape = 1u << n_types;
  for (guint i = 0; i < n_types; i++)
    {
      int klass = shape_class (types[i]);

      if (klass < 0)
        return SHAPE_NONE;
      shape |= (guint) klass << i;
    }

  return shape;
}

typedef gpointer ShapeType_P;
typedef gint     ShapeType_I;
#define SHAPE_ARG_P(i) (args[i].v_pointer)
#define SHAPE_ARG_I(i) (args[i].v_int)

#define START(...) \
  ((void (*) (__VA_ARGS__, GCancellable *, GAsyncReadyCallback, gpointer)) func)
#define START_TAIL cancellable, callback, user_data

/* Calls @func (args..., cancellable, callback, user_data) if its
 * parameters have one of the common shapes. */
static gboolean
start_directly (GCallback            func,
                guint                shape,
                const SaSlot        *args,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  switch (shape)
    {
#define CASE1(a) \
    case SHAPE1 (a): \
      START (ShapeType_##a) (SHAPE_ARG_##a (0), START_TAIL); \
      return TRUE;
#define CASE2(a, b) \
    case SHAPE2 (a, b): \
      START (ShapeType_##a, ShapeType_##b) (SHAPE_ARG_##a (0), SHAPE_ARG_##b (1), START_TAIL); \
      return TRUE;
#define CASE3(a, b, c) \
    case SHAPE3 (a, b, c): \
      START (ShapeType_##a, ShapeType_##b, ShapeType_##c) \
        (SHAPE_ARG_##a (0), SHAPE_ARG_##b (1), SHAPE_ARG_##c (2), START_TAIL); \
      return TRUE;

    case SHAPE0 ():
      ((void (*) (GCancellable *, GAsyncReadyCallback, gpointer)) func) (START_TAIL);
      return TRUE;
    CASE1 (P) CASE1 (I)
    CASE2 (P, P) CASE2 (P, I) CASE2 (I, P) CASE2 (I, I)
    CASE3 (P, P, P) CASE3 (P, P, I) CASE3 (P, I, P) CASE3 (P, I, I)
    CASE3 (I, P, P) CASE3 (I, P, I) CASE3 (I, I, P) CASE3 (I, I, I)

#undef CASE1
#undef CASE2
#undef CASE3
    default:
      return FALSE;
    }
}

#undef START
#undef START_TAIL

/* The shape of a _finish function: its return class times 3 plus its
 * source's class, with 2 for none; -1 when libffi must call it. */
static int
finish_shape_of (GType        return_type,
                 const GType *source_type)
{
  int return_class = return_type == G_TYPE_NONE ? 2 : shape_class (return_type);
  int source_class = source_type == NULL ? 2 : shape_class (*source_type);

  if (return_class < 0 || source_class < 0)
    return -1;
  return return_class * 3 + source_class;
}

/* Calls @func ([source,] result, error) if it has one of the shapes
 * finish_shape_of() knows; the return value goes to @ret as libffi would
 * put it there. */
static gboolean
finish_directly (GCallback      func,
                 int            shape,
                 const SaSlot  *source,
                 GAsyncResult  *result,
                 GError       **error,
                 SaSlot        *ret)
{
  if (shape < 0)
    return FALSE;

#define FINISH(R, ...) ((R (*) (__VA_ARGS__, GAsyncResult *, GError **)) func)
#define FINISH0(R) ((R (*) (GAsyncResult *, GError **)) func)

  switch (shape)
    {
    case SHAPE_P * 3 + SHAPE_P:
      ret->v_pointer = FINISH (gpointer, gpointer) (source->v_pointer, result, error);
      break;
    case SHAPE_P * 3 + SHAPE_I:
      ret->v_pointer = FINISH (gpointer, gint) (source->v_int, result, error);
      break;
    case SHAPE_P * 3 + 2:
      ret->v_pointer = FINISH0 (gpointer) (result, error);
      break;
    case SHAPE_I * 3 + SHAPE_P:
      ret->v_ffi_arg = (ffi_arg) (ffi_sarg) FINISH (gint, gpointer) (source->v_pointer, result, error);
      break;
    case SHAPE_I * 3 + SHAPE_I:
      ret->v_ffi_arg = (ffi_arg) (ffi_sarg) FINISH (gint, gint) (source->v_int, result, error);
      break;
    case SHAPE_I * 3 + 2:
      ret->v_ffi_arg = (ffi_arg) (ffi_sarg) FINISH0 (gint) (result, error);
      break;
    case 2 * 3 + SHAPE_P:
      FINISH (void, gpointer) (source->v_pointer, result, error);
      break;
    case 2 * 3 + SHAPE_I:
      FINISH (void, gint) (source->v_int, result, error);
      break;
    case 2 * 3 + 2:
      FINISH0 (void) (result, error);
      break;
    default:
      g_assert_not_reached ();
    }

#undef FINISH
#undef FINISH0

  return TRUE;
}

/* GIO's contract names a context, not a thread: a pair started on a thread
 * with no context of its own (the global default one) rightly completes on
 * whichever thread runs that context. */
static gboolean
dispatched_by_start_context (SaCall *call)
{
  GSource *dispatching = g_main_current_source ();
  GMainContext *expected = call->start_context;

  if (expected == NULL)
    expected = g_main_context_default ();

  return dispatching != NULL && g_source_get_context (dispatching) == expected;
}

static void
sa_c_pair_ready (GObject      *source_object,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  const char *late_name;
  g_autoptr(SaCall) call = sa_pair_token_take (user_data, &late_name);
  SaFunction *function;
  SaCPair *self;
  SaSlot slots[3];
  void *values[3];
  SaSlot ret = { 0 };
  GError *local_error = NULL;
  guint n = 0;

  if (G_UNLIKELY (call == NULL))
    {
      if (late_name != NULL)
        g_critical ("Function “%s”: its async function invoked the callback "
                    "more than once; only the first completion counts",
                    late_name);
      else
        g_critical ("An async function invoked the callback of a SmartAsync "
                    "call that has ended (a second time, or with data that "
                    "is not its own); ignored");
      return;
    }

  function = call->function;
  self = (SaCPair *) function->callable;
  g_atomic_int_inc (&call->completions);

  if (call->start_thread != g_thread_self () &&
      g_atomic_int_get (&call->state) == SA_CALL_PENDING &&
      !dispatched_by_start_context (call))
    g_critical ("Function “%s”: its async function called back on another "
                "thread, outside the thread-default main context it was "
                "started in; GIO async functions must call back in the "
                "caller's thread-default main context",
                function->name);

  if (function->flags & SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE)
    {
      sa_slot_from_value (&slots[n], &call->args[0]);
      values[n] = &slots[n];
      n++;
    }

  if (!finish_directly (self->finish_func, self->finish_shape, &slots[0],
                        res, &local_error, &ret))
    {
      slots[n].v_pointer = res;
      values[n] = &slots[n];
      n++;
      slots[n].v_pointer = &local_error;
      values[n] = &slots[n];

      ffi_call (&self->finish_cif, FFI_FN (self->finish_func), &ret, values);
    }

  sa_c_take_return (function, &ret, local_error, &call->result, &call->error);
  sa_call_complete (call);
}

/* A pair that will not call back, known before or during its start: the
 * call fails at once instead of leaving its caller waiting. */
static void
fail_start (SaCall     *call,
            const char *format,
            ...) G_GNUC_PRINTF (2, 3);

static void
fail_start (SaCall     *call,
            const char *format,
            ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (&call->error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE,
               "Function “%s” cannot start: %s", call->function->name, reason);
  sa_call_complete (call);
}

static void
sa_c_pair_start (SaCallable *callable,
                 SaCall     *call)
{
  SaCPair *self = (SaCPair *) callable;
  SaFunction *function = call->function;
  SaSlot slots[SA_FUNCTION_MAX_PARAMS + 3];
  void *values[SA_FUNCTION_MAX_PARAMS + 3];
  SaSlot ret = { 0 };
  g_autofree char *critical = NULL;
  gpointer token;
  guint n;

  /* The source object of a pair whose _finish takes it is the instance
   * of a method: GIO's precondition on it would return without calling
   * back. */
  n = sa_c_fill_slots (function, call->args, slots, values);
  if ((function->flags & SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE) &&
      sa_signature_type_is_pointer_like (function->param_types[0]) &&
      slots[0].v_pointer == NULL)
    {
      fail_start (call, "argument 1, the object the async function is a method of, is NULL");
      return;
    }

  token = sa_pair_token_new (sa_call_ref (call));

  sa_critical_watch_begin ();
  if (!start_directly (self->async_func, self->start_shape, slots,
                       call->op_cancellable, sa_c_pair_ready, token))
    {
      slots[n].v_pointer = call->op_cancellable;
      values[n] = &slots[n];
      n++;
      slots[n].v_pointer = (gpointer) sa_c_pair_ready;
      values[n] = &slots[n];
      n++;
      slots[n].v_pointer = token;
      values[n] = &slots[n];

      ffi_call (&self->async_cif, FFI_FN (self->async_func), &ret, values);
    }
  critical = sa_critical_watch_end ();

  if (G_UNLIKELY (critical != NULL))
    {
      const char *unused;
      g_autoptr(SaCall) held = sa_pair_token_take (token, &unused);

      /* Taking the token back succeeds only if the pair has not called
       * back already: a failed precondition returns without doing so. */
      if (held != NULL)
        fail_start (call, "its async function logged a critical (%s) and will "
                    "not call back", critical);
    }
}

static void
sa_c_pair_finalize (SaCallable *callable,
                    SaFunction *function)
{
  SaCPair *self = (SaCPair *) callable;

  g_free (self->async_types);
  g_free (self);
}

static const SaCallableClass sa_c_pair_class = {
  .description = "async",
  .kind = SA_FUNCTION_KIND_ASYNC,
  .start = sa_c_pair_start,
  .finalize = sa_c_pair_finalize,
};

SaCallable *
sa_c_pair_new (SaFunction *function,
               GCallback   async_func,
               GCallback   finish_func)
{
  SaCPair *self = g_new0 (SaCPair, 1);
  gboolean takes_source = (function->flags & SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE) != 0;
  guint n_finish_args = 2;
  gboolean ok;

  self->parent.klass = &sa_c_pair_class;
  self->async_func = async_func;
  self->finish_func = finish_func;

  self->start_shape = shape_of (function->param_types, function->n_params);
  self->finish_shape = finish_shape_of (function->return_type,
                                        takes_source ? &function->param_types[0] : NULL);

  self->async_types = sa_c_ffi_types (function, 3);
  ok = ffi_prep_cif (&self->async_cif, FFI_DEFAULT_ABI, function->n_params + 3,
                     &ffi_type_void, self->async_types) == FFI_OK;

  if (takes_source)
    {
      self->finish_types[0] = sa_signature_ffi_type (function->param_types[0]);
      n_finish_args = 3;
    }
  self->finish_types[n_finish_args - 2] = &ffi_type_pointer;
  self->finish_types[n_finish_args - 1] = &ffi_type_pointer;
  ok = ok && sa_signature_prepare_cif (&self->finish_cif, self->finish_types,
                                       n_finish_args, function->return_type);
  if (!ok)
    {
      g_critical ("Function “%s”: libffi cannot describe its signature", function->name);
      sa_c_pair_finalize (&self->parent, function);
      return NULL;
    }

  return &self->parent;
}
