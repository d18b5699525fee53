/*
 * test_symbolize_store.c - the end of a run's symbolization (finish_profile,
 * through symbolize_store_rows) on a fresh database: locations in the
 * fixture (with an inline chain), libc (a few thousand), an unreadable
 * module and module 0 become location_frames, functions and files; a
 * second finish (a reader's, for a run that stopped) adds nothing. Prints
 * the end-of-run cost.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/finish.h"
#include "analyzer/symbolize.h"
#include "common/store.h"
#include "hp_test.h"
#include "test_symbolize_util.h"

#define GARBAGE  "/nonexistent/dir/libgarbage.so"
#define MAXLOCS  8192

/* What the database says, read back into arrays indexed by id. */
struct readback {
	const char *fn_name[MAXLOCS];
	uint32_t fn_module[MAXLOCS], fn_file[MAXLOCS];
	char *file_path[MAXLOCS];
	uint32_t nframes[MAXLOCS];                /* per location id */
	struct hp_frame_row frames[MAXLOCS][4];   /* first 4 depths */
	size_t rows;
	uint32_t max_fn, max_file;
};

static struct readback rb;

static int read_function(void *ctx, const struct hp_function_row *f)
{
	if (f->id >= MAXLOCS)
		return -1;
	rb.fn_name[f->id] = strdup(f->name);
	rb.fn_module[f->id] = f->module_id;
	rb.fn_file[f->id] = f->file_id;
	rb.max_fn = f->id > rb.max_fn ? f->id : rb.max_fn;
	return 0;
}

static int read_file(void *ctx, const struct hp_file_row *f)
{
	if (f->id >= MAXLOCS)
		return -1;
	rb.file_path[f->id] = strdup(f->path);
	rb.max_file = f->id > rb.max_file ? f->id : rb.max_file;
	return 0;
}

static int read_frame(void *ctx, const struct hp_frame_row *f)
{
	if (f->location_id >= MAXLOCS)
		return -1;
	if (f->depth < 4)
		rb.frames[f->location_id][f->depth] = *f;
	rb.nframes[f->location_id]++;
	rb.rows++;
	return 0;
}

static void readback_clear(void)
{
	for (size_t i = 0; i < MAXLOCS; i++) {
		free((char *)rb.fn_name[i]);
		free(rb.file_path[i]);
	}
	memset(&rb, 0, sizeof(rb));
}

static void read_all(struct hp_store *st)
{
	readback_clear();
	CHECK_EQ_INT(store_each_function(st, read_function, NULL), 0);
	CHECK_EQ_INT(store_each_file(st, read_file, NULL), 0);
	CHECK_EQ_INT(store_each_location_frame(st, read_frame, NULL), 0);
}

/* Location id of (module, addr), found through the store's iterator. */
struct find_loc { uint32_t module; uint64_t addr; uint32_t id; };

static int match_location(void *ctx, const struct hp_location_row *l)
{
	struct find_loc *f = ctx;
	if (l->module_id == f->module && l->addr == f->addr)
		f->id = l->id;
	return 0;
}

static int count_location(void *ctx, const struct hp_location_row *l)
{
	++*(size_t *)ctx;
	return 0;
}

static uint32_t location_of(struct hp_store *st, uint32_t module, uint64_t addr)
{
	struct find_loc f = { module, addr, 0 };
	store_each_location(st, match_location, &f);
	return f.id;
}

static int add_location(struct hp_store *st, uint32_t module, uint64_t addr)
{
	struct hp_location loc = { .module_id = module, .addr = addr };
	uint32_t stack;
	return store_intern_stack(st, &loc, 1, &stack);
}

struct libc_ctx { struct hp_store *st; uint32_t module; size_t n; };

static void add_libc(void *ctx, uint64_t value, uint64_t size)
{
	struct libc_ctx *c = ctx;
	if (c->n < 3000 && !add_location(c->st, c->module, value + size / 2))
		c->n++;
}

static const char *frame_function(const struct hp_frame_row *f)
{
	return f->function_id < MAXLOCS ? rb.fn_name[f->function_id] : NULL;
}

static const char *file_base(uint32_t file_id)
{
	return file_id && file_id < MAXLOCS ? tsym_basename(rb.file_path[file_id]) : NULL;
}

static void check_fixture(struct hp_store *st, uint32_t mod, const struct tsym *work)
{
	unsigned call = tsym_marker_line(SYMFIX_MAIN_SRC, "FIXTURE_CALL_SITE");
	int inlined = 0;
	for (uint64_t a = work->value; a < work->value + work->size; a++) {
		uint32_t id = location_of(st, mod, a);
		uint32_t n = rb.nframes[id];
		CHECK(id && (n == 1 || n == 2));
		if (!id || n < 1 || n > 2)
			continue;
		const struct hp_frame_row *outer = &rb.frames[id][n - 1];
		const char *name = frame_function(outer);
		CHECK(name && !strcmp(name, "fixture_work"));
		CHECK(rb.fn_module[outer->function_id] == mod);
		CHECK(file_base(outer->file_id) && !strcmp(file_base(outer->file_id), "fixture_main.c"));
		CHECK(file_base(rb.fn_file[outer->function_id]) &&
		      !strcmp(file_base(rb.fn_file[outer->function_id]), "fixture_main.c"));
		if (n == 2) {
			inlined++;
			name = frame_function(&rb.frames[id][0]);
			CHECK(name && !strcmp(name, "fixture_square"));
			CHECK(rb.fn_file[rb.frames[id][0].function_id] != 0);
			CHECK_EQ_INT(outer->line, call);
		}
	}
	CHECK(inlined > 0);
}

static void check_fallbacks(struct hp_store *st, uint32_t garbage, uint32_t changed,
			    const struct tsym *work)
{
	char want[128];
	uint32_t cid = location_of(st, changed, work->value);
	CHECK(cid && rb.nframes[cid] == 1);
	snprintf(want, sizeof(want), "%s+0x%lx", tsym_basename(SYMFIX_NODEBUG),
		 (unsigned long)work->value);
	CHECK(frame_function(&rb.frames[cid][0]) &&
	      !strcmp(frame_function(&rb.frames[cid][0]), want));

	uint32_t id = location_of(st, garbage, 0x1234);
	CHECK(id && rb.nframes[id] == 1);
	const char *name = frame_function(&rb.frames[id][0]);
	CHECK(name && !strcmp(name, "libgarbage.so+0x1234"));
	CHECK_EQ_INT(rb.frames[id][0].file_id, 0);

	id = location_of(st, 0, 0x7fff12345678ull);
	CHECK(id && rb.nframes[id] == 1);
	name = frame_function(&rb.frames[id][0]);
	CHECK(name && !strcmp(name, "[unknown]"));
	CHECK_EQ_INT(rb.fn_module[rb.frames[id][0].function_id], 0);
}

int main(void)
{
	char dir[] = "/tmp/hp-symstore-XXXXXX", path[64];
	struct hp_store *st;
	struct hp_symbolizer *s;
	struct tsym work = { 0, 0 };
	uint32_t fix, libc, garbage, changed;
	char build_id[129];

	const char *LIBC = tsym_loaded_lib("libc.so.6");
	if (!LIBC)
		SKIP("cannot find the path of libc");
	if (!mkdtemp(dir))
		SKIP("cannot create a temporary directory");
	snprintf(path, sizeof(path), "%s/t.db", dir);
	CHECK_EQ_INT(tsym_lookup(SYMFIX_PIE, "fixture_work", &work), 0);
	CHECK_EQ_INT(store_create(path, &st), 0);
	/* The fixture with its true build id; its stripped copy claiming
	 * another one (as if rebuilt since the run) must not be trusted. */
	CHECK_EQ_INT(tsym_build_id(SYMFIX_PIE, build_id, sizeof(build_id)), 0);
	CHECK_EQ_INT(store_intern_module(st, SYMFIX_PIE, build_id, &fix), 0);
	CHECK_EQ_INT(store_intern_module(st, SYMFIX_NODEBUG, "0123456789abcdef", &changed), 0);
	CHECK_EQ_INT(add_location(st, changed, work.value), 0);
	CHECK_EQ_INT(store_intern_module(st, LIBC, NULL, &libc), 0);
	CHECK_EQ_INT(store_intern_module(st, GARBAGE, NULL, &garbage), 0);
	for (uint64_t a = work.value; a < work.value + work.size; a++)
		CHECK_EQ_INT(add_location(st, fix, a), 0);
	struct libc_ctx lc = { st, libc, 0 };
	tsym_each_dynfunc(LIBC, add_libc, &lc);
	CHECK_EQ_INT(add_location(st, garbage, 0x1234), 0);
	CHECK_EQ_INT(add_location(st, 0, 0x7fff12345678ull), 0);
	CHECK_EQ_INT(store_flush(st), 0);

	CHECK_EQ_INT(symbolizer_new(&s), 0);
	double t0 = tsym_cpu_us();
	CHECK_EQ_INT(finish_profile(st, s), 0);
	double t1 = tsym_cpu_us();
	size_t nlocs = 0;
	store_each_location(st, count_location, &nlocs);
	/* printed for the record only: timing budgets live in the bench label */
	printf("finish_profile: %zu locations in %.0f ms CPU (%.1f us/location)\n", nlocs,
	       (t1 - t0) / 1e3, (t1 - t0) / (double)nlocs);

	read_all(st);
	size_t rows = rb.rows;
	size_t with_frames = 0;
	for (size_t i = 0; i < MAXLOCS; i++)
		with_frames += rb.nframes[i] > 0;
	CHECK_EQ_INT(with_frames, nlocs);
	check_fixture(st, fix, &work);
	check_fallbacks(st, garbage, changed, &work);
	printf("finish_profile: %zu frames, %u functions, %u files\n", rows, rb.max_fn,
	       rb.max_file);

	/* Already symbolized: nothing to add, and no duplicate key errors. */
	CHECK_EQ_INT(finish_profile(st, s), 0);
	read_all(st);
	CHECK_EQ_INT(rb.rows, rows);

	/* A new location later: only it is symbolized. */
	CHECK_EQ_INT(add_location(st, fix, work.value + work.size + 100000), 0);
	CHECK_EQ_INT(finish_profile(st, s), 0);
	read_all(st);
	CHECK_EQ_INT(rb.rows, rows + 1);

	symbolizer_free(s);
	CHECK_EQ_INT(store_close(st), 0);
	readback_clear();
	unlink(path);
	rmdir(dir);
	return hp_test_result();
}
