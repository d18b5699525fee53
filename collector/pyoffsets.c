/*
 * pyoffsets.c - the field offsets of CPython's runtime structures, per
 * version (see pyoffsets.h).
 *
 * 3.11: read from the headers python3.11-dev installs in
 * /usr/include/python3.11 (Debian 12, 3.11.2), the internal ones included,
 * on x86-64; the same values hold for the pyenv 3.11.7 build here (its
 * headers give identical offsetof() results). Which header each value
 * comes from is in pyoffsets.h; tests/unit/test_pyoffsets.c checks every
 * value against offsetof() on the installed headers.
 *
 * 3.12 moved the frame chain (no more _PyCFrame.current_frame in the same
 * place, shim frames owned by the C stack) and 3.10 and older have no
 * _PyInterpreterFrame at all: they get no table, so hpprof reports them as
 * unsupported instead of reading wrong frames.
 */
#include "collector/pyoffsets.h"

static const struct py_offsets py311 = {
	.major = 3, .minor = 11,

	.runtime_finalizing = 24,       /* _PyRuntimeState._finalizing */
	.runtime_interp_head = 40,      /* _PyRuntimeState.interpreters.head */
	.runtime_tstate_current = 576,  /* _PyRuntimeState.gilstate.tstate_current */

	.interp_next = 0,               /* struct _is.next */
	.interp_threads_head = 16,      /* struct _is.threads.head */

	.tstate_next = 8,               /* struct _ts.next */
	.tstate_cframe = 56,            /* struct _ts.cframe */
	.tstate_native_id = 160,        /* struct _ts.native_thread_id */
	.tstate_size = 168,

	.cframe_current_frame = 8,      /* _PyCFrame.current_frame */
	.cframe_previous = 16,          /* _PyCFrame.previous */

	.frame_code = 32,               /* _PyInterpreterFrame.f_code */
	.frame_previous = 48,           /* _PyInterpreterFrame.previous */
	.frame_prev_instr = 56,         /* _PyInterpreterFrame.prev_instr */
	.frame_is_entry = 68,           /* _PyInterpreterFrame.is_entry */
	.frame_owner = 69,              /* _PyInterpreterFrame.owner */
	.frame_size = 70,

	.code_firstlineno = 72,         /* PyCodeObject.co_firstlineno */
	.code_filename = 112,           /* PyCodeObject.co_filename */
	.code_name = 120,               /* PyCodeObject.co_name */
	.code_qualname = 128,           /* PyCodeObject.co_qualname */
	.code_linetable = 136,          /* PyCodeObject.co_linetable */
	.code_adaptive = 184,           /* PyCodeObject.co_code_adaptive */
	.code_size = 184,

	.object_type = 8,               /* PyObject.ob_type */

	.bytes_size = 16,               /* PyBytesObject.ob_base.ob_size */
	.bytes_data = 32,               /* PyBytesObject.ob_sval */

	.str_length = 16,               /* PyASCIIObject.length */
	.str_state = 32,                /* PyASCIIObject.state */
	.str_ascii_data = 48,           /* sizeof(PyASCIIObject) */
	.str_compact_data = 72,         /* sizeof(PyCompactUnicodeObject) */
	.str_kind_shift = 2,            /* after interned:2 */
	.str_compact_bit = 5,
	.str_ascii_bit = 6,
};

const struct py_offsets *pyoffsets_for(unsigned major, unsigned minor)
{
	if (major == 3 && minor == 11)
		return &py311;
	return 0;
}

const char *pyoffsets_supported(void)
{
	return "3.11";
}
