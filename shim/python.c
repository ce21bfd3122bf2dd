/* CPython's threads: every call and return of a Python function is a decision point.
 *
 * CPython switches threads only where the thread holding the GIL checks for a request to drop it
 * (a function's entry, a loop's back edge). A waiter's GIL timeout (a decision, sync.c) sets that
 * request, but a thread running pure Python makes no controlled call, so the timeout could only be
 * chosen at the holder's last library call, and every switch would land at the first check after
 * it. With a decision at each call and return, a timeout can be chosen anywhere between two calls
 * of the holder, which then drops the GIL at its next check: between a handler's read(k) and its
 * write(k, v), for instance.
 *
 * The decisions come from a C profile callback (PyEval_SetProfile) on every thread of the
 * interpreter, installed when the first thread is created by a thread that holds the GIL (what
 * threading's start does): the creating thread gets it at once, and the threads that threading
 * starts get it through threading.setprofile, whose hook is a builtin that installs the callback in
 * its thread at its first event. Everything is found with dlsym: a program that is no CPython
 * never sees any of it. INTERLEAVE_PYTHON_CALLS=0 turns it off. */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim/shim.h"

/* The parts of CPython's stable C API used here, by their documented signatures. */
typedef struct _object PyObject;
typedef PyObject* (*py_function)(PyObject*, PyObject*);
struct py_method_def {
  const char* name;
  py_function method;
  int flags;
  const char* doc;
};
enum { PY_METH_VARARGS = 1, PY_TRACE_CALL = 0, PY_TRACE_RETURN = 3 };
typedef int (*py_tracefunc)(PyObject*, PyObject*, int, PyObject*);

static struct {
  int (*is_initialized)(void);
  PyObject* (*running_state)(void);
  PyObject* (*this_thread_state)(void);
  void (*set_profile)(py_tracefunc, PyObject*);
  PyObject* (*new_function)(struct py_method_def*, PyObject*, PyObject*);
  PyObject* (*import)(const char*);
  PyObject* (*call_method)(PyObject*, const char*, const char*, ...);
  PyObject* (*frame_code)(PyObject*);
  PyObject* (*get_attr)(PyObject*, const char*);
  const char* (*utf8)(PyObject*);
  void (*inc_ref)(PyObject*);
  void (*dec_ref)(PyObject*);
  void (*clear_error)(void);
  PyObject* none;
} py;

static int installed; /* 1: installed, -1: not CPython, or turned off */
/* The standard library's folder (threading's, with its slash): its calls are no decisions. */
static char library[PATH_MAX];
static size_t library_len;

/* Whether `code` is the program's own (not the standard library's, nor frozen). */
static int own_code(PyObject* code) {
  PyObject* file = py.get_attr(code, "co_filename");
  const char* path = file != NULL ? py.utf8(file) : NULL;
  /* "<frozen ...>" is the interpreter's own; "<string>" and "<stdin>" (python -c, exec) are the
   * program's. */
  const int own = path != NULL && strncmp(path, "<frozen", 7) != 0 &&
                  (library_len == 0 || strncmp(path, library, library_len) != 0);
  if (file != NULL) py.dec_ref(file);
  return own;
}

/* The decision at a call or return of the program's own code: labelled "py call NAME" or
 * "py return NAME", touching nothing (two threads' calls commute; what they share is in the GIL's
 * and the program's other steps). The standard library's calls (threading's, the thread pool's)
 * are none: their races are not the program's, and they would make every schedule far longer. */
static int on_event(PyObject* unused, PyObject* frame, int what, PyObject* arg) {
  char label[IL_LABEL_CAPACITY];
  const char* name = "?";
  PyObject* code;
  PyObject* qualname = NULL;
  (void)unused;
  (void)arg;
  if ((what != PY_TRACE_CALL && what != PY_TRACE_RETURN) || live_threads < 2) return 0;
  if (!controlled_call("python", NULL)) return 0;
  code = py.frame_code(frame);
  if (code == NULL || !own_code(code)) {
    if (code != NULL) py.dec_ref(code);
    py.clear_error();
    return 0;
  }
  qualname = py.get_attr(code, "co_qualname");
  if (qualname == NULL) { /* before 3.11 */
    py.clear_error();
    qualname = py.get_attr(code, "co_name");
  }
  if (qualname != NULL && (name = py.utf8(qualname)) == NULL) name = "?";
  snprintf(label, sizeof label, "py %s %s", what == PY_TRACE_CALL ? "call" : "return", name);
  if (qualname != NULL) py.dec_ref(qualname);
  py.dec_ref(code);
  py.clear_error();
  post_step(label, IL_KIND_NONE, "", IL_READ);
  return 0;
}

/* threading's profile hook: installs the C callback in place of itself, in its thread. */
static PyObject* install_in_thread(PyObject* self, PyObject* args) {
  (void)self;
  (void)args;
  py.set_profile(on_event, NULL);
  py.inc_ref(py.none);
  return py.none;
}

static struct py_method_def hook_def = {"interleave_profile", install_in_thread, PY_METH_VARARGS,
                                        NULL};

static int find_api(void) {
#define FIND(field, symbol) \
  if ((*(void**)& py.field = dlsym(RTLD_DEFAULT, symbol)) == NULL) return 0
  FIND(is_initialized, "Py_IsInitialized");
  FIND(this_thread_state, "PyGILState_GetThisThreadState");
  /* The thread state running now, NULL when none (3.13's public name, then the older one). */
  if ((*(void**)& py.running_state = dlsym(RTLD_DEFAULT, "PyThreadState_GetUnchecked")) == NULL) {
    FIND(running_state, "_PyThreadState_UncheckedGet");
  }
  FIND(set_profile, "PyEval_SetProfile");
  FIND(new_function, "PyCFunction_NewEx");
  FIND(import, "PyImport_ImportModule");
  FIND(call_method, "PyObject_CallMethod");
  FIND(frame_code, "PyFrame_GetCode");
  FIND(get_attr, "PyObject_GetAttrString");
  FIND(utf8, "PyUnicode_AsUTF8");
  FIND(inc_ref, "Py_IncRef");
  FIND(dec_ref, "Py_DecRef");
  FIND(clear_error, "PyErr_Clear");
  FIND(none, "_Py_NoneStruct");
#undef FIND
  return 1;
}

/* The folder of threading's file, the standard library's. */
static void find_library(PyObject* threading) {
  PyObject* file = py.get_attr(threading, "__file__");
  const char* path = file != NULL ? py.utf8(file) : NULL;
  const char* slash = path != NULL ? strrchr(path, '/') : NULL;
  if (slash != NULL && (size_t)(slash - path + 1) < sizeof library) {
    library_len = (size_t)(slash - path + 1);
    memcpy(library, path, library_len);
    library[library_len] = '\0';
  }
  if (file != NULL) py.dec_ref(file);
  py.clear_error();
}

/* Whether the calling thread holds the GIL of an initialized interpreter: its own thread state is
 * the one running. (PyGILState_Check alone says yes before Py_Initialize, and always once a
 * sub-interpreter exists.) */
static int holds_gil(void) {
  PyObject* running;
  if (!py.is_initialized()) return 0;
  running = py.running_state();
  return running != NULL && running == py.this_thread_state();
}

/* Whether `module`.getprofile() names a profile function (the program's, or a profiler's). */
static int has_profile(const char* module) {
  PyObject* m = py.import(module);
  PyObject* current = m != NULL ? py.call_method(m, "getprofile", NULL) : NULL;
  const int set = current != NULL && current != py.none;
  if (current != NULL) py.dec_ref(current);
  if (m != NULL) py.dec_ref(m);
  py.clear_error();
  return set;
}

void python_calls_before_thread(void) {
  const char* setting;
  PyObject* threading;
  PyObject* hook;
  PyObject* result;
  if (installed != 0) return;
  setting = getenv("INTERLEAVE_PYTHON_CALLS");
  if ((setting != NULL && strcmp(setting, "0") == 0) || !find_api()) {
    installed = -1;
    return;
  }
  if (!holds_gil()) return; /* a thread of an extension's, or no interpreter: wait for threading */
  installed = -1;
  if (has_profile("sys") || has_profile("threading")) {
    note(1u << 9,
         "a profile function of the program's own (sys.setprofile, threading.setprofile, a "
         "profiler): Python calls are no decisions, so races in pure Python code go unexplored",
         NULL);
    return;
  }
  hook = py.new_function(&hook_def, NULL, NULL);
  threading = py.import("threading");
  result = hook != NULL && threading != NULL ? py.call_method(threading, "setprofile", "(O)", hook)
                                             : NULL;
  if (result != NULL) py.dec_ref(result);
  if (threading != NULL) {
    find_library(threading);
    py.dec_ref(threading);
  }
  if (hook != NULL) py.dec_ref(hook);
  py.clear_error();
  if (result == NULL) {
    note(1u << 8, "threading.setprofile failed: Python calls are no decisions", NULL);
    return;
  }
  py.set_profile(on_event, NULL); /* the creating thread */
  installed = 1;
}
