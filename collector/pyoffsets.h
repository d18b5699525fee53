/*
 * pyoffsets.h - where CPython keeps what a Python stack is made of: the
 * byte offsets of the fields hpprof reads from a Python process, for each
 * CPython version it can read (today: 3.11 on LP64 Linux).
 *
 * The values are a table (pyoffsets.c), not computed from headers at build
 * time, so hpprof builds without python3.11-dev; tests/unit/test_pyoffsets.c
 * compiles the same fields with offsetof() against the installed 3.11
 * headers (internal ones included, Py_BUILD_CORE) and fails on any
 * difference. Each field names the struct and member it stands for.
 */
#ifndef HP_PYOFFSETS_H
#define HP_PYOFFSETS_H

#include <stddef.h>
#include <stdint.h>

struct py_offsets {
	unsigned major, minor;          /* the CPython version the table is for */

	/* _PyRuntimeState (internal/pycore_runtime.h), the global _PyRuntime */
	size_t runtime_finalizing;      /* _finalizing: the finalizing thread state, 0 before
	                                 * Py_Finalize (a reader inside the target stops then) */
	size_t runtime_interp_head;     /* interpreters.head: newest PyInterpreterState */
	size_t runtime_tstate_current;  /* gilstate.tstate_current: the thread state that
	                                 * holds the GIL (atomic pointer) */

	/* PyInterpreterState = struct _is (internal/pycore_interp.h) */
	size_t interp_next;             /* next */
	size_t interp_threads_head;     /* threads.head: newest PyThreadState */

	/* PyThreadState = struct _ts (cpython/pystate.h) */
	size_t tstate_next;             /* next */
	size_t tstate_cframe;           /* cframe: the innermost evaluation loop's _PyCFrame */
	size_t tstate_native_id;        /* native_thread_id: the kernel tid */
	size_t tstate_size;             /* bytes read in one go: through native_thread_id */

	/* _PyCFrame (cpython/pystate.h), a local of _PyEval_EvalFrameDefault */
	size_t cframe_current_frame;    /* current_frame: innermost _PyInterpreterFrame */
	size_t cframe_previous;         /* previous: the caller loop's _PyCFrame */

	/* _PyInterpreterFrame (internal/pycore_frame.h) */
	size_t frame_code;              /* f_code: PyCodeObject * */
	size_t frame_previous;          /* previous: the calling frame */
	size_t frame_prev_instr;        /* prev_instr: _Py_CODEUNIT *, last code unit started */
	size_t frame_is_entry;          /* is_entry: bool, first frame of a loop activation */
	size_t frame_owner;             /* owner: char, thread / generator / frame object */
	size_t frame_size;              /* bytes read in one go: through owner */

	/* PyCodeObject (cpython/code.h, _PyCode_DEF) */
	size_t code_firstlineno;        /* co_firstlineno: int */
	size_t code_filename;           /* co_filename: str */
	size_t code_name;               /* co_name: str */
	size_t code_qualname;           /* co_qualname: str */
	size_t code_linetable;          /* co_linetable: bytes, the location table */
	size_t code_adaptive;           /* co_code_adaptive: the code units start here */
	size_t code_size;               /* bytes read in one go: the header up to the code */

	/* PyObject (object.h) */
	size_t object_type;             /* ob_type */

	/* PyBytesObject (cpython/bytesobject.h) */
	size_t bytes_size;              /* ob_base.ob_size */
	size_t bytes_data;              /* ob_sval */

	/* PyASCIIObject / PyCompactUnicodeObject (cpython/unicodeobject.h) */
	size_t str_length;              /* length: code points */
	size_t str_state;               /* state: the bit fields below, one unsigned int */
	size_t str_ascii_data;          /* sizeof(PyASCIIObject): compact ASCII data */
	size_t str_compact_data;        /* sizeof(PyCompactUnicodeObject): other compact data */
	unsigned str_kind_shift;        /* state.kind: bits 2..4 (1, 2 or 4 bytes per char) */
	unsigned str_compact_bit;       /* state.compact: bit 5 */
	unsigned str_ascii_bit;         /* state.ascii: bit 6 */
};

/* The table for major.minor, or NULL when hpprof cannot read that version. */
const struct py_offsets *pyoffsets_for(unsigned major, unsigned minor);

/* The versions with a table, as text for messages ("3.11"). */
const char *pyoffsets_supported(void);

#endif
