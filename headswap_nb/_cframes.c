/* One pass over a list of API record dicts, writing typed column buffers.
 *
 * The optional compiled half of headswap_nb.frames (see _frames_native.py, its only caller).
 * The pure-Python path makes a dozen C-level passes (map, itemgetter) over each block of
 * records, builds lists of values, then converts each list; every one of those steps touches
 * the scattered value objects again. Here every record is visited once and every wanted
 * value is written straight into flat buffers (int64, float64, UTF-8 text with int64
 * offsets, and a null byte per row) that numpy and Arrow wrap without copying.
 *
 * It is strict on purpose: it accepts only the plain shapes for which a strict reading and
 * the tolerant reading of headswap_nb._coerce agree (an exact int within int64, an exact
 * float or int for a float, an exact str that UTF-8 can hold, an exact list or dict, and
 * None or a missing key for null). On anything else it returns None and the caller takes
 * the careful pure-Python path. NaN and infinities are stored as they are; the caller masks
 * them, as the careful path does. tests/test_frames_native.py holds the two paths to the
 * same frames.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum kind { KIND_INT = 0, KIND_FLOAT = 1, KIND_STR = 2, KIND_LIST = 3, KIND_DICT = 4 };
enum found { FOUND, MISSING, UNUSUAL, FAILED };

typedef struct {
    PyObject *path;   /* tuple of str keys (a borrowed reference into the spec) */
    int kind;
    PyObject *values; /* bytearray: n int64 / float64 values, or n + 1 int64 text offsets */
    PyObject *nulls;  /* bytearray: n bytes, 1 where the value is null */
    PyObject *text;   /* KIND_STR: bytearray, the UTF-8 bytes of all values back to back */
    Py_ssize_t text_len; /* bytes of `text` in use; the rest is room to grow into */
} column;

static void
free_columns(column *columns, Py_ssize_t count)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_XDECREF(columns[i].values);
        Py_XDECREF(columns[i].nulls);
        Py_XDECREF(columns[i].text);
    }
    PyMem_Free(columns);
}

/* The values met on the way down the previous column's path, kept for the next column: the
 * paths are sorted so that neighbours share their prefix ("analysis_result", then its
 * "video_info"), and each dict is searched once a record instead of once a column. A strong
 * reference is held to each, because a key's __eq__ may run Python code that changes the
 * record, and releasing one may run a __del__ that changes the records list: fill() checks
 * the list again after every release. */
typedef struct {
    PyObject **held;  /* held[d]: the value after following d keys; held[0] is the record */
    Py_ssize_t known; /* held[0 .. known - 1] are set */
    Py_ssize_t cut;   /* 1-based: following key number `cut` gave None or nothing; 0: none */
} walk;

/* Keep only held[0 .. keep - 1], the values after following the first keep - 1 keys. */
static void
walk_back(walk *w, Py_ssize_t keep)
{
    while (w->known > keep) {
        w->known--;
        Py_CLEAR(w->held[w->known]);
    }
    if (w->cut >= keep) { /* the missing key is not among those kept */
        w->cut = 0;
    }
}

/* Follow `path`, reusing the first `shared` steps of the previous path. On FOUND the value
 * is w->held[len(path)] (borrowed from the walk). */
static enum found
lookup(walk *w, PyObject *path, Py_ssize_t shared, PyObject **out)
{
    walk_back(w, shared + 1);
    if (w->cut) {
        return MISSING;
    }
    Py_ssize_t length = PyTuple_GET_SIZE(path);
    while (w->known <= length) {
        PyObject *current = w->held[w->known - 1];
        if (!PyDict_CheckExact(current)) {
            return UNUSUAL;
        }
        PyObject *next = PyDict_GetItemWithError(current, PyTuple_GET_ITEM(path, w->known - 1));
        if (next == NULL || next == Py_None) {
            if (PyErr_Occurred()) {
                return FAILED;
            }
            w->cut = w->known;
            return MISSING;
        }
        Py_INCREF(next);
        w->held[w->known++] = next;
    }
    *out = w->held[length];
    return FOUND;
}

static int
append_text(column *col, const char *bytes, Py_ssize_t size)
{
    Py_ssize_t room = PyByteArray_GET_SIZE(col->text);
    if (col->text_len + size > room) {
        /* Doubling: bytearray's own growth (1/8 at a time) copies megabytes dozens of times. */
        Py_ssize_t grown = room > PY_SSIZE_T_MAX / 2 ? PY_SSIZE_T_MAX : room * 2;
        if (grown < col->text_len + size) {
            grown = col->text_len + size;
        }
        if (PyByteArray_Resize(col->text, grown < 4096 ? 4096 : grown) < 0) {
            return -1;
        }
    }
    memcpy(PyByteArray_AS_STRING(col->text) + col->text_len, bytes, (size_t)size);
    col->text_len += size;
    return 0;
}

/* Write one found value into row `row`: FOUND when stored, UNUSUAL when the value is not of
 * a plain shape for this kind, FAILED with an exception set. */
static enum found
store(column *col, Py_ssize_t row, PyObject *value)
{
    char *values = PyByteArray_AS_STRING(col->values);
    switch (col->kind) {
    case KIND_INT: {
        if (!PyLong_CheckExact(value)) { /* a bool too: it is a subclass of int */
            return UNUSUAL;
        }
        int overflow = 0;
        long long number = PyLong_AsLongLongAndOverflow(value, &overflow);
        if (overflow) {
            return UNUSUAL;
        }
        if (number == -1 && PyErr_Occurred()) {
            return FAILED;
        }
        ((int64_t *)values)[row] = (int64_t)number;
        return FOUND;
    }
    case KIND_FLOAT: {
        double number;
        if (PyFloat_CheckExact(value)) {
            number = PyFloat_AS_DOUBLE(value);
        } else if (PyLong_CheckExact(value)) {
            number = PyLong_AsDouble(value);
            if (number == -1.0 && PyErr_Occurred()) {
                if (!PyErr_ExceptionMatches(PyExc_OverflowError)) {
                    return FAILED;
                }
                PyErr_Clear();
                return UNUSUAL; /* beyond float range: the tolerant reading makes it null */
            }
        } else {
            return UNUSUAL;
        }
        ((double *)values)[row] = number;
        return FOUND;
    }
    case KIND_STR: {
        if (!PyUnicode_CheckExact(value) || PyUnicode_READY(value) < 0) {
            return PyErr_Occurred() ? FAILED : UNUSUAL;
        }
        if (PyUnicode_IS_ASCII(value)) { /* the usual case: the bytes are already UTF-8 */
            if (append_text(col, PyUnicode_DATA(value), PyUnicode_GET_LENGTH(value)) < 0) {
                return FAILED;
            }
        } else {
            /* Not PyUnicode_AsUTF8AndSize: that would leave a UTF-8 copy inside the caller's
             * string for as long as it lives. */
            PyObject *encoded = PyUnicode_AsUTF8String(value);
            if (encoded == NULL) { /* a lone surrogate: the careful path replaces it */
                if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
                    return FAILED;
                }
                PyErr_Clear();
                return UNUSUAL;
            }
            int failed = append_text(col, PyBytes_AS_STRING(encoded), PyBytes_GET_SIZE(encoded));
            Py_DECREF(encoded);
            if (failed) {
                return FAILED;
            }
        }
        ((int64_t *)values)[row + 1] = (int64_t)col->text_len;
        return FOUND;
    }
    case KIND_LIST:
        if (!PyList_CheckExact(value)) {
            return UNUSUAL;
        }
        ((int64_t *)values)[row] = (int64_t)PyList_GET_SIZE(value);
        return FOUND;
    case KIND_DICT:
        if (!PyDict_CheckExact(value)) {
            return UNUSUAL;
        }
        ((int64_t *)values)[row] = (int64_t)PyDict_GET_SIZE(value);
        return FOUND;
    }
    return UNUSUAL;
}

/* Parse the spec into columns with zeroed buffers; NULL with an exception set on a bad spec. */
static column *
new_columns(PyObject *spec, Py_ssize_t rows)
{
    Py_ssize_t count = PyTuple_GET_SIZE(spec);
    column *columns = PyMem_Calloc((size_t)(count ? count : 1), sizeof(column));
    if (columns == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *entry = PyTuple_GET_ITEM(spec, i);
        PyObject *path;
        int kind;
        if (!PyTuple_Check(entry) || !PyArg_ParseTuple(entry, "O!i", &PyTuple_Type, &path, &kind)) {
            PyErr_SetString(PyExc_TypeError, "spec entries are (path tuple, kind int)");
            goto error;
        }
        if (kind < KIND_INT || kind > KIND_DICT || PyTuple_GET_SIZE(path) == 0) {
            PyErr_SetString(PyExc_ValueError, "a spec entry needs a known kind and a non-empty path");
            goto error;
        }
        for (Py_ssize_t depth = 0; depth < PyTuple_GET_SIZE(path); depth++) {
            if (!PyUnicode_CheckExact(PyTuple_GET_ITEM(path, depth))) {
                PyErr_SetString(PyExc_TypeError, "path keys must be str");
                goto error;
            }
        }
        columns[i].path = path;
        columns[i].kind = kind;
        Py_ssize_t slots = kind == KIND_STR ? rows + 1 : rows;
        columns[i].values = PyByteArray_FromStringAndSize(NULL, slots * 8);
        columns[i].nulls = PyByteArray_FromStringAndSize(NULL, rows);
        if (kind == KIND_STR) {
            columns[i].text = PyByteArray_FromStringAndSize(NULL, 0);
        }
        if (columns[i].values == NULL || columns[i].nulls == NULL
            || (kind == KIND_STR && columns[i].text == NULL)) {
            goto error;
        }
        memset(PyByteArray_AS_STRING(columns[i].values), 0, (size_t)(slots * 8));
        memset(PyByteArray_AS_STRING(columns[i].nulls), 0, (size_t)rows);
    }
    return columns;
error:
    free_columns(columns, count);
    return NULL;
}

/* How many leading keys each path shares with the one before it. */
static Py_ssize_t *
shared_prefixes(column *columns, Py_ssize_t count, Py_ssize_t *deepest)
{
    Py_ssize_t *shared = PyMem_Calloc((size_t)(count ? count : 1), sizeof(Py_ssize_t));
    if (shared == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    *deepest = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *path = columns[i].path;
        Py_ssize_t length = PyTuple_GET_SIZE(path);
        *deepest = length > *deepest ? length : *deepest;
        if (i == 0) {
            continue;
        }
        PyObject *before = columns[i - 1].path;
        Py_ssize_t common = 0;
        while (common < length && common < PyTuple_GET_SIZE(before)
               && PyUnicode_Compare(PyTuple_GET_ITEM(path, common),
                                    PyTuple_GET_ITEM(before, common)) == 0) {
            common++;
        }
        shared[i] = common;
    }
    return shared;
}

/* Fill every column for every record: FOUND when all were plain, else UNUSUAL or FAILED. */
static enum found
fill(PyObject *records, Py_ssize_t rows, column *columns, Py_ssize_t count)
{
    Py_ssize_t deepest;
    Py_ssize_t *shared = shared_prefixes(columns, count, &deepest);
    if (shared == NULL) {
        return FAILED;
    }
    walk w = {PyMem_Calloc((size_t)(deepest + 1), sizeof(PyObject *)), 0, 0};
    enum found found = w.held == NULL ? FAILED : FOUND;
    if (w.held == NULL) {
        PyErr_NoMemory();
    }
    for (Py_ssize_t row = 0; row < rows && found == FOUND; row++) {
        walk_back(&w, 0); /* may free the previous record, and run its __del__: then check */
        if (PyList_GET_SIZE(records) != rows) {
            PyErr_SetString(PyExc_RuntimeError, "the records list changed while being read");
            found = FAILED;
            break;
        }
        w.held[0] = PyList_GET_ITEM(records, row);
        Py_INCREF(w.held[0]);
        w.known = 1;
        for (Py_ssize_t i = 0; i < count && found == FOUND; i++) {
            column *col = &columns[i];
            PyObject *value = NULL;
            found = lookup(&w, col->path, shared[i], &value);
            if (found == FOUND) {
                found = store(col, row, value);
            } else if (found == MISSING) {
                PyByteArray_AS_STRING(col->nulls)[row] = 1;
                if (col->kind == KIND_STR) { /* a null row adds no text */
                    int64_t *offsets = (int64_t *)PyByteArray_AS_STRING(col->values);
                    offsets[row + 1] = offsets[row];
                }
                found = FOUND;
            }
        }
    }
    if (w.held != NULL) {
        walk_back(&w, 0);
        PyMem_Free(w.held);
    }
    if (found == FOUND && PyList_GET_SIZE(records) != rows) { /* grown during the last row */
        PyErr_SetString(PyExc_RuntimeError, "the records list changed while being read");
        found = FAILED;
    }
    PyMem_Free(shared);
    return found;
}

static PyObject *
results(column *columns, Py_ssize_t count)
{
    PyObject *out = PyTuple_New(count);
    if (out == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        column *col = &columns[i];
        PyObject *text = col->kind == KIND_STR ? col->text : Py_None;
        if (col->kind == KIND_STR && PyByteArray_Resize(text, col->text_len) < 0) { /* trim */
            Py_DECREF(out);
            return NULL;
        }
        PyObject *item = PyTuple_Pack(3, col->values, col->nulls, text);
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyTuple_SET_ITEM(out, i, item);
    }
    return out;
}

static PyObject *
columns_of(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *records, *spec;
    if (!PyArg_ParseTuple(args, "OO!:columns", &records, &PyTuple_Type, &spec)) {
        return NULL;
    }
    if (!PyList_CheckExact(records)) {
        Py_RETURN_NONE;
    }
    Py_ssize_t rows = PyList_GET_SIZE(records);
    Py_ssize_t count = PyTuple_GET_SIZE(spec);
    if (rows > PY_SSIZE_T_MAX / 16) {
        return PyErr_NoMemory();
    }
    column *columns = new_columns(spec, rows);
    if (columns == NULL) {
        return NULL;
    }
    Py_INCREF(records);
    enum found found = fill(records, rows, columns, count);
    Py_DECREF(records);
    PyObject *out = NULL;
    if (found == FOUND) {
        out = results(columns, count);
    } else if (found == UNUSUAL) {
        out = Py_None;
        Py_INCREF(out);
    }
    free_columns(columns, count);
    return out;
}

static PyMethodDef methods[] = {
    {"columns", columns_of, METH_VARARGS,
     "columns(records, spec) -> tuple of (values, nulls, text) per spec entry, or None.\n\n"
     "spec: a tuple of (path, kind); path a tuple of str keys, kind 0 int, 1 float, 2 str,\n"
     "3 list length, 4 dict size. None when a record or value is not of a plain shape."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cframes",
    "Typed column buffers from API record dicts in one pass (optional; see frames).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__cframes(void)
{
    return PyModule_Create(&module);
}
