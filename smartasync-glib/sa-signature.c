/* sa-signature.c: GTypes to C calling conventions and back
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <float.h>
#include <math.h>

#include "sa-error.h"
#include "sa-signature-private.h"

gboolean
sa_signature_type_is_supported (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_CHAR:
    case G_TYPE_UCHAR:
    case G_TYPE_BOOLEAN:
    case G_TYPE_INT:
    case G_TYPE_UINT:
    case G_TYPE_LONG:
    case G_TYPE_ULONG:
    case G_TYPE_INT64:
    case G_TYPE_UINT64:
    case G_TYPE_ENUM:
    case G_TYPE_FLAGS:
    case G_TYPE_FLOAT:
    case G_TYPE_DOUBLE:
    case G_TYPE_STRING:
    case G_TYPE_POINTER:
    case G_TYPE_BOXED:
    case G_TYPE_PARAM:
    case G_TYPE_OBJECT:
    case G_TYPE_VARIANT:
      return TRUE;

    case G_TYPE_INTERFACE:
      /* A GValue can only hold interfaces implemented by GObjects. */
      return g_type_is_a (type, G_TYPE_OBJECT);

    default:
      return FALSE;
    }
}

ffi_type *
sa_signature_ffi_type (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_NONE:
      return &ffi_type_void;
    case G_TYPE_CHAR:
      return &ffi_type_sint8;
    case G_TYPE_UCHAR:
      return &ffi_type_uint8;
    case G_TYPE_BOOLEAN:
    case G_TYPE_INT:
    case G_TYPE_ENUM:
      return &ffi_type_sint;
    case G_TYPE_UINT:
    case G_TYPE_FLAGS:
      return &ffi_type_uint;
    case G_TYPE_LONG:
      return &ffi_type_slong;
    case G_TYPE_ULONG:
      return &ffi_type_ulong;
    case G_TYPE_INT64:
      return &ffi_type_sint64;
    case G_TYPE_UINT64:
      return &ffi_type_uint64;
    case G_TYPE_FLOAT:
      return &ffi_type_float;
    case G_TYPE_DOUBLE:
      return &ffi_type_double;
    default:
      return &ffi_type_pointer;
    }
}

gboolean
sa_signature_prepare_cif (ffi_cif   *cif,
                          ffi_type **arg_types,
                          guint      n_args,
                          GType      return_type)
{
  return ffi_prep_cif (cif, FFI_DEFAULT_ABI, n_args,
                       sa_signature_ffi_type (return_type),
                       arg_types) == FFI_OK;
}

/* G_TYPE_FUNDAMENTAL() is a call to g_type_fundamental(); the two
 * conversions below run for every argument and result of every call, and
 * most of those have fundamental types already. */
static inline GType
fundamental_of (GType type)
{
  return G_TYPE_IS_FUNDAMENTAL (type) ? type : G_TYPE_FUNDAMENTAL (type);
}

/* The switch has looked at the type: the commonest numbers are read as
 * their getters read them, without the getters' type checks again. */
void
sa_slot_from_value (SaSlot       *slot,
                    const GValue *value)
{
  switch (fundamental_of (G_VALUE_TYPE (value)))
    {
    case G_TYPE_CHAR:
      slot->v_int8 = g_value_get_schar (value);
      break;
    case G_TYPE_UCHAR:
      slot->v_uint8 = g_value_get_uchar (value);
      break;
    case G_TYPE_BOOLEAN:
      slot->v_int = value->data[0].v_int;
      break;
    case G_TYPE_INT:
      slot->v_int = value->data[0].v_int;
      break;
    case G_TYPE_ENUM:
      slot->v_int = g_value_get_enum (value);
      break;
    case G_TYPE_UINT:
      slot->v_uint = value->data[0].v_uint;
      break;
    case G_TYPE_FLAGS:
      slot->v_uint = g_value_get_flags (value);
      break;
    case G_TYPE_LONG:
      slot->v_long = g_value_get_long (value);
      break;
    case G_TYPE_ULONG:
      slot->v_ulong = g_value_get_ulong (value);
      break;
    case G_TYPE_INT64:
      slot->v_int64 = value->data[0].v_int64;
      break;
    case G_TYPE_UINT64:
      slot->v_uint64 = value->data[0].v_uint64;
      break;
    case G_TYPE_FLOAT:
      slot->v_float = g_value_get_float (value);
      break;
    case G_TYPE_DOUBLE:
      slot->v_double = value->data[0].v_double;
      break;
    default:
      /* Strings, objects, boxed, variants, params, pointers: the value's
       * data is the pointer the C function expects. */
      slot->v_pointer = g_value_peek_pointer (value);
      break;
    }
}

/* The commonest numbers, set in place as g_value_init() and their setter
 * would set them, without the value-table lookups of both; FALSE for any
 * other type. */
static gboolean
number_from_slot (GValue *value,
                  GType   type,
                  SaSlot *slot)
{
  GValue number = G_VALUE_INIT;

  switch (type)
    {
    case G_TYPE_BOOLEAN:
      number.data[0].v_int = (gint) slot->v_ffi_arg != 0;
      break;
    case G_TYPE_INT:
      number.data[0].v_int = (gint) slot->v_ffi_arg;
      break;
    case G_TYPE_UINT:
      number.data[0].v_uint = (guint) slot->v_ffi_arg;
      break;
    case G_TYPE_INT64:
      number.data[0].v_int64 = slot->v_int64;
      break;
    case G_TYPE_UINT64:
      number.data[0].v_uint64 = slot->v_uint64;
      break;
    case G_TYPE_DOUBLE:
      number.data[0].v_double = slot->v_double;
      break;
    default:
      return FALSE;
    }

  number.g_type = type;
  *value = number;
  return TRUE;
}

/* libffi widens integral return values narrower than a register to
 * ffi_arg; arguments are not widened. */
void
sa_value_from_slot (GValue   *value,
                    GType     type,
                    SaSlot   *slot,
                    gboolean  take_ownership)
{
  /* A value already initialised takes g_value_init(), which reports it. */
  if (G_VALUE_TYPE (value) == G_TYPE_INVALID && number_from_slot (value, type, slot))
    return;

  g_value_init (value, type);

  switch (fundamental_of (type))
    {
    case G_TYPE_CHAR:
      g_value_set_schar (value, (gint8) slot->v_ffi_arg);
      break;
    case G_TYPE_UCHAR:
      g_value_set_uchar (value, (guint8) slot->v_ffi_arg);
      break;
    case G_TYPE_BOOLEAN:
      g_value_set_boolean (value, (gint) slot->v_ffi_arg != 0);
      break;
    case G_TYPE_INT:
      g_value_set_int (value, (gint) slot->v_ffi_arg);
      break;
    case G_TYPE_ENUM:
      g_value_set_enum (value, (gint) slot->v_ffi_arg);
      break;
    case G_TYPE_UINT:
      g_value_set_uint (value, (guint) slot->v_ffi_arg);
      break;
    case G_TYPE_FLAGS:
      g_value_set_flags (value, (guint) slot->v_ffi_arg);
      break;
    case G_TYPE_LONG:
      g_value_set_long (value, slot->v_long);
      break;
    case G_TYPE_ULONG:
      g_value_set_ulong (value, slot->v_ulong);
      break;
    case G_TYPE_INT64:
      g_value_set_int64 (value, slot->v_int64);
      break;
    case G_TYPE_UINT64:
      g_value_set_uint64 (value, slot->v_uint64);
      break;
    case G_TYPE_FLOAT:
      g_value_set_float (value, slot->v_float);
      break;
    case G_TYPE_DOUBLE:
      g_value_set_double (value, slot->v_double);
      break;
    case G_TYPE_STRING:
      if (take_ownership)
        g_value_take_string (value, slot->v_pointer);
      else
        g_value_set_string (value, slot->v_pointer);
      break;
    case G_TYPE_OBJECT:
    case G_TYPE_INTERFACE:
      if (take_ownership)
        g_value_take_object (value, slot->v_pointer);
      else
        g_value_set_object (value, slot->v_pointer);
      break;
    case G_TYPE_BOXED:
      if (take_ownership)
        g_value_take_boxed (value, slot->v_pointer);
      else
        g_value_set_boxed (value, slot->v_pointer);
      break;
    case G_TYPE_PARAM:
      if (take_ownership)
        g_value_take_param (value, slot->v_pointer);
      else
        g_value_set_param (value, slot->v_pointer);
      break;
    case G_TYPE_VARIANT:
      if (take_ownership)
        g_value_take_variant (value, slot->v_pointer);
      else
        g_value_set_variant (value, slot->v_pointer);
      break;
    case G_TYPE_POINTER:
      g_value_set_pointer (value, slot->v_pointer);
      break;
    default:
      g_assert_not_reached ();
    }
}

void
sa_value_init_result (GValue *value,
                      GType   return_type)
{
  /* Bindings cannot cope with an uninitialised out GValue, even on the
   * error path, so void results are a NULL pointer. */
  g_value_init (value, return_type == G_TYPE_NONE ? G_TYPE_POINTER : return_type);
}

/* g_value_unset() for values the library initialised itself, or left
 * zeroed: a value that owns nothing is only cleared, without the type
 * system's checks and lookups (a lock for the zeroed case). */
void
sa_value_clear (GValue *value)
{
  GType type = G_VALUE_TYPE (value);

  if (type == G_TYPE_INVALID)
    return;

  if (sa_type_owns_nothing (type))
    memset (value, 0, sizeof (GValue));
  else
    g_value_unset (value);
}

typedef enum
{
  NUMBER_NONE,
  NUMBER_SIGNED,
  NUMBER_UNSIGNED,
  NUMBER_REAL,
} NumberKind;

typedef struct
{
  NumberKind kind;
  gint64     s;
  guint64    u;
  gdouble    d;
} Number;

static gboolean
number_from_value (const GValue *value,
                   Number       *n)
{
  n->kind = NUMBER_SIGNED;

  switch (G_TYPE_FUNDAMENTAL (G_VALUE_TYPE (value)))
    {
    case G_TYPE_CHAR:    n->s = g_value_get_schar (value); break;
    case G_TYPE_BOOLEAN: n->s = g_value_get_boolean (value); break;
    case G_TYPE_INT:     n->s = g_value_get_int (value); break;
    case G_TYPE_LONG:    n->s = g_value_get_long (value); break;
    case G_TYPE_INT64:   n->s = g_value_get_int64 (value); break;
    case G_TYPE_ENUM:    n->s = g_value_get_enum (value); break;
    case G_TYPE_UCHAR:   n->kind = NUMBER_UNSIGNED; n->u = g_value_get_uchar (value); break;
    case G_TYPE_UINT:    n->kind = NUMBER_UNSIGNED; n->u = g_value_get_uint (value); break;
    case G_TYPE_ULONG:   n->kind = NUMBER_UNSIGNED; n->u = g_value_get_ulong (value); break;
    case G_TYPE_UINT64:  n->kind = NUMBER_UNSIGNED; n->u = g_value_get_uint64 (value); break;
    case G_TYPE_FLAGS:   n->kind = NUMBER_UNSIGNED; n->u = g_value_get_flags (value); break;
    case G_TYPE_FLOAT:   n->kind = NUMBER_REAL; n->d = g_value_get_float (value); break;
    case G_TYPE_DOUBLE:  n->kind = NUMBER_REAL; n->d = g_value_get_double (value); break;
    default:
      n->kind = NUMBER_NONE;
      return FALSE;
    }

  return TRUE;
}

/* Whether @n is an integer in [min, max], without rounding anything. */
static gboolean
number_fits_signed (const Number *n,
                    gint64        min,
                    gint64        max,
                    gint64       *out)
{
  switch (n->kind)
    {
    case NUMBER_SIGNED:
      *out = n->s;
      return n->s >= min && n->s <= max;
    case NUMBER_UNSIGNED:
      *out = (gint64) n->u;
      return n->u <= (guint64) max;
    case NUMBER_REAL:
      /* 0x1p63 is exactly representable; max may not be. */
      if (!isfinite (n->d) || n->d != trunc (n->d) ||
          n->d < (gdouble) min || n->d >= 0x1p63)
        return FALSE;
      *out = (gint64) n->d;
      return *out >= min && *out <= max;
    case NUMBER_NONE:
    default:
      return FALSE;
    }
}

static gboolean
number_fits_unsigned (const Number *n,
                      guint64       max,
                      guint64      *out)
{
  switch (n->kind)
    {
    case NUMBER_SIGNED:
      *out = (guint64) n->s;
      return n->s >= 0 && (guint64) n->s <= max;
    case NUMBER_UNSIGNED:
      *out = n->u;
      return n->u <= max;
    case NUMBER_REAL:
      if (!isfinite (n->d) || n->d != trunc (n->d) ||
          n->d < 0 || n->d >= 0x1p64)
        return FALSE;
      *out = (guint64) n->d;
      return *out <= max;
    case NUMBER_NONE:
    default:
      return FALSE;
    }
}

static gdouble
number_to_double (const Number *n)
{
  switch (n->kind)
    {
    case NUMBER_SIGNED:   return (gdouble) n->s;
    case NUMBER_UNSIGNED: return (gdouble) n->u;
    case NUMBER_REAL:     return n->d;
    case NUMBER_NONE:
    default:              return 0;
    }
}

/* Numbers convert when nothing is lost: 3.0 becomes the gint 3, 3.5 does
 * not; 2^40 becomes a gint64 but not a gint; -1 is no guint. Reals are the
 * exception: any finite number in range becomes a float or double, since
 * that is what bindings send for every non-integer. */
static gboolean
coerce_number (const Number *n,
               GType         dest_type,
               GValue       *dest)
{
  gint64 s;
  guint64 u;

  switch (G_TYPE_FUNDAMENTAL (dest_type))
    {
    case G_TYPE_CHAR:
      if (!number_fits_signed (n, G_MININT8, G_MAXINT8, &s))
        return FALSE;
      g_value_init (dest, dest_type);
      g_value_set_schar (dest, (gint8) s);
      return TRUE;
    case G_TYPE_BOOLEAN:
      if (!number_fits_signed (n, 0, 1, &s))
        return FALSE;
      g_value_init (dest, dest_type);
      g_value_set_boolean (dest, s != 0);
      return TRUE;
    case G_TYPE_INT:
      if (!number_fits_signed (n, G_MININT, G_MAXINT, &s))
        return FALSE;
      g_value_init (dest, dest_type);
      g_value_set_int (dest, (gint) s);
      return TRUE;
    case G_TYPE_LONG:
      if (!number_fits_signed (n, G_MINLONG, G_MAXLONG, &s))
        return FALSE;
      g_value_init (dest, dest_type);
      g_value_set_long (dest, (glong) s);
      return TRUE;
    case G_TYPE_INT64:
      if (!number_fits_signed (n, G_MININT64, G_MAXINT64, &s))
        return FALSE;
      g_value_init (dest, dest_type);
      g_value_set_int64 (dest, s);
      return TRUE;
    case G_TYPE_ENUM:
      {
        g_autoptr(GEnumClass) klass = g_type_class_ref (dest_type);

        if (!number_fits_signed (n, G_MININT, G_MAXINT, &s) ||
            g_enum_get_value (klass, (gint) s) == NULL)
          return FALSE;
        g_value_init (dest, dest_type);
        g_value_set_enum (dest, (gint) s);
        return TRUE;
      }
    case G_TYPE_UCHAR:
      if (!number_fits_unsigned (n, G_MAXUINT8, &u))
        return FALSE;
      g_value_init (dest, dest_type);
      g_value_set_uchar (dest, (guint8) u);
      return TRUE;
    case G_TYPE_UINT:
      if (!number_fits_unsigned (n, G_MAXUINT, &u))
        return FALSE;
      g_value_init (dest, dest_type);
      g_value_set_uint (dest, (guint) u);
      return TRUE;
    case G_TYPE_ULONG:
      if (!number_fits_unsigned (n, G_MAXULONG, &u))
        return FALSE;
      g_value_init (dest, dest_type);
      g_value_set_ulong (dest, (gulong) u);
      return TRUE;
    case G_TYPE_UINT64:
      if (!number_fits_unsigned (n, G_MAXUINT64, &u))
        return FALSE;
      g_value_init (dest, dest_type);
      g_value_set_uint64 (dest, u);
      return TRUE;
    case G_TYPE_FLAGS:
      {
        g_autoptr(GFlagsClass) klass = g_type_class_ref (dest_type);

        if (!number_fits_unsigned (n, G_MAXUINT, &u) || (u & ~klass->mask) != 0)
          return FALSE;
        g_value_init (dest, dest_type);
        g_value_set_flags (dest, (guint) u);
        return TRUE;
      }
    case G_TYPE_FLOAT:
      {
        gdouble d = number_to_double (n);

        if (!isfinite (d) || fabs (d) > FLT_MAX)
          return FALSE;
        g_value_init (dest, dest_type);
        g_value_set_float (dest, (gfloat) d);
        return TRUE;
      }
    case G_TYPE_DOUBLE:
      g_value_init (dest, dest_type);
      g_value_set_double (dest, number_to_double (n));
      return TRUE;
    default:
      return FALSE;
    }
}

/* Whether C passes a value of @type as a pointer. */
gboolean
sa_signature_type_is_pointer_like (GType type)
{
  switch (G_TYPE_FUNDAMENTAL (type))
    {
    case G_TYPE_STRING:
    case G_TYPE_POINTER:
    case G_TYPE_BOXED:
    case G_TYPE_PARAM:
    case G_TYPE_OBJECT:
    case G_TYPE_INTERFACE:
    case G_TYPE_VARIANT:
      return TRUE;
    default:
      return FALSE;
    }
}

static char *
describe_value (const GValue *value)
{
  Number n;

  if (number_from_value (value, &n))
    {
      g_autofree char *contents = g_strdup_value_contents (value);
      return g_strdup_printf ("%s %s", G_VALUE_TYPE_NAME (value), contents);
    }

  return g_strdup_printf ("%s", G_VALUE_TYPE_NAME (value));
}

/* Converts @src to @dest_type into the zeroed @dest, or explains why not.
 * Subtypes are copied; objects are accepted by their instance type (a
 * binding may send a GFile as a plain GObject); a NULL gpointer (JS null)
 * is NULL of any pointer type; numbers convert without loss. */
gboolean
sa_value_coerce (const GValue  *src,
                 GType          dest_type,
                 GValue        *dest,
                 int            error_code,
                 GError       **error)
{
  GType src_type = G_VALUE_TYPE (src);
  Number n;

  /* A value that owns nothing is its bytes: no type-table lookups. */
  if (src_type == dest_type && sa_type_owns_nothing (src_type))
    {
      *dest = *src;
      return TRUE;
    }

  if (src_type == dest_type || g_value_type_compatible (src_type, dest_type))
    {
      g_value_init (dest, dest_type);
      g_value_copy (src, dest);
      return TRUE;
    }

  if (g_type_is_a (dest_type, G_TYPE_OBJECT) && G_VALUE_HOLDS_OBJECT (src))
    {
      GObject *object = g_value_get_object (src);

      if (object == NULL || G_TYPE_CHECK_INSTANCE_TYPE (object, dest_type))
        {
          g_value_init (dest, dest_type);
          g_value_set_object (dest, object);
          return TRUE;
        }

      g_set_error (error, SA_ERROR, error_code,
                   "expected %s, got an instance of %s",
                   g_type_name (dest_type), G_OBJECT_TYPE_NAME (object));
      return FALSE;
    }

  if (src_type == G_TYPE_POINTER && g_value_get_pointer (src) == NULL &&
      sa_signature_type_is_pointer_like (dest_type))
    {
      g_value_init (dest, dest_type);
      return TRUE;
    }

  if (number_from_value (src, &n) && coerce_number (&n, dest_type, dest))
    return TRUE;

  /* Bytes either way, copied: PyGObject and GJS build GBytes from their
   * native bytes, and cannot build a GByteArray. */
  if (src_type == G_TYPE_BYTES && dest_type == G_TYPE_BYTE_ARRAY)
    {
      GBytes *bytes = g_value_get_boxed (src);

      g_value_init (dest, dest_type);
      if (bytes != NULL)
        g_value_take_boxed (dest, g_bytes_unref_to_array (g_bytes_ref (bytes)));
      return TRUE;
    }
  if (src_type == G_TYPE_BYTE_ARRAY && dest_type == G_TYPE_BYTES)
    {
      GByteArray *array = g_value_get_boxed (src);

      g_value_init (dest, dest_type);
      if (array != NULL)
        g_value_take_boxed (dest, g_bytes_new (array->data, array->len));
      return TRUE;
    }

  {
    g_autofree char *described = describe_value (src);

    g_set_error (error, SA_ERROR, error_code,
                 "expected %s, got %s", g_type_name (dest_type), described);
  }
  return FALSE;
}

gboolean
sa_signature_coerce_args (const char    *function_name,
                          const GType   *param_types,
                          guint          n_params,
                          const GValue  *args,
                          guint          n_args,
                          GValue        *out_args,
                          GError       **error)
{
  if (n_args != n_params)
    {
      g_set_error (error, SA_ERROR, SA_ERROR_ARGUMENT_COUNT,
                   "Function “%s” takes %u argument%s, %u given",
                   function_name, n_params, n_params == 1 ? "" : "s", n_args);
      return FALSE;
    }

  for (guint i = 0; i < n_params; i++)
    {
      if (!G_IS_VALUE (&args[i]))
        {
          g_set_error (error, SA_ERROR, SA_ERROR_ARGUMENT_TYPE,
                       "Function “%s”: argument %u is an uninitialised GValue",
                       function_name, i + 1);
        }
      else if (sa_value_coerce (&args[i], param_types[i], &out_args[i],
                                SA_ERROR_ARGUMENT_TYPE, error))
        continue;
      else
        g_prefix_error (error, "Function “%s”: argument %u: ", function_name, i + 1);

      for (guint j = 0; j < i; j++)
        g_value_unset (&out_args[j]);
      return FALSE;
    }

  return TRUE;
}
