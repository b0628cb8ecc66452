/* _smartasync.c: the Python override's smart call of a Function, in C
 *
 * In plain code (no running asyncio loop, a sync GLib context) the smart
 * call is sa_function_call_syncv () with the arguments as GValues. Through
 * PyGObject that costs a GValue array marshalled element by element from
 * its typelib description, and the Python steps that decide the path;
 * here the same decision and the same call take a few C function calls.
 * Anything this file does not handle itself (keyword arguments other than
 * cancellable, values other than int, str, float and bool, boxed results,
 * any other caller than plain code) goes to the override's Python
 * implementation, which stays the reference: the two give the same
 * values and the same errors.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <pygobject.h>

#include <smartasync-glib.h>

/* The arguments that fit on the stack; a longer call takes the Python
 * path. */
#define FAST_MAX_ARGS 16

/* Set once by bind_call (): the override's Python implementation of
 * __call__, asyncio's running-loop lookup and the instance attribute that
 * marks a function with PyGObject-style results. */
static PyObject *python_call;
static PyObject *running_loop;
static PyObject *face_key;
static PyObject *cancellable_key;
static GType pyobject_type;
static PyMethodDef call_def;

/* g_value_unset () without the type system's lookups for the values this
 * file makes, and results of GLib's scalar types, which own nothing. */
static void
clear_value (GValue *value)
{
  GType type = G_VALUE_TYPE (value);

  if ((type >= G_TYPE_CHAR && type <= G_TYPE_DOUBLE) || type == G_TYPE_POINTER)
    memset (value, 0, sizeof (GValue));
  else if (type != G_TYPE_INVALID)
    g_value_unset (value);
}

static PyObject *
call_python (PyObject         *self,
             PyObject *const  *args,
             Py_ssize_t        nargs,
             PyObject         *kwnames)
{
  PyObject *stack[FAST_MAX_ARGS + 4];
  Py_ssize_t n_kw = kwnames != NULL ? PyTuple_GET_SIZE (kwnames) : 0;
  Py_ssize_t i;

  if (nargs + n_kw > FAST_MAX_ARGS + 3)
    {
      /* Rare: build the bound call the slow way. */
      PyObject *bound = PyMethod_New (python_call, self);
      PyObject *result;

      if (bound == NULL)
        return NULL;
      result = PyObject_Vectorcall (bound, args, nargs, kwnames);
      Py_DECREF (bound);
      return result;
    }

  stack[0] = self;
  for (i = 0; i < nargs + n_kw; i++)
    stack[i + 1] = args[i];
  return PyObject_Vectorcall (python_call, stack, nargs + 1, kwnames);
}

/* A GValue of exactly the Python value's type, as PyGObject makes for a
 * GValue array element: FALSE for any other value, with no exception
 * set. */
static gboolean
value_for (PyObject *arg,
           GValue   *value)
{
  if (PyLong_CheckExact (arg))
    {
      int overflow;
      long number = PyLong_AsLongAndOverflow (arg, &overflow);

      if (overflow != 0 || number < G_MININT32 || number > G_MAXINT32)
        return FALSE;
      g_value_init (value, G_TYPE_INT);
      g_value_set_int (value, (int) number);
      return TRUE;
    }
  if (PyUnicode_CheckExact (arg))
    {
      const char *text = PyUnicode_AsUTF8 (arg);

      if (text == NULL)
        {
          PyErr_Clear ();
          return FALSE;
        }
      g_value_init (value, G_TYPE_STRING);
      g_value_set_string (value, text);
      return TRUE;
    }
  if (PyFloat_CheckExact (arg))
    {
      g_value_init (value, G_TYPE_DOUBLE);
      g_value_set_double (value, PyFloat_AS_DOUBLE (arg));
      return TRUE;
    }
  if (PyBool_Check (arg))
    {
      g_value_init (value, G_TYPE_BOOLEAN);
      g_value_set_boolean (value, arg == Py_True);
      return TRUE;
    }
  return FALSE;
}

/* Whether this call is the plain-code smart call this file makes: no
 * asyncio loop running in this thread, and the function's mode and the
 * thread's GLib context say sync. */
static int
is_plain_code (SaFunction *function)
{
  PyObject *loop = PyObject_CallNoArgs (running_loop);
  SaMode mode;

  if (loop == NULL)
    return -1;
  Py_DECREF (loop);
  if (loop != Py_None)
    return 0;
  mode = sa_function_get_mode (function);
  return mode == SA_MODE_SYNC || (mode == SA_MODE_AUTO && !sa_context_is_async ());
}

/* Whether the result can be handed to Python as PyGObject hands a
 * returned GValue: boxed results need the override's own care (their
 * wrappers would point into the unset GValue), and so do results of a
 * function with a PyGObject-style face. */
static int
has_plain_result (PyObject   *self,
                  SaFunction *function)
{
  PyObject *inst_dict = ((PyGObject *) self)->inst_dict;

  if (G_TYPE_FUNDAMENTAL (sa_function_get_return_type (function)) == G_TYPE_BOXED)
    return 0;
  if (inst_dict != NULL)
    {
      int has_face = PyDict_Contains (inst_dict, face_key);

      return has_face < 0 ? -1 : !has_face;
    }
  return 1;
}

static PyObject *
smart_call (PyObject         *self,
            PyObject *const  *args,
            Py_ssize_t        nargs,
            PyObject         *kwnames)
{
  GValue values[FAST_MAX_ARGS];
  GValue result = G_VALUE_INIT;
  GCancellable *cancellable = NULL;
  GError *error = NULL;
  SaFunction *function;
  const GType *param_types;
  guint n_params;
  PyObject *returned;
  Py_ssize_t i;
  gboolean ok;
  int check;

  function = (SaFunction *) pygobject_get (self);
  if (function == NULL || !SA_IS_FUNCTION (function) || nargs > FAST_MAX_ARGS)
    return call_python (self, args, nargs, kwnames);

  if (kwnames != NULL)
    {
      PyObject *given;

      if (PyTuple_GET_SIZE (kwnames) != 1 ||
          PyUnicode_Compare (PyTuple_GET_ITEM (kwnames, 0), cancellable_key) != 0)
        return call_python (self, args, nargs, kwnames);
      given = args[nargs];
      if (given != Py_None)
        {
          if (!PyObject_TypeCheck (given, &PyGObject_Type) ||
              !G_IS_CANCELLABLE (pygobject_get (given)))
            return call_python (self, args, nargs, kwnames);
          cancellable = G_CANCELLABLE (pygobject_get (given));
        }
    }

  check = is_plain_code (function);
  if (check < 0)
    return NULL;
  if (check == 0)
    return call_python (self, args, nargs, kwnames);
  check = has_plain_result (self, function);
  if (check < 0)
    return NULL;
  if (check == 0)
    return call_python (self, args, nargs, kwnames);

  /* An argument of a PyObject parameter is the Python object itself,
   * whatever its type: the override builds that one. */
  param_types = sa_function_get_param_types (function, &n_params);
  if ((guint) nargs > n_params)
    return call_python (self, args, nargs, kwnames);
  for (i = 0; i < nargs; i++)
    {
      memset (&values[i], 0, sizeof (GValue));
      if (param_types[i] == pyobject_type || !value_for (args[i], &values[i]))
        {
          while (i-- > 0)
            clear_value (&values[i]);
          return call_python (self, args, nargs, kwnames);
        }
    }

  /* The function may block, or call back into Python from this thread or
   * another: PyGObject releases the GIL for every C call, and so do we.
   * The caller's references to self and to the cancellable's wrapper
   * keep both objects alive meanwhile. */
  Py_BEGIN_ALLOW_THREADS
  ok = sa_function_call_syncv (function, values, (guint) nargs, &result,
                               cancellable, &error);
  Py_END_ALLOW_THREADS

  for (i = 0; i < nargs; i++)
    clear_value (&values[i]);

  if (!ok)
    {
      clear_value (&result);
      pyg_error_check (&error);
      return NULL;
    }
  returned = pyg_value_as_pyobject (&result, FALSE);
  clear_value (&result);
  return returned;
}

/* bind_call (cls, python_call, running_loop, face_key) -> descriptor
 *
 * A method descriptor of cls for the smart call, falling back to
 * python_call (cls's Python implementation). */
static PyObject *
bind_call (PyObject  *module,
           PyObject  *args)
{
  PyObject *cls;
  PyObject *python;
  PyObject *loop;
  PyObject *face;
  PyObject *doc;

  if (!PyArg_ParseTuple (args, "O!OOU:bind_call", &PyType_Type, &cls,
                         &python, &loop, &face))
    return NULL;
  if (!PyType_IsSubtype ((PyTypeObject *) cls, &PyGObject_Type))
    {
      PyErr_SetString (PyExc_TypeError, "bind_call: not a GObject class");
      return NULL;
    }
  /* The Python implementation's signature and docstring, for help () and
   * inspect.signature (); kept for the life of the process, as the
   * descriptor is. Binding again (importlib.reload () of the override)
   * replaces the Python side. */
  if (call_def.ml_doc == NULL)
    {
      doc = PyObject_GetAttrString (python, "__doc__");
      if (doc == NULL)
        return NULL;
      call_def.ml_doc = g_strconcat ("__call__($self, /, *args, cancellable=None, "
                                     "callback=None, user_data=())\n--\n\n",
                                     PyUnicode_Check (doc) ? PyUnicode_AsUTF8 (doc) : "",
                                     NULL);
      Py_DECREF (doc);
      if (PyErr_Occurred ())
        return NULL;
    }

  Py_XSETREF (python_call, Py_NewRef (python));
  Py_XSETREF (running_loop, Py_NewRef (loop));
  Py_XSETREF (face_key, Py_NewRef (face));
  call_def.ml_name = "__call__";
  call_def.ml_meth = (PyCFunction) (void (*) (void)) smart_call;
  call_def.ml_flags = METH_FASTCALL | METH_KEYWORDS;
  return PyDescr_NewMethod ((PyTypeObject *) cls, &call_def);
}

static PyMethodDef module_methods[] = {
  { "bind_call", bind_call, METH_VARARGS,
    "bind_call(cls, python_call, running_loop, face_key): the smart call "
    "of cls in C for plain code, python_call for the rest." },
  { NULL, NULL, 0, NULL },
};

static struct PyModuleDef module_def = {
  PyModuleDef_HEAD_INIT,
  .m_name = "_smartasync",
  .m_doc = "The SmartAsync override's plain-code smart call, in C.",
  .m_size = -1,
  .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__smartasync (void);

PyMODINIT_FUNC
PyInit__smartasync (void)
{
  if (pygobject_init (-1, -1, -1) == NULL)
    return NULL;
  /* PyGObject's GType for a Python object, GObject.TYPE_PYOBJECT. */
  pyobject_type = g_type_from_name ("PyObject");
  cancellable_key = PyUnicode_InternFromString ("cancellable");
  if (cancellable_key == NULL)
    return NULL;
  return PyModule_Create (&module_def);
}
