/* sa-introspected.c: a function or async pair described by a typelib
 *
 * Everything a call needs is read from gobject-introspection once, at
 * construction, into a plan per C function: what each C argument is (a
 * parameter of the SaFunction, a hidden array length, the cancellable,
 * the async callback and its data, an out location, the error), how its
 * value converts and who owns it. Calls then go through libffi without
 * touching the repository, which is not thread-safe.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <girepository.h>
#include <string.h>

#include "sa-call-private.h"
#include "sa-callable-private.h"
#include "sa-error.h"
#include "sa-introspected-private.h"

/* libgirepository-1.0 declares no cleanup functions; its info types are
 * all GIBaseInfo under other names, so that one serves them all. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GIBaseInfo, g_base_info_unref)


typedef enum
{
  ROLE_IN,           /* the SaFunction's parameter @index */
  ROLE_INOUT,        /* parameter @index, and result @result */
  ROLE_OUT,          /* result @result */
  ROLE_OUT_HIDDEN,   /* an out location nobody reads: a length, a skip */
  ROLE_LENGTH,       /* an in array's length, set from the array */
  ROLE_CANCELLABLE,
  ROLE_CALLBACK,     /* the GAsyncReadyCallback of an _async */
  ROLE_USER_DATA,    /* its data */
  ROLE_ASYNC_RESULT, /* the GAsyncResult of a _finish */
  ROLE_SOURCE,       /* the instance of a _finish: the _async's instance */
  ROLE_ERROR,
} Role;

typedef enum
{
  CONV_BOOLEAN,
  CONV_INT8,
  CONV_UINT8,
  CONV_INT16,
  CONV_UINT16,
  CONV_INT32,
  CONV_UINT32,
  CONV_INT64,
  CONV_UINT64,
  CONV_FLOAT,
  CONV_DOUBLE,
  CONV_GTYPE,
  CONV_ENUM,         /* a registered enum, stored as int */
  CONV_FLAGS,        /* a registered flags type, stored as uint */
  CONV_STRING,
  CONV_STRV,         /* a C array of strings: GStrv */
  CONV_BYTES,        /* a C array of guint8: GByteArray */
  CONV_BYTE_ARRAY,   /* a GByteArray */
  CONV_OBJECT,       /* GObject, interface or GParamSpec */
  CONV_BOXED,
  CONV_VARIANT,
} Conv;

typedef struct
{
  Role        role;
  Conv        conv;
  GType       gtype;             /* of the SaFunction's value */
  GITypeTag   storage;           /* how the C argument is stored */
  GITransfer  transfer;
  gboolean    nullable;
  gboolean    caller_allocates;  /* an out C array of @fixed_size bytes */
  gboolean    zero_terminated;
  int         length;            /* C index of the array's length, or -1 */
  int         fixed_size;        /* from an in length or the type; or -1 */
  guint       index;             /* parameter, for ROLE_IN and ROLE_INOUT */
  guint       result;            /* result, for ROLE_OUT and ROLE_INOUT */
  char       *name;
} Arg;

typedef struct
{
  GCallback   func;
  ffi_cif     cif;
  ffi_type  **ffi_args;
  Arg        *args;              /* one per C argument */
  guint       n_args;
  Arg         ret;               /* ret.role: ROLE_OUT, or ROLE_OUT_HIDDEN */
  gboolean    has_return;
  guint       offset;            /* 1 for a method: GI counts without it */
  gboolean    has_buffers;       /* a caller-allocated argument */
} Plan;

typedef struct
{
  SaCallable  parent;
  Plan        plan;              /* the blocking function, or the _async */
  Plan        finish;            /* pairs only */
  GType      *result_types;
  guint       n_results;
} SaIntrospected;

/* Several results travel as a GValueArray: deprecated for C code, but the
 * one array of GValues that PyGObject and GJS turn into native values. */
static GType
value_array_type (void)
{
  GType type;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  type = g_value_array_get_type ();
  G_GNUC_END_IGNORE_DEPRECATIONS
  return type;
}

/* One C argument's storage: libffi reads small integer returns widened. */
typedef union
{
  GIArgument  arg;
  ffi_arg     widened;
} Slot;

/* Building a plan */

static GMutex repository_lock;

typedef struct
{
  const char *function;          /* the name errors give */
  GError    **error;
} Builder;

static gboolean refuse (Builder    *builder,
                        const char *format,
                        ...) G_GNUC_PRINTF (2, 3);

static gboolean
refuse (Builder    *builder,
        const char *format,
        ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (builder->error, SA_ERROR, SA_ERROR_UNSUPPORTED,
               "%s cannot be wrapped: %s", builder->function, reason);
  return FALSE;
}

static ffi_type *
ffi_type_for_tag (GITypeTag tag)
{
  switch (tag)
    {
    case GI_TYPE_TAG_VOID:    return &ffi_type_void;
    case GI_TYPE_TAG_BOOLEAN: return &ffi_type_sint;
    case GI_TYPE_TAG_INT8:    return &ffi_type_sint8;
    case GI_TYPE_TAG_UINT8:   return &ffi_type_uint8;
    case GI_TYPE_TAG_INT16:   return &ffi_type_sint16;
    case GI_TYPE_TAG_UINT16:  return &ffi_type_uint16;
    case GI_TYPE_TAG_INT32:   return &ffi_type_sint32;
    case GI_TYPE_TAG_UINT32:
    case GI_TYPE_TAG_UNICHAR: return &ffi_type_uint32;
    case GI_TYPE_TAG_INT64:   return &ffi_type_sint64;
    case GI_TYPE_TAG_UINT64:  return &ffi_type_uint64;
    case GI_TYPE_TAG_FLOAT:   return &ffi_type_float;
    case GI_TYPE_TAG_DOUBLE:  return &ffi_type_double;
    case GI_TYPE_TAG_GTYPE:   return sizeof (GType) == 8 ? &ffi_type_uint64 : &ffi_type_uint32;
    default:                  return &ffi_type_pointer;
    }
}

static gboolean
is_async_ready_callback (GIBaseInfo *iface)
{
  return g_base_info_get_type (iface) == GI_INFO_TYPE_CALLBACK &&
         g_strcmp0 (g_base_info_get_namespace (iface), "Gio") == 0 &&
         g_strcmp0 (g_base_info_get_name (iface), "AsyncReadyCallback") == 0;
}

static gboolean
is_tag_integer (GITypeTag tag)
{
  return tag >= GI_TYPE_TAG_INT8 && tag <= GI_TYPE_TAG_UINT64;
}

/* The conversion of a registered type (an interface tag). */
static gboolean
plan_interface (Builder    *builder,
                const char *what,
                GITypeInfo *type,
                Arg        *arg)
{
  g_autoptr(GIBaseInfo) iface = g_type_info_get_interface (type);
  GIInfoType info_type = g_base_info_get_type (iface);
  GType gtype = G_TYPE_NONE;

  if (GI_IS_REGISTERED_TYPE_INFO (iface))
    gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface);

  switch (info_type)
    {
    case GI_INFO_TYPE_ENUM:
    case GI_INFO_TYPE_FLAGS:
      arg->storage = g_enum_info_get_storage_type ((GIEnumInfo *) iface);
      if (gtype != G_TYPE_NONE && gtype != G_TYPE_INVALID)
        {
          arg->conv = info_type == GI_INFO_TYPE_ENUM ? CONV_ENUM : CONV_FLAGS;
          arg->gtype = gtype;
        }
      else
        {
          /* An enum without a GType: its values as plain integers. */
          arg->conv = info_type == GI_INFO_TYPE_ENUM ? CONV_INT32 : CONV_UINT32;
          arg->gtype = info_type == GI_INFO_TYPE_ENUM ? G_TYPE_INT : G_TYPE_UINT;
        }
      return TRUE;

    case GI_INFO_TYPE_OBJECT:
    case GI_INFO_TYPE_INTERFACE:
      arg->storage = GI_TYPE_TAG_INTERFACE;
      if (gtype == G_TYPE_PARAM || (G_TYPE_IS_INTERFACE (gtype) &&
                                    g_type_is_a (gtype, G_TYPE_OBJECT)) ||
          g_type_is_a (gtype, G_TYPE_OBJECT) || g_type_is_a (gtype, G_TYPE_PARAM))
        {
          arg->conv = CONV_OBJECT;
          arg->gtype = gtype;
          return TRUE;
        }
      return refuse (builder, "%s has type %s.%s, which is not a GObject type",
                     what, g_base_info_get_namespace (iface), g_base_info_get_name (iface));

    case GI_INFO_TYPE_STRUCT:
    case GI_INFO_TYPE_UNION:
    case GI_INFO_TYPE_BOXED:
      arg->storage = GI_TYPE_TAG_INTERFACE;
      if (gtype == G_TYPE_VARIANT)
        {
          arg->conv = CONV_VARIANT;
          arg->gtype = gtype;
          return TRUE;
        }
      if (G_TYPE_IS_BOXED (gtype) && !G_TYPE_IS_ABSTRACT (gtype))
        {
          arg->conv = CONV_BOXED;
          arg->gtype = gtype;
          return TRUE;
        }
      return refuse (builder, "%s has type %s.%s, a structure without a boxed GType "
                     "(its copy and free functions are unknown)",
                     what, g_base_info_get_namespace (iface), g_base_info_get_name (iface));

    case GI_INFO_TYPE_CALLBACK:
      return refuse (builder, "%s is a callback (%s.%s); only the GAsyncReadyCallback "
                     "of an async function can be called safely",
                     what, g_base_info_get_namespace (iface), g_base_info_get_name (iface));

    default:
      return refuse (builder, "%s has type %s.%s, which cannot be converted",
                     what, g_base_info_get_namespace (iface), g_base_info_get_name (iface));
    }
}

/* The conversion of one value of @type: a parameter, an out argument or
 * the return value. */
static gboolean
plan_type (Builder    *builder,
           const char *what,
           GITypeInfo *type,
           Arg        *arg)
{
  GITypeTag tag = g_type_info_get_tag (type);

  arg->storage = tag;
  arg->length = -1;
  arg->fixed_size = -1;

  switch (tag)
    {
    case GI_TYPE_TAG_BOOLEAN: arg->conv = CONV_BOOLEAN; arg->gtype = G_TYPE_BOOLEAN; return TRUE;
    case GI_TYPE_TAG_INT8:    arg->conv = CONV_INT8;    arg->gtype = G_TYPE_CHAR;    return TRUE;
    case GI_TYPE_TAG_UINT8:   arg->conv = CONV_UINT8;   arg->gtype = G_TYPE_UCHAR;   return TRUE;
    case GI_TYPE_TAG_INT16:   arg->conv = CONV_INT16;   arg->gtype = G_TYPE_INT;     return TRUE;
    case GI_TYPE_TAG_UINT16:  arg->conv = CONV_UINT16;  arg->gtype = G_TYPE_UINT;    return TRUE;
    case GI_TYPE_TAG_INT32:   arg->conv = CONV_INT32;   arg->gtype = G_TYPE_INT;     return TRUE;
    case GI_TYPE_TAG_UINT32:
    case GI_TYPE_TAG_UNICHAR: arg->conv = CONV_UINT32;  arg->gtype = G_TYPE_UINT;    return TRUE;
    case GI_TYPE_TAG_INT64:   arg->conv = CONV_INT64;   arg->gtype = G_TYPE_INT64;   return TRUE;
    case GI_TYPE_TAG_UINT64:  arg->conv = CONV_UINT64;  arg->gtype = G_TYPE_UINT64;  return TRUE;
    case GI_TYPE_TAG_FLOAT:   arg->conv = CONV_FLOAT;   arg->gtype = G_TYPE_FLOAT;   return TRUE;
    case GI_TYPE_TAG_DOUBLE:  arg->conv = CONV_DOUBLE;  arg->gtype = G_TYPE_DOUBLE;  return TRUE;
    case GI_TYPE_TAG_GTYPE:   arg->conv = CONV_GTYPE;   arg->gtype = G_TYPE_GTYPE;   return TRUE;

    case GI_TYPE_TAG_UTF8:
    case GI_TYPE_TAG_FILENAME:
      arg->conv = CONV_STRING;
      arg->gtype = G_TYPE_STRING;
      return TRUE;

    case GI_TYPE_TAG_ERROR:
      arg->conv = CONV_BOXED;
      arg->gtype = G_TYPE_ERROR;
      return TRUE;

    case GI_TYPE_TAG_INTERFACE:
      return plan_interface (builder, what, type, arg);

    case GI_TYPE_TAG_ARRAY:
      {
        g_autoptr(GIBaseInfo) element = g_type_info_get_param_type (type, 0);
        GITypeTag element_tag = g_type_info_get_tag (element);
        GIArrayType array_type = g_type_info_get_array_type (type);

        if (array_type == GI_ARRAY_TYPE_BYTE_ARRAY)
          {
            arg->conv = CONV_BYTE_ARRAY;
            arg->gtype = G_TYPE_BYTE_ARRAY;
            return TRUE;
          }
        if (array_type != GI_ARRAY_TYPE_C)
          return refuse (builder, "%s is a %s; only C arrays of strings or bytes "
                         "and GByteArray are supported", what,
                         array_type == GI_ARRAY_TYPE_ARRAY ? "GArray" : "GPtrArray");

        arg->length = g_type_info_get_array_length (type);
        arg->fixed_size = g_type_info_get_array_fixed_size (type);
        arg->zero_terminated = g_type_info_is_zero_terminated (type);

        if (element_tag == GI_TYPE_TAG_UTF8 || element_tag == GI_TYPE_TAG_FILENAME)
          {
            arg->conv = CONV_STRV;
            arg->gtype = G_TYPE_STRV;
          }
        else if (element_tag == GI_TYPE_TAG_UINT8 || element_tag == GI_TYPE_TAG_INT8)
          {
            arg->conv = CONV_BYTES;
            arg->gtype = G_TYPE_BYTE_ARRAY;
          }
        else
          return refuse (builder, "%s is a C array of %s; only arrays of strings "
                         "or bytes are supported", what, g_type_tag_to_string (element_tag));

        if (arg->length < 0 && arg->fixed_size < 0 && !arg->zero_terminated)
          return refuse (builder, "%s is a C array of unknown length", what);
        return TRUE;
      }

    case GI_TYPE_TAG_VOID:
      return refuse (builder, "%s is an untyped pointer", what);

    case GI_TYPE_TAG_GLIST:
    case GI_TYPE_TAG_GSLIST:
    case GI_TYPE_TAG_GHASH:
      return refuse (builder, "%s is a %s, which is not supported", what,
                     tag == GI_TYPE_TAG_GLIST ? "GList" :
                     tag == GI_TYPE_TAG_GSLIST ? "GSList" : "GHashTable");
    default:
      return refuse (builder, "%s is a %s, which is not supported", what,
                     g_type_tag_to_string (tag));
    }
}

static gboolean
is_pointer_conv (Conv conv)
{
  return conv >= CONV_STRING;
}

static void
plan_clear (Plan *plan)
{
  for (guint i = 0; i < plan->n_args; i++)
    g_free (plan->args[i].name);
  g_clear_pointer (&plan->args, g_free);
  g_clear_pointer (&plan->ffi_args, g_free);
  g_clear_pointer (&plan->ret.name, g_free);
}

typedef enum
{
  PLAN_BLOCKING,
  PLAN_ASYNC,
  PLAN_FINISH,
} PlanKind;

/* Reads @info into @plan. Parameters are appended to @param_types and
 * results to @result_types, in the order Python and GJS return them:
 * the return value, then the out arguments. */
static gboolean
plan_callable (Builder        *builder,
               GICallableInfo *info,
               GType           container_type,
               PlanKind        kind,
               gboolean        source_is_first,
               GArray         *param_types,
               GArray         *result_types,
               Plan           *plan)
{
  gboolean is_method = g_callable_info_is_method (info);
  guint n_gi_args = g_callable_info_get_n_args (info);
  guint offset = is_method ? 1 : 0;
  g_autoptr(GIBaseInfo) return_type = g_callable_info_get_return_type (info);
  gboolean has_cancellable = FALSE;
  gboolean have_callback = FALSE;
  const char *symbol = g_function_info_get_symbol ((GIFunctionInfo *) info);

  if (!g_typelib_symbol (g_base_info_get_typelib (info), symbol, (gpointer *) &plan->func))
    return refuse (builder, "its symbol %s is not in the library", symbol);

  if (g_callable_info_is_method (info) && container_type == G_TYPE_NONE)
    return refuse (builder, "it is a method of a type without a GType");

  plan->offset = offset;
  plan->n_args = offset + n_gi_args + (g_callable_info_can_throw_gerror (info) ? 1 : 0);
  plan->args = g_new0 (Arg, MAX (plan->n_args, 1));
  plan->ffi_args = g_new0 (ffi_type *, MAX (plan->n_args, 1));

  /* Array lengths first: they are hidden wherever they are. */
  for (guint i = 0; i < plan->n_args; i++)
    plan->args[i].length = -1;

  if (is_method)
    {
      Arg *arg = &plan->args[0];

      arg->name = g_strdup ("self");
      arg->nullable = FALSE;
      /* g_bytes_unref_to_array () and its kind consume their instance. */
      arg->transfer = g_callable_info_get_instance_ownership_transfer (info);
      arg->storage = GI_TYPE_TAG_INTERFACE;
      arg->length = -1;
      arg->fixed_size = -1;
      if (g_type_is_a (container_type, G_TYPE_OBJECT) ||
          (G_TYPE_IS_INTERFACE (container_type) && g_type_is_a (container_type, G_TYPE_OBJECT)))
        arg->conv = CONV_OBJECT;
      else if (G_TYPE_IS_BOXED (container_type))
        arg->conv = CONV_BOXED;
      else if (container_type == G_TYPE_VARIANT)
        arg->conv = CONV_VARIANT;
      else
        return refuse (builder, "it is a method of %s, which is neither a GObject "
                       "nor a boxed type", g_type_name (container_type));
      arg->gtype = container_type;

      if (kind == PLAN_FINISH)
        arg->role = ROLE_SOURCE;
      else
        {
          arg->role = ROLE_IN;
          arg->index = param_types->len;
          g_array_append_val (param_types, container_type);
        }
      plan->ffi_args[0] = &ffi_type_pointer;
    }

  for (guint i = 0; i < n_gi_args; i++)
    {
      g_autoptr(GIBaseInfo) arg_info = g_callable_info_get_arg (info, i);
      g_autoptr(GIBaseInfo) type = g_arg_info_get_type (arg_info);
      int length = g_type_info_get_tag (type) == GI_TYPE_TAG_ARRAY ?
                   g_type_info_get_array_length (type) : -1;

      /* A buffer the caller allocates keeps its length a parameter: the
       * caller says how much to read. */
      if (length >= 0 && !(g_arg_info_get_direction (arg_info) == GI_DIRECTION_OUT &&
                           g_arg_info_is_caller_allocates (arg_info)))
        plan->args[offset + length].role = ROLE_LENGTH;
    }
  if (g_type_info_get_tag (return_type) == GI_TYPE_TAG_ARRAY &&
      g_type_info_get_array_length (return_type) >= 0)
    plan->args[offset + g_type_info_get_array_length (return_type)].role = ROLE_LENGTH;

  for (guint i = 0; i < n_gi_args; i++)
    {
      g_autoptr(GIBaseInfo) arg_info = g_callable_info_get_arg (info, i);
      g_autoptr(GIBaseInfo) type = g_arg_info_get_type (arg_info);
      GIDirection direction = g_arg_info_get_direction (arg_info);
      Arg *arg = &plan->args[offset + i];
      gboolean is_length = arg->role == ROLE_LENGTH;
      g_autofree char *what = NULL;

      arg->name = g_strdup (g_base_info_get_name (arg_info));
      arg->transfer = g_arg_info_get_ownership_transfer (arg_info);
      arg->nullable = g_arg_info_may_be_null (arg_info);
      what = g_strdup_printf ("argument %s", arg->name);

      if (g_type_info_get_tag (type) == GI_TYPE_TAG_INTERFACE)
        {
          g_autoptr(GIBaseInfo) iface = g_type_info_get_interface (type);

          if (is_async_ready_callback (iface) && kind == PLAN_ASYNC && !have_callback)
            {
              int closure = g_arg_info_get_closure (arg_info);

              if (closure < 0 || (guint) closure >= n_gi_args)
                return refuse (builder, "its callback %s has no user data argument", arg->name);
              arg->role = ROLE_CALLBACK;
              plan->args[offset + closure].role = ROLE_USER_DATA;
              plan->ffi_args[offset + i] = &ffi_type_pointer;
              have_callback = TRUE;
              continue;
            }
          if (GI_IS_REGISTERED_TYPE_INFO (iface) && direction == GI_DIRECTION_IN &&
              g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface) == G_TYPE_CANCELLABLE &&
              !has_cancellable)
            {
              arg->role = ROLE_CANCELLABLE;
              plan->ffi_args[offset + i] = &ffi_type_pointer;
              has_cancellable = TRUE;
              continue;
            }
          if (GI_IS_REGISTERED_TYPE_INFO (iface) && direction == GI_DIRECTION_IN &&
              kind == PLAN_FINISH &&
              g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) iface) == G_TYPE_ASYNC_RESULT)
            {
              arg->role = ROLE_ASYNC_RESULT;
              plan->ffi_args[offset + i] = &ffi_type_pointer;
              continue;
            }
        }

      if (arg->role == ROLE_USER_DATA)
        {
          plan->ffi_args[offset + i] = &ffi_type_pointer;
          continue;
        }

      if (direction == GI_DIRECTION_IN)
        {
          /* A pointer to a number that is not annotated out or inout
           * (g_atomic_int_get ()'s gint *): passing the number would
           * hand C an address made of it. */
          if (g_type_info_get_tag (type) < GI_TYPE_TAG_UTF8 &&
              g_type_info_get_tag (type) != GI_TYPE_TAG_VOID &&
              g_type_info_is_pointer (type))
            return refuse (builder, "%s is a pointer to a number, passed in", what);
          if (!plan_type (builder, what, type, arg))
            return FALSE;
          plan->ffi_args[offset + i] = ffi_type_for_tag (arg->storage);
          if (is_length)
            {
              if (!is_tag_integer (arg->storage))
                return refuse (builder, "%s, an array length, is not an integer", what);
              continue;
            }
          if (arg->conv == CONV_BYTES && arg->transfer != GI_TRANSFER_NOTHING)
            return refuse (builder, "%s hands over a C array of bytes", what);
          arg->role = ROLE_IN;
          arg->index = param_types->len;
          g_array_append_val (param_types, arg->gtype);
          continue;
        }

      /* Out and inout: the C argument is a pointer to the storage. */
      plan->ffi_args[offset + i] = &ffi_type_pointer;
      if (!plan_type (builder, what, type, arg))
        return FALSE;
      if (kind == PLAN_ASYNC)
        return refuse (builder, "its async function has the out argument %s, which "
                       "would have to outlive the call", arg->name);

      if (is_length)
        {
          if (!is_tag_integer (arg->storage))
            return refuse (builder, "%s, an array length, is not an integer", what);
          if (direction == GI_DIRECTION_INOUT)
            return refuse (builder, "%s, an array length, is both in and out", what);
          arg->role = ROLE_OUT_HIDDEN;
          continue;
        }

      if (g_arg_info_is_caller_allocates (arg_info))
        {
          /* A buffer the caller provides, of a size an in argument gives:
           * g_input_stream_read_all ()'s. Anything else is a structure
           * whose size and copy are not known here. */
          if (arg->conv != CONV_BYTES || arg->length < 0 ||
              direction != GI_DIRECTION_OUT)
            return refuse (builder, "%s is a caller-allocated %s, which cannot be "
                           "sized and copied safely", what,
                           arg->conv == CONV_BYTES ? "array" : "structure");
          arg->caller_allocates = TRUE;
          plan->has_buffers = TRUE;
        }

      if (direction == GI_DIRECTION_INOUT)
        {
          if (is_pointer_conv (arg->conv))
            return refuse (builder, "%s is an in-out pointer, which is not supported", what);
          arg->role = ROLE_INOUT;
          arg->index = param_types->len;
          g_array_append_val (param_types, arg->gtype);
        }
      else
        arg->role = g_arg_info_is_skip (arg_info) ? ROLE_OUT_HIDDEN : ROLE_OUT;

      if (arg->role != ROLE_OUT_HIDDEN)
        {
          if (kind == PLAN_ASYNC)
            return refuse (builder, "its async function has the out argument %s", arg->name);
          arg->result = result_types->len;
          g_array_append_val (result_types, arg->gtype);
        }
    }

  /* A caller-allocated buffer is as long as its (in) length says. */
  for (guint i = 0; i < plan->n_args; i++)
    {
      Arg *arg = &plan->args[i];

      if (arg->caller_allocates &&
          (plan->args[offset + arg->length].role != ROLE_IN ||
           !is_tag_integer (plan->args[offset + arg->length].storage)))
        return refuse (builder, "argument %s is a caller-allocated array whose "
                       "length is not an in argument", arg->name);
    }

  if (kind == PLAN_ASYNC && !have_callback)
    return refuse (builder, "it is not an async function");

  for (guint i = 0; i < plan->n_args; i++)
    if (plan->args[i].role == ROLE_USER_DATA && plan->args[i].name == NULL)
      plan->args[i].name = g_strdup ("user_data");

  if (kind == PLAN_FINISH)
    {
      gboolean have_result = FALSE;

      for (guint i = 0; i < plan->n_args; i++)
        have_result |= plan->args[i].role == ROLE_ASYNC_RESULT;
      if (!have_result)
        return refuse (builder, "its finish function takes no GAsyncResult");
      if (plan->args[0].role == ROLE_SOURCE && !source_is_first)
        return refuse (builder, "its finish function is a method, but the async "
                       "function is not a method of the same type");
    }

  if (g_callable_info_can_throw_gerror (info))
    {
      Arg *arg = &plan->args[plan->n_args - 1];

      arg->role = ROLE_ERROR;
      arg->name = g_strdup ("error");
      plan->ffi_args[plan->n_args - 1] = &ffi_type_pointer;
    }

  /* The return value. */
  plan->ret.length = -1;
  plan->ret.fixed_size = -1;
  plan->ret.storage = g_type_info_get_tag (return_type);
  if (plan->ret.storage == GI_TYPE_TAG_VOID && !g_type_info_is_pointer (return_type))
    plan->has_return = FALSE;
  else
    {
      if (!plan_type (builder, "the return value", return_type, &plan->ret))
        return FALSE;
      if (kind == PLAN_ASYNC)
        return refuse (builder, "its async function returns a value");
      plan->has_return = TRUE;
      plan->ret.transfer = g_callable_info_get_caller_owns (info);
      plan->ret.nullable = TRUE;
      plan->ret.name = g_strdup ("return value");
      if (g_callable_info_skip_return (info))
        plan->ret.role = ROLE_OUT_HIDDEN;
      else
        {
          plan->ret.role = ROLE_OUT;
          plan->ret.result = 0;
          g_array_prepend_val (result_types, plan->ret.gtype);
          for (guint i = 0; i < plan->n_args; i++)
            if (plan->args[i].role == ROLE_OUT || plan->args[i].role == ROLE_INOUT)
              plan->args[i].result++;
        }
    }

  /* An argument still hidden as a length was never typed: the array
   * names an argument that does not exist. */
  for (guint i = 0; i < plan->n_args; i++)
    if (plan->args[i].role == ROLE_LENGTH && plan->ffi_args[i] == NULL)
      return refuse (builder, "an array names a length argument it does not have");

  for (guint i = 0; i < plan->n_args; i++)
    if (plan->ffi_args[i] == NULL)
      plan->ffi_args[i] = &ffi_type_pointer;

  if (plan->n_args > SA_FUNCTION_MAX_PARAMS + 4)
    return refuse (builder, "it has %u arguments", plan->n_args);

  if (ffi_prep_cif (&plan->cif, FFI_DEFAULT_ABI, plan->n_args,
                    plan->has_return ? ffi_type_for_tag (plan->ret.storage) : &ffi_type_void,
                    plan->ffi_args) != FFI_OK)
    return refuse (builder, "libffi cannot describe its signature");

  return TRUE;
}

/* Values in and out */

static void
set_integer (GIArgument *arg,
             GITypeTag   tag,
             gint64      value)
{
  switch (tag)
    {
    case GI_TYPE_TAG_INT8:   arg->v_int8 = (gint8) value; break;
    case GI_TYPE_TAG_UINT8:  arg->v_uint8 = (guint8) value; break;
    case GI_TYPE_TAG_INT16:  arg->v_int16 = (gint16) value; break;
    case GI_TYPE_TAG_UINT16: arg->v_uint16 = (guint16) value; break;
    case GI_TYPE_TAG_INT32:  arg->v_int32 = (gint32) value; break;
    case GI_TYPE_TAG_UINT32: arg->v_uint32 = (guint32) value; break;
    case GI_TYPE_TAG_INT64:  arg->v_int64 = value; break;
    case GI_TYPE_TAG_UINT64: arg->v_uint64 = (guint64) value; break;
    default: g_assert_not_reached ();
    }
}

static gint64
get_integer (const GIArgument *arg,
             GITypeTag         tag)
{
  switch (tag)
    {
    case GI_TYPE_TAG_INT8:   return arg->v_int8;
    case GI_TYPE_TAG_UINT8:  return arg->v_uint8;
    case GI_TYPE_TAG_INT16:  return arg->v_int16;
    case GI_TYPE_TAG_UINT16: return arg->v_uint16;
    case GI_TYPE_TAG_INT32:  return arg->v_int32;
    case GI_TYPE_TAG_UINT32: return arg->v_uint32;
    case GI_TYPE_TAG_INT64:  return arg->v_int64;
    case GI_TYPE_TAG_UINT64: return (gint64) arg->v_uint64;
    default: g_assert_not_reached ();
    }
}

/* libffi widens integer returns smaller than a register to ffi_arg. */
static void
narrow_return (Slot      *slot,
               GITypeTag  tag)
{
  ffi_arg widened = slot->widened;

  switch (tag)
    {
    case GI_TYPE_TAG_BOOLEAN: slot->arg.v_boolean = (gboolean) (ffi_sarg) widened; break;
    case GI_TYPE_TAG_INT8:    slot->arg.v_int8 = (gint8) (ffi_sarg) widened; break;
    case GI_TYPE_TAG_UINT8:   slot->arg.v_uint8 = (guint8) widened; break;
    case GI_TYPE_TAG_INT16:   slot->arg.v_int16 = (gint16) (ffi_sarg) widened; break;
    case GI_TYPE_TAG_UINT16:  slot->arg.v_uint16 = (guint16) widened; break;
    case GI_TYPE_TAG_INT32:   slot->arg.v_int32 = (gint32) (ffi_sarg) widened; break;
    case GI_TYPE_TAG_UINT32:
    case GI_TYPE_TAG_UNICHAR: slot->arg.v_uint32 = (guint32) widened; break;
    default: break;
    }
}

static gboolean
fits (gint64 value,
      gint64 min,
      gint64 max)
{
  return value >= min && value <= max;
}

/* The C argument for parameter @value. Pointers are borrowed from @value
 * unless the callee takes ownership, when they are copied for it. */
static gboolean
arg_from_value (SaFunction   *function,
                const Arg    *arg,
                const GValue *value,
                GIArgument   *out,
                gsize        *length,
                GError      **error)
{
  gboolean full = arg->transfer != GI_TRANSFER_NOTHING;
  gpointer pointer = NULL;

  *length = 0;

  switch (arg->conv)
    {
    case CONV_BOOLEAN: out->v_boolean = g_value_get_boolean (value); return TRUE;
    case CONV_INT8:    out->v_int8 = g_value_get_schar (value); return TRUE;
    case CONV_UINT8:   out->v_uint8 = g_value_get_uchar (value); return TRUE;
    case CONV_INT32:   out->v_int32 = g_value_get_int (value); return TRUE;
    case CONV_UINT32:  out->v_uint32 = g_value_get_uint (value); return TRUE;
    case CONV_INT64:   out->v_int64 = g_value_get_int64 (value); return TRUE;
    case CONV_UINT64:  out->v_uint64 = g_value_get_uint64 (value); return TRUE;
    case CONV_FLOAT:   out->v_float = g_value_get_float (value); return TRUE;
    case CONV_DOUBLE:  out->v_double = g_value_get_double (value); return TRUE;
    case CONV_GTYPE:   out->v_size = g_value_get_gtype (value); return TRUE;
    case CONV_ENUM:    set_integer (out, arg->storage, g_value_get_enum (value)); return TRUE;
    case CONV_FLAGS:   set_integer (out, arg->storage, g_value_get_flags (value)); return TRUE;

    case CONV_INT16:
    case CONV_UINT16:
      {
        gint64 v = arg->conv == CONV_INT16 ? (gint64) g_value_get_int (value) : (gint64) g_value_get_uint (value);

        if (arg->conv == CONV_INT16 ? !fits (v, G_MININT16, G_MAXINT16) : !fits (v, 0, G_MAXUINT16))
          {
            g_set_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE,
                         "Function “%s”: argument %s: %" G_GINT64_FORMAT
                         " does not fit in 16 bits", function->name, arg->name, v);
            return FALSE;
          }
        set_integer (out, arg->storage, v);
        return TRUE;
      }

    case CONV_STRING:
      pointer = full ? g_value_dup_string (value) : (gpointer) g_value_get_string (value);
      break;
    case CONV_OBJECT:
      pointer = full ? g_value_dup_object (value) : g_value_get_object (value);
      break;
    case CONV_VARIANT:
      pointer = full ? g_value_dup_variant (value) : g_value_get_variant (value);
      break;
    case CONV_BOXED:
    case CONV_BYTE_ARRAY:
      pointer = full ? g_value_dup_boxed (value) : g_value_get_boxed (value);
      break;

    case CONV_STRV:
      {
        char **strv = g_value_get_boxed (value);

        *length = strv != NULL ? g_strv_length (strv) : 0;
        if (arg->fixed_size >= 0 && *length < (gsize) arg->fixed_size)
          {
            g_set_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE,
                         "Function “%s”: argument %s needs %d strings, not %" G_GSIZE_FORMAT,
                         function->name, arg->name, arg->fixed_size, *length);
            return FALSE;
          }
        if (full)
          pointer = arg->transfer == GI_TRANSFER_EVERYTHING ?
                    g_strdupv (strv) : g_memdup2 (strv, (*length + 1) * sizeof (char *));
        else
          pointer = strv;
        break;
      }

    case CONV_BYTES:
      {
        GByteArray *bytes = g_value_get_boxed (value);

        *length = bytes != NULL ? bytes->len : 0;
        pointer = bytes != NULL ? bytes->data : NULL;
        if (arg->fixed_size >= 0 && *length < (gsize) arg->fixed_size)
          {
            g_set_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE,
                         "Function “%s”: argument %s needs %d bytes, not %" G_GSIZE_FORMAT,
                         function->name, arg->name, arg->fixed_size, *length);
            return FALSE;
          }
        /* A zero-terminated C array needs the terminator. */
        if (arg->zero_terminated && bytes != NULL &&
            (bytes->len == 0 || bytes->data[bytes->len - 1] != 0))
          {
            g_set_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE,
                         "Function “%s”: argument %s must end with a zero byte",
                         function->name, arg->name);
            return FALSE;
          }
        break;
      }
    }

  if (pointer == NULL && !arg->nullable &&
      (arg->conv != CONV_BYTES || arg->length < 0))
    {
      g_set_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE,
                   "Function “%s”: argument %s must not be NULL",
                   function->name, arg->name);
      return FALSE;
    }

  out->v_pointer = pointer;
  return TRUE;
}

/* Reads an out argument or the return value into @value, taking over
 * what the callee handed over and copying what it did not. */
static void
value_from_arg (const Arg  *arg,
                GIArgument *in,
                gsize       length,
                gboolean    have_length,
                GValue     *value)
{
  gboolean full = arg->transfer == GI_TRANSFER_EVERYTHING;

  /* GJS 1.74 reads a GByteArray value without looking for NULL: a missing
   * byte array (g_data_input_stream_read_line_finish () at the end of the
   * stream) goes as a NULL pointer, which every binding gives as null. */
  if (in->v_pointer == NULL &&
      (arg->conv == CONV_BYTE_ARRAY || (arg->conv == CONV_BYTES && !have_length)))
    {
      g_value_init (value, G_TYPE_POINTER);
      return;
    }

  g_value_init (value, arg->gtype);

  switch (arg->conv)
    {
    case CONV_BOOLEAN: g_value_set_boolean (value, in->v_boolean); return;
    case CONV_INT8:    g_value_set_schar (value, in->v_int8); return;
    case CONV_UINT8:   g_value_set_uchar (value, in->v_uint8); return;
    case CONV_INT16:   g_value_set_int (value, in->v_int16); return;
    case CONV_UINT16:  g_value_set_uint (value, in->v_uint16); return;
    case CONV_INT32:   g_value_set_int (value, in->v_int32); return;
    case CONV_UINT32:  g_value_set_uint (value, in->v_uint32); return;
    case CONV_INT64:   g_value_set_int64 (value, in->v_int64); return;
    case CONV_UINT64:  g_value_set_uint64 (value, in->v_uint64); return;
    case CONV_FLOAT:   g_value_set_float (value, in->v_float); return;
    case CONV_DOUBLE:  g_value_set_double (value, in->v_double); return;
    case CONV_GTYPE:   g_value_set_gtype (value, in->v_size); return;
    case CONV_ENUM:    g_value_set_enum (value, (int) get_integer (in, arg->storage)); return;
    case CONV_FLAGS:   g_value_set_flags (value, (guint) get_integer (in, arg->storage)); return;

    case CONV_STRING:
      if (full)
        g_value_take_string (value, in->v_string);
      else
        g_value_set_string (value, in->v_string);
      return;

    case CONV_OBJECT:
      if (G_TYPE_IS_PARAM (arg->gtype))
        {
          if (full)
            g_value_take_param (value, in->v_pointer);
          else
            g_value_set_param (value, in->v_pointer);
        }
      else if (full)
        g_value_take_object (value, in->v_pointer);
      else if (in->v_pointer != NULL && g_object_is_floating (in->v_pointer))
        /* A floating constructor's result (GTK's widgets): owned by the
         * value, as bindings sink it. */
        g_value_take_object (value, g_object_ref_sink (in->v_pointer));
      else
        g_value_set_object (value, in->v_pointer);
      return;

    case CONV_VARIANT:
      if (full)
        g_value_take_variant (value, in->v_pointer);
      else
        g_value_set_variant (value, in->v_pointer);
      return;

    case CONV_BOXED:
    case CONV_BYTE_ARRAY:
      if (full)
        g_value_take_boxed (value, in->v_pointer);
      else
        g_value_set_boxed (value, in->v_pointer);
      return;

    case CONV_STRV:
      {
        char **strv = in->v_pointer;
        char **copy;

        if (strv == NULL)
          return;
        if (!have_length)
          length = arg->fixed_size >= 0 ? (gsize) arg->fixed_size : (gsize) g_strv_length (strv);
        if (full && (!have_length || strv[length] == NULL) && arg->zero_terminated)
          {
            g_value_take_boxed (value, strv);
            return;
          }
        copy = g_new (char *, length + 1);
        for (gsize i = 0; i < length; i++)
          copy[i] = full ? strv[i] : g_strdup (strv[i]);  /* container: the array only */
        copy[length] = NULL;
        if (arg->transfer != GI_TRANSFER_NOTHING)
          g_free (strv);
        g_value_take_boxed (value, copy);
        return;
      }

    case CONV_BYTES:
      {
        guint8 *data = in->v_pointer;

        if (!have_length)
          length = arg->fixed_size >= 0 ? (gsize) arg->fixed_size : strlen ((char *) data);
        if (arg->transfer != GI_TRANSFER_NOTHING)
          g_value_take_boxed (value, g_byte_array_new_take (data, length));
        else
          {
            GByteArray *copy = g_byte_array_sized_new (length);

            g_byte_array_append (copy, data, length);
            g_value_take_boxed (value, copy);
          }
        return;
      }
    }
}

typedef struct
{
  Slot      slots[SA_FUNCTION_MAX_PARAMS + 4];
  Slot      outs[SA_FUNCTION_MAX_PARAMS + 4];
  gpointer  pointers[SA_FUNCTION_MAX_PARAMS + 4];
  void     *values[SA_FUNCTION_MAX_PARAMS + 4];
  gpointer  buffers[SA_FUNCTION_MAX_PARAMS + 4];  /* caller-allocated */
  GError   *error;
  Slot      ret;
} Frame;

/* The length an array's length argument holds after the call. */
static gboolean
length_of (const Plan  *plan,
           const Arg   *arg,
           const Frame *frame,
           gsize       *length)
{
  guint index;

  if (arg->length < 0)
    return FALSE;

  index = plan->offset + (guint) arg->length;
  if (plan->args[index].role == ROLE_OUT_HIDDEN)
    *length = (gsize) get_integer (&frame->outs[index].arg, plan->args[index].storage);
  else
    *length = (gsize) get_integer (&frame->slots[index].arg, plan->args[index].storage);
  return TRUE;
}

/* Frees what an out argument was handed, after a failure. */
static void
discard_arg (const Arg  *arg,
             GIArgument *in)
{
  GValue value = G_VALUE_INIT;

  if (arg->transfer == GI_TRANSFER_NOTHING || in->v_pointer == NULL ||
      !is_pointer_conv (arg->conv))
    return;
  if (arg->conv == CONV_STRV && arg->transfer == GI_TRANSFER_CONTAINER)
    {
      g_free (in->v_pointer);
      return;
    }
  if (arg->conv == CONV_STRV && !arg->zero_terminated)
    return;  /* its length is unknown: leaked rather than overrun */
  value_from_arg (arg, in, 0, arg->conv == CONV_BYTES, &value);
  g_value_unset (&value);
}


/* Fills @frame with @plan's C arguments from @args; on failure nothing
 * is left to free. */
static gboolean
frame_fill (SaFunction    *function,
            const Plan    *plan,
            const GValue  *args,
            GCancellable  *cancellable,
            gpointer       callback,
            gpointer       user_data,
            GAsyncResult  *result,
            Frame         *frame,
            GError       **error)
{
  guint offset = plan->offset;

  frame->error = NULL;
  if (plan->has_buffers)
    memset (frame->buffers, 0, plan->n_args * sizeof (gpointer));

  for (guint i = 0; i < plan->n_args; i++)
    {
      const Arg *arg = &plan->args[i];
      Slot *slot = &frame->slots[i];
      gsize length = 0;

      frame->values[i] = slot;
      switch (arg->role)
        {
        case ROLE_IN:
          if (!arg_from_value (function, arg, &args[arg->index], &slot->arg, &length, error))
            {
              /* What was copied for the callee so far goes back. */
              for (guint j = 0; j < i; j++)
                if (plan->args[j].role == ROLE_IN &&
                    plan->args[j].transfer != GI_TRANSFER_NOTHING)
                  discard_arg (&plan->args[j], &frame->slots[j].arg);
              return FALSE;
            }
          if (arg->length >= 0)
            set_integer (&frame->slots[offset + arg->length].arg,
                         plan->args[offset + arg->length].storage, (gint64) length);
          break;

        case ROLE_INOUT:
          arg_from_value (function, arg, &args[arg->index], &frame->outs[i].arg, &length, NULL);
          frame->pointers[i] = &frame->outs[i];
          frame->values[i] = &frame->pointers[i];
          break;

        case ROLE_OUT:
        case ROLE_OUT_HIDDEN:
          memset (&frame->outs[i], 0, sizeof (Slot));
          frame->pointers[i] = &frame->outs[i];
          frame->values[i] = &frame->pointers[i];
          break;

        case ROLE_LENGTH:
          break;  /* set by its array, before or after it */

        case ROLE_CANCELLABLE:
          slot->arg.v_pointer = cancellable;
          break;
        case ROLE_CALLBACK:
          slot->arg.v_pointer = callback;
          break;
        case ROLE_USER_DATA:
          slot->arg.v_pointer = user_data;
          break;
        case ROLE_ASYNC_RESULT:
          slot->arg.v_pointer = result;
          break;
        case ROLE_SOURCE:
          slot->arg.v_pointer = arg->conv == CONV_OBJECT ? g_value_get_object (&args[0]) :
                                arg->conv == CONV_VARIANT ? g_value_get_variant (&args[0]) :
                                g_value_get_boxed (&args[0]);
          break;
        case ROLE_ERROR:
          frame->error = NULL;
          frame->pointers[i] = &frame->error;
          frame->values[i] = &frame->pointers[i];
          break;
        }
    }

  /* Caller-allocated buffers, now that their lengths are known. */
  for (guint i = 0; plan->has_buffers && i < plan->n_args; i++)
    {
      const Arg *arg = &plan->args[i];

      if (arg->caller_allocates)
        {
          gsize size = (gsize) get_integer (&frame->slots[offset + arg->length].arg,
                                            plan->args[offset + arg->length].storage);

          frame->buffers[i] = g_malloc0 (MAX (size, 1));
          frame->values[i] = &frame->buffers[i];
        }
    }

  return TRUE;
}

/* After the call: the results, or the error; what the callee handed over
 * that is not a result is released. */
static gboolean
frame_take (SaFunction     *function,
            SaIntrospected *self,
            const Plan     *plan,
            Frame          *frame,
            GValue         *result,
            GError        **error)
{
  GValue many[SA_FUNCTION_MAX_PARAMS + 1];
  /* One result goes straight into @result, which is zeroed; several into
   * a GValueArray, each zeroed here as it is used. */
  GValue *values = self->n_results > 1 ? many : result;
  guint offset = plan->offset;

  if (self->n_results > 1)
    memset (many, 0, self->n_results * sizeof (GValue));

  if (plan->has_return)
    narrow_return (&frame->ret, plan->ret.storage);

  if (frame->error != NULL)
    {
      for (guint i = 0; plan->has_buffers && i < plan->n_args; i++)
        g_free (frame->buffers[i]);
      sa_value_init_result (result, function->return_type);
      g_propagate_error (error, frame->error);
      frame->error = NULL;
      return FALSE;
    }

  if (plan->has_return)
    {
      gsize length = 0;
      gboolean have_length = length_of (plan, &plan->ret, frame, &length);

      if (plan->ret.role == ROLE_OUT)
        value_from_arg (&plan->ret, &frame->ret.arg, length, have_length,
                        &values[plan->ret.result]);
      else
        discard_arg (&plan->ret, &frame->ret.arg);
    }

  for (guint i = 0; i < plan->n_args; i++)
    {
      const Arg *arg = &plan->args[i];
      gsize length = 0;
      gboolean have_length = length_of (plan, arg, frame, &length);

      if (arg->caller_allocates)
        {
          GIArgument buffer = { .v_pointer = frame->buffers[i] };
          Arg owned = *arg;

          /* The whole buffer, as Python's and GJS's own calls return it. */
          owned.transfer = GI_TRANSFER_EVERYTHING;
          length = (gsize) get_integer (&frame->slots[offset + arg->length].arg,
                                        plan->args[offset + arg->length].storage);
          value_from_arg (&owned, &buffer, length, TRUE, &values[arg->result]);
          continue;
        }
      if (arg->role == ROLE_OUT || arg->role == ROLE_INOUT)
        value_from_arg (arg, &frame->outs[i].arg, length, have_length, &values[arg->result]);
      else if (arg->role == ROLE_OUT_HIDDEN && arg->conv != CONV_BYTES &&
               arg->conv != CONV_STRV)
        discard_arg (arg, &frame->outs[i].arg);
    }

  if (self->n_results == 0)
    sa_value_init_result (result, G_TYPE_NONE);
  else if (self->n_results > 1)
    {
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      GValueArray *array = g_value_array_new (self->n_results);

      /* Each value moves into a zeroed slot of the array, not copied. */
      for (guint i = 0; i < self->n_results; i++)
        {
          g_value_array_append (array, NULL);
          array->values[i] = values[i];
        }
      g_value_init (result, value_array_type ());
      g_value_take_boxed (result, array);
      G_GNUC_END_IGNORE_DEPRECATIONS
    }

  return TRUE;
}

/* The kinds */

static gboolean
sa_introspected_invoke (SaCallable    *callable,
                        SaFunction    *function,
                        GValue        *args,
                        GCancellable  *cancellable,
                        GValue        *result,
                        GError       **error)
{
  SaIntrospected *self = (SaIntrospected *) callable;
  Frame frame;

  if (!frame_fill (function, &self->plan, args, cancellable, NULL, NULL, NULL, &frame, error))
    {
      sa_value_init_result (result, function->return_type);
      return FALSE;
    }

  frame.ret.widened = 0;
  ffi_call ((ffi_cif *) &self->plan.cif, FFI_FN (self->plan.func), &frame.ret, frame.values);

  return frame_take (function, self, &self->plan, &frame, result, error);
}

static void
sa_introspected_ready (GObject      *source_object,
                       GAsyncResult *res,
                       gpointer      user_data)
{
  const char *late_name;
  g_autoptr(SaCall) call = sa_pair_token_take (user_data, &late_name);
  SaIntrospected *self;
  Frame frame;

  if (G_UNLIKELY (call == NULL))
    {
      g_critical ("Function “%s”: its async function invoked the callback "
                  "more than once; only the first completion counts",
                  late_name != NULL ? late_name : "(ended)");
      return;
    }

  self = (SaIntrospected *) call->function->callable;
  g_atomic_int_inc (&call->completions);

  frame_fill (call->function, &self->finish, call->args, NULL, NULL, NULL, res, &frame, NULL);
  frame.ret.widened = 0;
  ffi_call (&self->finish.cif, FFI_FN (self->finish.func), &frame.ret, frame.values);
  frame_take (call->function, self, &self->finish, &frame, &call->result, &call->error);
  sa_call_complete (call);
}

static void
sa_introspected_start (SaCallable *callable,
                       SaCall     *call)
{
  SaIntrospected *self = (SaIntrospected *) callable;
  g_autofree char *critical = NULL;
  GError *error = NULL;
  gpointer token;
  Frame frame;

  token = sa_pair_token_new (sa_call_ref (call));
  if (!frame_fill (call->function, &self->plan, call->args, call->op_cancellable,
                   (gpointer) sa_introspected_ready, token, NULL, &frame, &error))
    {
      const char *unused;
      g_autoptr(SaCall) held = sa_pair_token_take (token, &unused);

      call->error = error;
      sa_call_complete (call);
      return;
    }

  sa_critical_watch_begin ();
  ffi_call (&self->plan.cif, FFI_FN (self->plan.func), &frame.ret, frame.values);
  critical = sa_critical_watch_end ();

  if (G_UNLIKELY (critical != NULL))
    {
      const char *unused;
      g_autoptr(SaCall) held = sa_pair_token_take (token, &unused);

      /* A failed precondition returns without calling back. */
      if (held != NULL)
        {
          g_set_error (&call->error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE,
                       "Function “%s” cannot start: its async function logged a "
                       "critical (%s) and will not call back",
                       call->function->name, critical);
          sa_call_complete (call);
        }
    }
}

static void
sa_introspected_finalize (SaCallable *callable,
                          SaFunction *function)
{
  SaIntrospected *self = (SaIntrospected *) callable;

  plan_clear (&self->plan);
  plan_clear (&self->finish);
  g_free (self->result_types);
  g_free (self);
}

static const SaCallableClass sa_introspected_function_class = {
  .description = "introspected blocking",
  .kind = SA_FUNCTION_KIND_SYNC,
  .invoke = sa_introspected_invoke,
  .finalize = sa_introspected_finalize,
};

static const SaCallableClass sa_introspected_pair_class = {
  .description = "introspected async",
  .kind = SA_FUNCTION_KIND_ASYNC,
  .start = sa_introspected_start,
  .finalize = sa_introspected_finalize,
};

/* Construction */

static GType
container_gtype (GIBaseInfo *container)
{
  GType gtype;

  if (container == NULL || !GI_IS_REGISTERED_TYPE_INFO (container))
    return G_TYPE_NONE;
  gtype = g_registered_type_info_get_g_type ((GIRegisteredTypeInfo *) container);
  return gtype == G_TYPE_INVALID ? G_TYPE_NONE : gtype;
}

static GIFunctionInfo *
find_method (GIBaseInfo *container,
             const char *ns,
             const char *name)
{
  if (container == NULL)
    {
      GIBaseInfo *info = g_irepository_find_by_name (NULL, ns, name);

      if (info != NULL && g_base_info_get_type (info) != GI_INFO_TYPE_FUNCTION)
        g_clear_pointer (&info, g_base_info_unref);
      return (GIFunctionInfo *) info;
    }

  switch (g_base_info_get_type (container))
    {
    case GI_INFO_TYPE_OBJECT:
      return g_object_info_find_method ((GIObjectInfo *) container, name);
    case GI_INFO_TYPE_INTERFACE:
      return g_interface_info_find_method ((GIInterfaceInfo *) container, name);
    case GI_INFO_TYPE_STRUCT:
    case GI_INFO_TYPE_BOXED:
      return g_struct_info_find_method ((GIStructInfo *) container, name);
    case GI_INFO_TYPE_UNION:
      return g_union_info_find_method ((GIUnionInfo *) container, name);
    case GI_INFO_TYPE_ENUM:
    case GI_INFO_TYPE_FLAGS:
      {
        int n = g_enum_info_get_n_methods ((GIEnumInfo *) container);

        for (int i = 0; i < n; i++)
          {
            GIFunctionInfo *method = g_enum_info_get_method ((GIEnumInfo *) container, i);

            if (strcmp (g_base_info_get_name (method), name) == 0)
              return method;
            g_base_info_unref (method);
          }
        return NULL;
      }
    default:
      return NULL;
    }
}

/* The _finish partner of an async function: by the _async/_finish naming
 * rule (Debian 12's typelibs carry no finish-func attribute), in the same
 * container. */
static GIFunctionInfo *
find_finish (GIFunctionInfo *info)
{
  GIBaseInfo *container = g_base_info_get_container (info);
  const char *name = g_base_info_get_name (info);
  g_autofree char *finish_name = NULL;

  /* The few pairs the naming rule misses. */
  static const struct
  {
    const char *async;
    const char *finish;
  } exceptions[] = {
    { "replace_contents_bytes_async", "replace_contents_finish" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (exceptions) && finish_name == NULL; i++)
    if (strcmp (name, exceptions[i].async) == 0 &&
        g_strcmp0 (g_base_info_get_namespace (info), "Gio") == 0)
      finish_name = g_strdup (exceptions[i].finish);

  if (finish_name == NULL && g_str_has_suffix (name, "_async"))
    finish_name = g_strdup_printf ("%.*s_finish", (int) strlen (name) - 6, name);
  else if (finish_name == NULL)
    finish_name = g_strdup_printf ("%s_finish", name);

  if (container != NULL && g_base_info_get_type (container) == GI_INFO_TYPE_FUNCTION)
    container = NULL;
  return find_method (container, g_base_info_get_namespace (info), finish_name);
}

static gboolean
takes_async_callback (GICallableInfo *info)
{
  guint n = g_callable_info_get_n_args (info);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GIBaseInfo) arg = g_callable_info_get_arg (info, i);
      g_autoptr(GIBaseInfo) type = g_arg_info_get_type (arg);

      if (g_type_info_get_tag (type) == GI_TYPE_TAG_INTERFACE)
        {
          g_autoptr(GIBaseInfo) iface = g_type_info_get_interface (type);

          if (is_async_ready_callback (iface))
            return TRUE;
        }
    }
  return FALSE;
}

static char *
full_name (GIBaseInfo *info)
{
  GIBaseInfo *container = g_base_info_get_container (info);

  if (container != NULL && g_base_info_get_type (container) != GI_INFO_TYPE_FUNCTION)
    return g_strdup_printf ("%s.%s.%s", g_base_info_get_namespace (info),
                            g_base_info_get_name (container), g_base_info_get_name (info));
  return g_strdup_printf ("%s.%s", g_base_info_get_namespace (info), g_base_info_get_name (info));
}

SaFunction *
sa_introspected_new_for_info (GIBaseInfo  *info,
                              GError     **error)
{
  g_autofree char *name = full_name (info);
  Builder builder = { name, error };
  g_autoptr(GArray) param_types = g_array_new (FALSE, FALSE, sizeof (GType));
  g_autoptr(GArray) result_types = g_array_new (FALSE, FALSE, sizeof (GType));
  g_autoptr(GArray) unused_results = g_array_new (FALSE, FALSE, sizeof (GType));
  g_autoptr(GIBaseInfo) finish = NULL;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&repository_lock);
  SaIntrospected *self = g_new0 (SaIntrospected, 1);
  GIBaseInfo *container = g_base_info_get_container (info);
  GType container_type;
  gboolean is_pair;
  GType return_type;
  SaFunction *function;

  if (g_base_info_get_type (info) != GI_INFO_TYPE_FUNCTION)
    {
      refuse (&builder, "it is not a function (a %s)",
              g_info_type_to_string (g_base_info_get_type (info)));
      goto fail;
    }

  container_type = container_gtype (container);
  is_pair = takes_async_callback ((GICallableInfo *) info);

  if (!plan_callable (&builder, (GICallableInfo *) info, container_type,
                      is_pair ? PLAN_ASYNC : PLAN_BLOCKING, FALSE,
                      param_types, is_pair ? unused_results : result_types, &self->plan))
    goto fail;

  if (is_pair)
    {
      finish = find_finish ((GIFunctionInfo *) info);
      if (finish == NULL)
        {
          refuse (&builder, "it takes a GAsyncReadyCallback but has no _finish "
                  "function beside it");
          goto fail;
        }
      if (!plan_callable (&builder, (GICallableInfo *) finish, container_type,
                          PLAN_FINISH, self->plan.offset == 1,
                          param_types, result_types, &self->finish))
        goto fail;
      /* The finish function's parameters are not the caller's. */
      for (guint i = 0; i < self->finish.n_args; i++)
        if (self->finish.args[i].role == ROLE_IN || self->finish.args[i].role == ROLE_INOUT)
          {
            refuse (&builder, "its finish function takes argument %s besides the "
                    "result", self->finish.args[i].name);
            goto fail;
          }
    }

  if (param_types->len > SA_FUNCTION_MAX_PARAMS || result_types->len > SA_FUNCTION_MAX_PARAMS)
    {
      refuse (&builder, "it has %u parameters and %u results", param_types->len,
              result_types->len);
      goto fail;
    }

  self->n_results = result_types->len;
  self->result_types = g_memdup2 (result_types->data, MAX (result_types->len, 1) * sizeof (GType));
  if (self->n_results == 0)
    return_type = G_TYPE_NONE;
  else if (self->n_results == 1)
    return_type = self->result_types[0];
  else
    return_type = value_array_type ();

  self->parent.klass = is_pair ? &sa_introspected_pair_class : &sa_introspected_function_class;
  function = sa_function_new_from_callable (name, return_type,
                                            (const GType *) param_types->data,
                                            param_types->len, &self->parent);
  if (self->n_results > 1)
    sa_function_set_result_types (function, self->result_types, self->n_results);
  return function;

fail:
  sa_introspected_finalize (&self->parent, NULL);
  return NULL;
}

/* A C symbol among the functions of @namespace_ and the methods of its
 * types: what a GJS function says it wraps. */
static GIBaseInfo *
find_symbol (const char *namespace_,
             const char *symbol)
{
  int n_infos = g_irepository_get_n_infos (NULL, namespace_);

  for (int i = 0; i < n_infos; i++)
    {
      g_autoptr(GIBaseInfo) info = g_irepository_get_info (NULL, namespace_, i);
      GIInfoType type = g_base_info_get_type (info);
      int n_methods = 0;
      GIFunctionInfo *(*get_method) (GIBaseInfo *, int) = NULL;

      switch (type)
        {
        case GI_INFO_TYPE_FUNCTION:
          if (strcmp (g_function_info_get_symbol ((GIFunctionInfo *) info), symbol) == 0)
            return g_steal_pointer (&info);
          continue;
        case GI_INFO_TYPE_OBJECT:
          n_methods = g_object_info_get_n_methods ((GIObjectInfo *) info);
          get_method = (gpointer) g_object_info_get_method;
          break;
        case GI_INFO_TYPE_INTERFACE:
          n_methods = g_interface_info_get_n_methods ((GIInterfaceInfo *) info);
          get_method = (gpointer) g_interface_info_get_method;
          break;
        case GI_INFO_TYPE_STRUCT:
        case GI_INFO_TYPE_BOXED:
          n_methods = g_struct_info_get_n_methods ((GIStructInfo *) info);
          get_method = (gpointer) g_struct_info_get_method;
          break;
        case GI_INFO_TYPE_UNION:
          n_methods = g_union_info_get_n_methods ((GIUnionInfo *) info);
          get_method = (gpointer) g_union_info_get_method;
          break;
        default:
          continue;
        }

      for (int j = 0; j < n_methods; j++)
        {
          GIFunctionInfo *method = get_method (info, j);

          if (strcmp (g_function_info_get_symbol (method), symbol) == 0)
            return method;
          g_base_info_unref (method);
        }
    }

  return NULL;
}

static GIBaseInfo *
find_by_name (const char *namespace_,
              const char *name)
{
  g_auto(GStrv) parts = g_strsplit (name, ".", 3);

  if (g_strv_length (parts) == 1)
    {
      GIBaseInfo *info = (GIBaseInfo *) find_method (NULL, namespace_, parts[0]);

      return info != NULL ? info : find_symbol (namespace_, name);
    }
  if (g_strv_length (parts) == 2)
    {
      g_autoptr(GIBaseInfo) container = g_irepository_find_by_name (NULL, namespace_, parts[0]);

      if (container != NULL)
        return (GIBaseInfo *) find_method (container, namespace_, parts[1]);
    }
  return NULL;
}

SaFunction *
sa_introspected_new (const char  *namespace_,
                     const char  *version,
                     const char  *name,
                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GIBaseInfo) info = NULL;

  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&repository_lock);

    if (namespace_ == NULL)
      {
        g_auto(GStrv) loaded = g_irepository_get_loaded_namespaces (NULL);

        for (guint i = 0; loaded[i] != NULL && info == NULL; i++)
          info = find_symbol (loaded[i], name);
      }
    else
      {
        if (g_irepository_require (NULL, namespace_, version, 0, &local_error) == NULL)
          {
            g_set_error (error, SA_ERROR, SA_ERROR_NOT_FOUND,
                         "No typelib for %s %s: %s", namespace_,
                         version != NULL ? version : "(any version)", local_error->message);
            return NULL;
          }
        info = find_by_name (namespace_, name);
      }
  }

  if (info == NULL)
    {
      if (namespace_ == NULL)
        g_set_error (error, SA_ERROR, SA_ERROR_NOT_FOUND,
                     "No loaded typelib has a function with the C symbol %s", name);
      else
        g_set_error (error, SA_ERROR, SA_ERROR_NOT_FOUND,
                     "%s has no function %s (give a function, “Type.method” "
                     "or a C symbol)", namespace_, name);
      return NULL;
    }

  return sa_introspected_new_for_info (info, error);
}
