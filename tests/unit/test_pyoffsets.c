/*
 * test_pyoffsets.c - the offset table of collector/pyoffsets.c against the
 * CPython 3.11 headers that python3.11-dev installs (internal ones
 * included, compiled with Py_BUILD_CORE): every value must be the
 * offsetof()/sizeof() the headers give. Built with HP_PY311_HEADERS only
 * when CMake found the headers; skips otherwise.
 */
#ifdef HP_PY311_HEADERS
#define Py_BUILD_CORE 1
#include <Python.h>
#include <internal/pycore_frame.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>
#endif

#include <stddef.h>
#include <stdio.h>

#include "hp_test.h"
#include "collector/pyoffsets.h"

int main(void);

#ifdef HP_PY311_HEADERS
#define SAME(field, value) CHECK_EQ_INT(o->field, value)

/* The bit position of a PyASCIIObject state bit field: set it alone. */
#define STATE_BIT(member, val) ({ \
	PyASCIIObject s; memset(&s, 0, sizeof s); s.state.member = (val); \
	unsigned raw; memcpy(&raw, (char *)&s + offsetof(PyASCIIObject, state), sizeof raw); raw; })

static void test_311(void)
{
	const struct py_offsets *o = pyoffsets_for(3, 11);
	CHECK(o != NULL);
	if (!o)
		return;
	CHECK_EQ_INT(PY_MAJOR_VERSION, 3);
	CHECK_EQ_INT(PY_MINOR_VERSION, 11);

	SAME(runtime_finalizing, offsetof(_PyRuntimeState, _finalizing));
	CHECK_EQ_INT(sizeof(((_PyRuntimeState *)0)->_finalizing), 8);
	SAME(runtime_interp_head, offsetof(_PyRuntimeState, interpreters.head));
	SAME(runtime_tstate_current, offsetof(_PyRuntimeState, gilstate.tstate_current));
	CHECK_EQ_INT(sizeof(((_PyRuntimeState *)0)->gilstate.tstate_current), 8);
	SAME(interp_next, offsetof(PyInterpreterState, next));
	SAME(interp_threads_head, offsetof(PyInterpreterState, threads.head));

	SAME(tstate_next, offsetof(PyThreadState, next));
	SAME(tstate_cframe, offsetof(PyThreadState, cframe));
	SAME(tstate_native_id, offsetof(PyThreadState, native_thread_id));
	SAME(tstate_size, offsetof(PyThreadState, native_thread_id) + sizeof(unsigned long));

	SAME(cframe_current_frame, offsetof(_PyCFrame, current_frame));
	SAME(cframe_previous, offsetof(_PyCFrame, previous));

	SAME(frame_code, offsetof(_PyInterpreterFrame, f_code));
	SAME(frame_previous, offsetof(_PyInterpreterFrame, previous));
	SAME(frame_prev_instr, offsetof(_PyInterpreterFrame, prev_instr));
	SAME(frame_is_entry, offsetof(_PyInterpreterFrame, is_entry));
	SAME(frame_owner, offsetof(_PyInterpreterFrame, owner));
	SAME(frame_size, offsetof(_PyInterpreterFrame, owner) + 1);
	CHECK_EQ_INT(sizeof(((_PyInterpreterFrame *)0)->is_entry), 1);

	SAME(code_firstlineno, offsetof(PyCodeObject, co_firstlineno));
	SAME(code_filename, offsetof(PyCodeObject, co_filename));
	SAME(code_name, offsetof(PyCodeObject, co_name));
	SAME(code_qualname, offsetof(PyCodeObject, co_qualname));
	SAME(code_linetable, offsetof(PyCodeObject, co_linetable));
	SAME(code_adaptive, offsetof(PyCodeObject, co_code_adaptive));
	SAME(code_size, offsetof(PyCodeObject, co_code_adaptive));
	CHECK(o->code_size >= o->code_linetable + 8 && o->code_size >= o->object_type + 8);

	SAME(object_type, offsetof(PyObject, ob_type));
	SAME(bytes_size, offsetof(PyVarObject, ob_size));
	SAME(bytes_data, offsetof(PyBytesObject, ob_sval));

	SAME(str_length, offsetof(PyASCIIObject, length));
	SAME(str_state, offsetof(PyASCIIObject, state));
	SAME(str_ascii_data, sizeof(PyASCIIObject));
	SAME(str_compact_data, sizeof(PyCompactUnicodeObject));
	CHECK_EQ_INT(STATE_BIT(kind, 1), 1u << o->str_kind_shift);
	CHECK_EQ_INT(STATE_BIT(kind, 4), 4u << o->str_kind_shift);
	CHECK_EQ_INT(STATE_BIT(compact, 1), 1u << o->str_compact_bit);
	CHECK_EQ_INT(STATE_BIT(ascii, 1), 1u << o->str_ascii_bit);

	/* the frame owners pyframes reports */
	CHECK_EQ_INT(FRAME_OWNED_BY_THREAD, 0);
	CHECK_EQ_INT(FRAME_OWNED_BY_GENERATOR, 1);
	CHECK_EQ_INT(FRAME_OWNED_BY_FRAME_OBJECT, 2);
	printf("3.11 offsets: all agree with the headers of Python %s\n", PY_VERSION);
}
#endif

int main(void)
{
	CHECK(pyoffsets_for(3, 12) == NULL);
	CHECK(pyoffsets_for(3, 10) == NULL);
	CHECK(pyoffsets_for(2, 7) == NULL);
#ifdef HP_PY311_HEADERS
	test_311();
	return hp_test_result();
#else
	if (hp_test_result())
		return 1;
	SKIP("the CPython 3.11 headers (python3.11-dev, internal/pycore_frame.h) are not"
	     " installed: the offset table cannot be checked");
#endif
}
