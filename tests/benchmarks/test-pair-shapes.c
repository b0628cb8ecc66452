/* test-pair-shapes.c: async pairs of every shape that is called without libffi
 *
 * sa-invoke.c calls the _async and _finish functions of a pair through
 * typed function pointers when their parameters are pointers and gints
 * (the shapes most GIO pairs have), and through libffi otherwise; that
 * fast path was made for the benchmarks. Every shape it knows, and a few
 * it hands to libffi, must pass each argument where the C function expects
 * it and bring back what _finish returns.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <smartasync-glib.h>

/* What the last _async saw, in order: strings as themselves, integers
 * printed. */
static GPtrArray *seen;

static void
see_string (const char *value)
{
  g_ptr_array_add (seen, g_strdup_printf ("s:%s", value));
}

static void
see_int (gint64 value)
{
  g_ptr_array_add (seen, g_strdup_printf ("i:%" G_GINT64_FORMAT, value));
}

static void
complete (gpointer             source,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_return_boolean (task, TRUE);
}

/* _async functions, one per shape: P a string, I a gint */

#define ASYNC0(name) \
  static void name (GCancellable *c, GAsyncReadyCallback cb, gpointer d) \
  { complete (NULL, c, cb, d); }
#define ASYNC1(name, T0, S0) \
  static void name (T0 a, GCancellable *c, GAsyncReadyCallback cb, gpointer d) \
  { S0 (a); complete (NULL, c, cb, d); }
#define ASYNC2(name, T0, S0, T1, S1) \
  static void name (T0 a, T1 b, GCancellable *c, GAsyncReadyCallback cb, gpointer d) \
  { S0 (a); S1 (b); complete (NULL, c, cb, d); }
#define ASYNC3(name, T0, S0, T1, S1, T2, S2) \
  static void name (T0 a, T1 b, T2 e, GCancellable *c, GAsyncReadyCallback cb, gpointer d) \
  { S0 (a); S1 (b); S2 (e); complete (NULL, c, cb, d); }

#define P const char *, see_string
#define I gint, see_int

/* The extra indirection expands P and I into two arguments each. */
#define EXPAND(x) x
#define DEFINE_ASYNC1(name, ...) EXPAND (ASYNC1 (name, __VA_ARGS__))
#define DEFINE_ASYNC2(name, ...) EXPAND (ASYNC2 (name, __VA_ARGS__))
#define DEFINE_ASYNC3(name, ...) EXPAND (ASYNC3 (name, __VA_ARGS__))

ASYNC0 (async_none)
DEFINE_ASYNC1 (async_p, P)
DEFINE_ASYNC1 (async_i, I)
DEFINE_ASYNC2 (async_pp, P, P)
DEFINE_ASYNC2 (async_pi, P, I)
DEFINE_ASYNC2 (async_ip, I, P)
DEFINE_ASYNC2 (async_ii, I, I)
DEFINE_ASYNC3 (async_ppp, P, P, P)
DEFINE_ASYNC3 (async_ppi, P, P, I)
DEFINE_ASYNC3 (async_pip, P, I, P)
DEFINE_ASYNC3 (async_pii, P, I, I)
DEFINE_ASYNC3 (async_ipp, I, P, P)
DEFINE_ASYNC3 (async_ipi, I, P, I)
DEFINE_ASYNC3 (async_iip, I, I, P)
DEFINE_ASYNC3 (async_iii, I, I, I)

#undef P
#undef I

/* Shapes libffi handles: more than three arguments, other types */

static void
async_pppp (const char *a, const char *b, const char *e, const char *f,
            GCancellable *c, GAsyncReadyCallback cb, gpointer d)
{
  see_string (a);
  see_string (b);
  see_string (e);
  see_string (f);
  complete (NULL, c, cb, d);
}

static void
async_p_double_uint_int64 (const char *a, double b, guint e, gint64 f,
                           GCancellable *c, GAsyncReadyCallback cb, gpointer d)
{
  see_string (a);
  see_int ((gint64) (b * 10));
  see_int (e);
  see_int (f);
  complete (NULL, c, cb, d);
}

static void
async_bool_enum_object (gboolean a, GFileType b, GObject *e,
                        GCancellable *c, GAsyncReadyCallback cb, gpointer d)
{
  see_int (a);
  see_int (b);
  see_string (G_OBJECT_TYPE_NAME (e));
  complete (NULL, c, cb, d);
}

/* A _finish for every return and source shape */

static gboolean
finished (GAsyncResult  *result,
          GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
finish_void (GAsyncResult *result, GError **error)
{
  finished (result, error);
}

static void
finish_void_p (const char *source, GAsyncResult *result, GError **error)
{
  see_string (source);
  finished (result, error);
}

static void
finish_void_i (gint source, GAsyncResult *result, GError **error)
{
  see_int (source);
  finished (result, error);
}

static gint
finish_int (GAsyncResult *result, GError **error)
{
  return finished (result, error) ? -42 : 0;
}

static gint
finish_int_p (const char *source, GAsyncResult *result, GError **error)
{
  see_string (source);
  return finished (result, error) ? -42 : 0;
}

static gint
finish_int_i (gint source, GAsyncResult *result, GError **error)
{
  see_int (source);
  return finished (result, error) ? -42 : 0;
}

static char *
finish_string (GAsyncResult *result, GError **error)
{
  return finished (result, error) ? g_strdup ("done") : NULL;
}

static char *
finish_string_p (const char *source, GAsyncResult *result, GError **error)
{
  see_string (source);
  return finished (result, error) ? g_strdup ("done") : NULL;
}

static char *
finish_string_i (gint source, GAsyncResult *result, GError **error)
{
  see_int (source);
  return finished (result, error) ? g_strdup ("done") : NULL;
}

static double
finish_double (GAsyncResult *result, GError **error)
{
  return finished (result, error) ? -0.5 : 0;
}

/* Calls @fn with @args from a sync caller and from an async caller, and
 * checks what the pair saw and what came back. */

typedef struct
{
  GMainLoop *loop;
  GValue     value;
  GError    *error;
} AsyncOutcome;

static void
async_done (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncOutcome *outcome = user_data;

  sa_function_call_finish (SA_FUNCTION (source_object), result,
                           &outcome->value, &outcome->error);
  g_main_loop_quit (outcome->loop);
}

typedef struct
{
  SaFunction   *fn;
  const GValue *args;
  guint         n_args;
  AsyncOutcome *outcome;
} AsyncStart;

static gboolean
start_async (gpointer user_data)
{
  AsyncStart *start = user_data;

  sa_function_call_asyncv (start->fn, start->args, start->n_args, NULL,
                           async_done, start->outcome);
  return G_SOURCE_REMOVE;
}

static void
check_seen (const char * const *expected)
{
  g_assert_cmpuint (seen->len, ==, g_strv_length ((char **) expected));
  for (guint i = 0; i < seen->len; i++)
    g_assert_cmpstr (g_ptr_array_index (seen, i), ==, expected[i]);
  g_ptr_array_set_size (seen, 0);
}

static void
check_value (const GValue *value,
             GType         return_type)
{
  switch (G_TYPE_FUNDAMENTAL (return_type))
    {
    case G_TYPE_NONE:
      g_assert_true (G_VALUE_HOLDS_POINTER (value));
      break;
    case G_TYPE_INT:
      g_assert_cmpint (g_value_get_int (value), ==, -42);
      break;
    case G_TYPE_STRING:
      g_assert_cmpstr (g_value_get_string (value), ==, "done");
      break;
    case G_TYPE_DOUBLE:
      g_assert_cmpfloat (g_value_get_double (value), ==, -0.5);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
check_calls (SaFunction         *fn,
             const GValue       *args,
             guint               n_args,
             const char * const *expected)
{
  GType return_type = sa_function_get_return_type (fn);
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoptr(GError) error = NULL;
  AsyncOutcome outcome = { NULL, G_VALUE_INIT, NULL };
  AsyncStart start = { fn, args, n_args, &outcome };

  g_assert_true (sa_function_call_syncv (fn, args, n_args, &value, NULL, &error));
  g_assert_no_error (error);
  check_value (&value, return_type);
  check_seen (expected);

  outcome.loop = g_main_loop_new (NULL, FALSE);
  g_idle_add (start_async, &start);
  g_main_loop_run (outcome.loop);
  g_main_loop_unref (outcome.loop);
  g_assert_no_error (outcome.error);
  check_value (&outcome.value, return_type);
  g_value_unset (&outcome.value);
  check_seen (expected);
}

/* Arguments: strings "a", "b", ... and ints -1, -2, ... by position. */
static GValue *
make_args (const char *shape,
           guint      *n_args)
{
  guint n = strlen (shape);
  GValue *args = g_new0 (GValue, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      if (shape[i] == 'P')
        {
          g_autofree char *s = g_strdup_printf ("%c", 'a' + i);

          g_value_init (&args[i], G_TYPE_STRING);
          g_value_set_string (&args[i], s);
        }
      else
        {
          g_value_init (&args[i], G_TYPE_INT);
          g_value_set_int (&args[i], -1 - (int) i);
        }
    }

  *n_args = n;
  return args;
}

static void
free_args (GValue *args,
           guint   n_args)
{
  for (guint i = 0; i < n_args; i++)
    g_value_unset (&args[i]);
  g_free (args);
}

static char **
expected_for (const char *shape)
{
  GPtrArray *expected = g_ptr_array_new ();

  for (guint i = 0; shape[i] != '\0'; i++)
    {
      if (shape[i] == 'P')
        g_ptr_array_add (expected, g_strdup_printf ("s:%c", 'a' + i));
      else
        g_ptr_array_add (expected, g_strdup_printf ("i:%d", -1 - (int) i));
    }
  g_ptr_array_add (expected, NULL);

  return (char **) g_ptr_array_free (expected, FALSE);
}

static GType
type_for (char c)
{
  return c == 'P' ? G_TYPE_STRING : G_TYPE_INT;
}

typedef struct
{
  const char *shape;
  GCallback   func;
} StartShape;

static const StartShape start_shapes[] = {
  { "", G_CALLBACK (async_none) },
  { "P", G_CALLBACK (async_p) },
  { "I", G_CALLBACK (async_i) },
  { "PP", G_CALLBACK (async_pp) },
  { "PI", G_CALLBACK (async_pi) },
  { "IP", G_CALLBACK (async_ip) },
  { "II", G_CALLBACK (async_ii) },
  { "PPP", G_CALLBACK (async_ppp) },
  { "PPI", G_CALLBACK (async_ppi) },
  { "PIP", G_CALLBACK (async_pip) },
  { "PII", G_CALLBACK (async_pii) },
  { "IPP", G_CALLBACK (async_ipp) },
  { "IPI", G_CALLBACK (async_ipi) },
  { "IIP", G_CALLBACK (async_iip) },
  { "III", G_CALLBACK (async_iii) },
  { "PPPP", G_CALLBACK (async_pppp) },
};

static void
test_start_shapes (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (start_shapes); k++)
    {
      const char *shape = start_shapes[k].shape;
      guint n = strlen (shape);
      GType types[4];
      g_autoptr(SaFunction) fn = NULL;
      g_auto(GStrv) expected = expected_for (shape);
      GValue *args;
      guint n_args;

      g_test_message ("start shape “%s”", shape);
      for (guint i = 0; i < n; i++)
        types[i] = type_for (shape[i]);

      switch (n)
        {
        case 0:
          fn = sa_function_new_async ("shape", start_shapes[k].func, G_CALLBACK (finish_int),
                                      0, G_TYPE_INT, 0);
          break;
        case 1:
          fn = sa_function_new_async ("shape", start_shapes[k].func, G_CALLBACK (finish_int),
                                      0, G_TYPE_INT, 1, types[0]);
          break;
        case 2:
          fn = sa_function_new_async ("shape", start_shapes[k].func, G_CALLBACK (finish_int),
                                      0, G_TYPE_INT, 2, types[0], types[1]);
          break;
        case 3:
          fn = sa_function_new_async ("shape", start_shapes[k].func, G_CALLBACK (finish_int),
                                      0, G_TYPE_INT, 3, types[0], types[1], types[2]);
          break;
        case 4:
          fn = sa_function_new_async ("shape", start_shapes[k].func, G_CALLBACK (finish_int),
                                      0, G_TYPE_INT, 4, types[0], types[1], types[2], types[3]);
          break;
        default:
          g_assert_not_reached ();
        }

      args = make_args (shape, &n_args);
      check_calls (fn, args, n_args, (const char * const *) expected);
      free_args (args, n_args);
    }
}

/* Types that take libffi, and other types of the two classes. */
static void
test_start_other_types (void)
{
  g_autoptr(SaFunction) mixed = NULL;
  g_autoptr(SaFunction) classes = NULL;
  g_autoptr(GObject) object = g_object_new (G_TYPE_OBJECT, NULL);
  GValue args[4] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  const char * const mixed_seen[] = { "s:a", "i:-25", "i:4000000000", "i:-5000000000", NULL };
  const char * const classes_seen[] = { "i:1", "i:2", "s:GObject", NULL };

  mixed = sa_function_new_async ("mixed", G_CALLBACK (async_p_double_uint_int64),
                                 G_CALLBACK (finish_double), 0, G_TYPE_DOUBLE, 4,
                                 G_TYPE_STRING, G_TYPE_DOUBLE, G_TYPE_UINT, G_TYPE_INT64);
  g_value_set_string (g_value_init (&args[0], G_TYPE_STRING), "a");
  g_value_set_double (g_value_init (&args[1], G_TYPE_DOUBLE), -2.5);
  g_value_set_uint (g_value_init (&args[2], G_TYPE_UINT), 4000000000u);
  g_value_set_int64 (g_value_init (&args[3], G_TYPE_INT64), -5000000000);
  check_calls (mixed, args, 4, mixed_seen);
  for (guint i = 0; i < 4; i++)
    g_value_unset (&args[i]);

  classes = sa_function_new_async ("classes", G_CALLBACK (async_bool_enum_object),
                                   G_CALLBACK (finish_int), 0, G_TYPE_INT, 3,
                                   G_TYPE_BOOLEAN, G_TYPE_FILE_TYPE, G_TYPE_OBJECT);
  g_value_set_boolean (g_value_init (&args[0], G_TYPE_BOOLEAN), TRUE);
  g_value_set_enum (g_value_init (&args[1], G_TYPE_FILE_TYPE), G_FILE_TYPE_DIRECTORY);
  g_value_set_object (g_value_init (&args[2], G_TYPE_OBJECT), object);
  check_calls (classes, args, 3, classes_seen);
  for (guint i = 0; i < 3; i++)
    g_value_unset (&args[i]);
}

typedef struct
{
  const char *name;
  GCallback   finish;
  GType       return_type;
  char        source;  /* 0: the finish takes no source */
} FinishShape;

static const FinishShape finish_shapes[] = {
  { "void", G_CALLBACK (finish_void), G_TYPE_NONE, 0 },
  { "void (P)", G_CALLBACK (finish_void_p), G_TYPE_NONE, 'P' },
  { "void (I)", G_CALLBACK (finish_void_i), G_TYPE_NONE, 'I' },
  { "int", G_CALLBACK (finish_int), G_TYPE_INT, 0 },
  { "int (P)", G_CALLBACK (finish_int_p), G_TYPE_INT, 'P' },
  { "int (I)", G_CALLBACK (finish_int_i), G_TYPE_INT, 'I' },
  { "string", G_CALLBACK (finish_string), G_TYPE_STRING, 0 },
  { "string (P)", G_CALLBACK (finish_string_p), G_TYPE_STRING, 'P' },
  { "string (I)", G_CALLBACK (finish_string_i), G_TYPE_STRING, 'I' },
  { "double", G_CALLBACK (finish_double), G_TYPE_DOUBLE, 0 },
};

static void
test_finish_shapes (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (finish_shapes); k++)
    {
      const FinishShape *shape = &finish_shapes[k];
      char source_shape[2] = { shape->source == 'I' ? 'I' : 'P', '\0' };
      g_autoptr(SaFunction) fn = NULL;
      GPtrArray *expected = g_ptr_array_new_with_free_func (g_free);
      GValue *args;
      guint n_args;

      g_test_message ("finish shape “%s”", shape->name);
      fn = sa_function_new_async ("shape", source_shape[0] == 'I' ? G_CALLBACK (async_i) : G_CALLBACK (async_p),
                                  shape->finish,
                                  shape->source != 0 ? SA_FUNCTION_FLAGS_FINISH_TAKES_SOURCE : 0,
                                  shape->return_type, 1, type_for (source_shape[0]));

      /* The _async sees the argument, then the _finish sees it again. */
      g_ptr_array_add (expected, g_strdup (source_shape[0] == 'I' ? "i:-1" : "s:a"));
      if (shape->source != 0)
        g_ptr_array_add (expected, g_strdup (source_shape[0] == 'I' ? "i:-1" : "s:a"));
      g_ptr_array_add (expected, NULL);

      args = make_args (source_shape, &n_args);
      check_calls (fn, args, n_args, (const char * const *) expected->pdata);
      free_args (args, n_args);
      g_ptr_array_unref (expected);
    }
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  seen = g_ptr_array_new_with_free_func (g_free);

  g_test_add_func ("/pair-shapes/start/every-pointer-and-int-shape", test_start_shapes);
  g_test_add_func ("/pair-shapes/start/other-types", test_start_other_types);
  g_test_add_func ("/pair-shapes/finish/every-return-and-source-shape", test_finish_shapes);

  status = g_test_run ();
  g_ptr_array_unref (seen);

  return status;
}
