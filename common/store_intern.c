/*
 * store_intern.c - the store's interning tables (store.h): modules,
 * locations, stack nodes (the prefix tree of stacks), files and functions,
 * each deduplicated by an in-memory hash map and written once; and their
 * maps rebuilt from an existing file (store_load_interning) when a run
 * appends to it. Ids are bounded (store_bounds) before arrays are sized
 * by them.
 */
#include "common/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/store_internal.h"

static uint64_t hash_str(const char *s, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h ? h : 1;
}

/* Find the id of (str, extra) in map, probing past hash collisions.
 * Returns the id, or 0 with *key set to the free key to insert under. */
static uint32_t lookup_string(struct hp_hmap *map, char **strings, const uint32_t *extras,
			      const char *str, uint32_t extra, uint64_t *key)
{
	uint64_t k = hash_str(str, extra), id;
	for (int attempt = 0;; attempt++) {
		if (!hmap_get(map, k, &id)) {
			*key = k;
			return 0;
		}
		if (!strcmp(strings[id], str) && (!extras || extras[id] == extra))
			return (uint32_t)id;
		k = hmap_key2(k, (uint64_t)attempt + 1);
	}
}

/* Append str as string number id (1-based) to a growable array. */
int store_push_string(char ***strings, size_t *cap, uint32_t id, const char *str)
{
	if (hp_grow((void **)strings, cap, (size_t)id + 1, sizeof(**strings)))
		return -ENOMEM;
	if (!((*strings)[id] = strdup(str)))
		return -ENOMEM;
	return 0;
}


int store_insert_module(struct hp_store *st, uint32_t id, const char *path, const char *build_id)
{
	sqlite3_stmt *s = store_stmt(st, S_ADD_MODULE);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_TRANSIENT);
	store_bind_text_or_null(s, 3, build_id && *build_id ? build_id : NULL);
	return store_step_write(st, s);
}

static int intern_module(struct hp_store *st, const char *path, const char *build_id,
			 uint32_t *id)
{
	uint64_t key;
	uint32_t found = lookup_string(&st->modules, st->module_paths, NULL, path, 0, &key);
	if (found) {
		*id = found;
		return 0;
	}
	uint32_t nid = st->nmodules + 1;
	int err = store_push_string(&st->module_paths, &st->module_paths_cap, nid, path);
	if (err || (err = hmap_put(&st->modules, key, nid)))
		return err;
	st->nmodules = nid;
	*id = nid;
	return store_insert_module(st, nid, path, build_id);
}

int store_intern_module(struct hp_store *st, const char *path, const char *build_id,
			uint32_t *id)
{
	int err = store_load_interning(st);
	return err ? err : intern_module(st, path, build_id, id);
}

int store_intern_location(struct hp_store *st, const struct hp_location *loc, uint32_t *id)
{
	uint64_t key = hmap_key2(loc->module_id, loc->addr), v;
	if (hmap_get(&st->locations, key, &v)) {
		*id = (uint32_t)v;
		return 0;
	}
	uint32_t nid = ++st->nlocations;
	int err = hmap_put(&st->locations, key, nid);
	if (err)
		return err;
	sqlite3_stmt *s = store_stmt(st, S_ADD_LOCATION);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, nid);
	sqlite3_bind_int64(s, 2, loc->module_id);
	sqlite3_bind_int64(s, 3, (int64_t)loc->addr);
	*id = nid;
	if (st->on_location && loc->module_id && loc->module_id <= st->nmodules)
		st->on_location(st->on_location_ctx, st->module_paths[loc->module_id], loc->addr);
	return store_step_write(st, s);
}

void store_on_location(struct hp_store *st, void (*fn)(void *ctx, const char *path,
							  uint64_t addr), void *ctx)
{
	st->on_location = fn;
	st->on_location_ctx = ctx;
}

int store_intern_node(struct hp_store *st, uint32_t parent, uint32_t location, uint32_t *id)
{
	uint64_t key = hmap_key2(parent, location), v;
	if (hmap_get(&st->nodes, key, &v)) {
		*id = (uint32_t)v;
		return 0;
	}
	uint32_t nid = ++st->nnodes;
	int err = hmap_put(&st->nodes, key, nid);
	if (err)
		return err;
	sqlite3_stmt *s = store_stmt(st, S_ADD_NODE);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, nid);
	sqlite3_bind_int64(s, 2, parent);
	sqlite3_bind_int64(s, 3, location);
	*id = nid;
	return store_step_write(st, s);
}

int store_intern_stack(struct hp_store *st, const struct hp_location *frames, uint32_t n,
		       uint32_t *stack_id)
{
	uint32_t node = 0;
	int err = store_load_interning(st);
	if (err)
		return err;
	/* Walk from the outermost frame inwards so that shared callers share nodes. */
	for (uint32_t i = n; i-- > 0;) {
		uint32_t loc;
		if ((err = store_intern_location(st, &frames[i], &loc)) ||
		    (err = store_intern_node(st, node, loc, &node)))
			return err;
	}
	*stack_id = node;
	return 0;
}

int store_intern_file(struct hp_store *st, const char *path, uint32_t *id)
{
	uint64_t key;
	int err = store_load_interning(st);
	if (err)
		return err;
	uint32_t found = lookup_string(&st->files, st->file_paths, NULL, path, 0, &key);
	if (found) {
		*id = found;
		return 0;
	}
	uint32_t nid = st->nfiles + 1;
	if ((err = store_push_string(&st->file_paths, &st->file_paths_cap, nid, path)) ||
	    (err = hmap_put(&st->files, key, nid)))
		return err;
	st->nfiles = nid;
	sqlite3_stmt *s = store_stmt(st, S_ADD_FILE);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, nid);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_TRANSIENT);
	*id = nid;
	return store_step_write(st, s);
}

static int push_function_module(struct hp_store *st, uint32_t id, uint32_t module_id)
{
	if (hp_grow((void **)&st->function_modules, &st->function_modules_cap, (size_t)id + 1,
		    sizeof(*st->function_modules)))
		return -ENOMEM;
	st->function_modules[id] = module_id;
	return 0;
}

static int remember_function(struct hp_store *st, uint32_t nid, const char *name,
			     uint32_t module_id, uint64_t key)
{
	int err;
	if ((err = store_push_string(&st->function_names, &st->function_names_cap, nid, name)) ||
	    (err = push_function_module(st, nid, module_id)) ||
	    (err = hmap_put(&st->functions, key, nid)))
		return err;
	st->nfunctions = nid;
	return 0;
}

int store_intern_function(struct hp_store *st, const char *name, uint32_t module_id,
			  uint32_t file_id, uint32_t *id)
{
	return store_intern_function_raw(st, name, NULL, module_id, file_id, id);
}

int store_intern_function_raw(struct hp_store *st, const char *name, const char *raw_name,
			      uint32_t module_id, uint32_t file_id, uint32_t *id)
{
	uint64_t key;
	int err = store_load_interning(st);
	if (err)
		return err;
	uint32_t found = lookup_string(&st->functions, st->function_names, st->function_modules,
				       name, module_id, &key);
	if (found) {
		*id = found;
		return 0;
	}
	uint32_t nid = st->nfunctions + 1;
	if ((err = remember_function(st, nid, name, module_id, key)))
		return err;
	sqlite3_stmt *s = store_stmt(st, S_ADD_FUNCTION);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, nid);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 3, module_id);
	store_bind_id_or_null(s, 4, file_id);
	store_bind_text_or_null(s, 5, raw_name);
	*id = nid;
	return store_step_write(st, s);
}

int store_add_location_frame(struct hp_store *st, uint32_t location_id, uint32_t depth,
			     uint32_t function_id, uint32_t file_id, uint32_t line)
{
	sqlite3_stmt *s = store_stmt(st, S_ADD_LOCFRAME);
	if (!s)
		return -HP_ESQL;
	sqlite3_bind_int64(s, 1, location_id);
	sqlite3_bind_int64(s, 2, depth);
	sqlite3_bind_int64(s, 3, function_id);
	store_bind_id_or_null(s, 4, file_id);
	store_bind_id_or_null(s, 5, line);
	return store_step_write(st, s);
}

/* Rebuild the interning maps from an existing file (opened, not created);
 * ids are bounded (store_bounds) before arrays are sized by them. */
static int load_row_module(void *c, sqlite3_stmt *s)
{
	struct hp_store *st = c;
	uint64_t key;
	int64_t id64 = sqlite3_column_int64(s, 0);
	int err = store_check_id(st, TB_MODULES, id64, 0, "modules.id");
	uint32_t id = (uint32_t)id64;
	const char *path = store_col_text_nn(s, 1);
	if (err)
		return err;
	if (lookup_string(&st->modules, st->module_paths, NULL, path, 0, &key))
		return 0;
	for (uint32_t i = st->nmodules + 1; i <= id; i++)
		if (store_push_string(&st->module_paths, &st->module_paths_cap, i, i == id ? path : ""))
			return -ENOMEM;
	st->nmodules = id;
	return hmap_put(&st->modules, key, id);
}

static int load_row_location(void *c, sqlite3_stmt *s)
{
	struct hp_store *st = c;
	int64_t id64 = sqlite3_column_int64(s, 0);
	int err = store_check_id(st, TB_LOCATIONS, id64, 0, "locations.id");
	uint32_t id = (uint32_t)id64;
	if (err)
		return err;
	if (id > st->nlocations)
		st->nlocations = id;
	return hmap_put(&st->locations, hmap_key2((uint64_t)sqlite3_column_int64(s, 1),
						  (uint64_t)sqlite3_column_int64(s, 2)), id);
}

static int load_row_node(void *c, sqlite3_stmt *s)
{
	struct hp_store *st = c;
	int64_t id64 = sqlite3_column_int64(s, 0);
	int err = store_check_id(st, TB_NODES, id64, 0, "stack_nodes.id");
	uint32_t id = (uint32_t)id64;
	if (err)
		return err;
	if (id > st->nnodes)
		st->nnodes = id;
	return hmap_put(&st->nodes, hmap_key2((uint64_t)sqlite3_column_int64(s, 1),
					      (uint64_t)sqlite3_column_int64(s, 2)), id);
}

static int load_row_file(void *c, sqlite3_stmt *s)
{
	struct hp_store *st = c;
	uint64_t key;
	int64_t id64 = sqlite3_column_int64(s, 0);
	int err = store_check_id(st, TB_FILES, id64, 0, "files.id");
	uint32_t id = (uint32_t)id64;
	const char *path = store_col_text_nn(s, 1);
	if (err)
		return err;
	if (lookup_string(&st->files, st->file_paths, NULL, path, 0, &key))
		return 0;
	for (uint32_t i = st->nfiles + 1; i <= id; i++)
		if (store_push_string(&st->file_paths, &st->file_paths_cap, i, i == id ? path : ""))
			return -ENOMEM;
	st->nfiles = id;
	return hmap_put(&st->files, key, id);
}

static int load_row_function(void *c, sqlite3_stmt *s)
{
	struct hp_store *st = c;
	uint64_t key;
	int64_t id64 = sqlite3_column_int64(s, 0);
	int err = store_check_id(st, TB_FUNCTIONS, id64, 0, "functions.id");
	uint32_t id = (uint32_t)id64;
	const char *name = store_col_text_nn(s, 1);
	uint32_t module_id = (uint32_t)sqlite3_column_int64(s, 2);
	if (err)
		return err;
	if (lookup_string(&st->functions, st->function_names, st->function_modules, name,
			  module_id, &key))
		return 0;
	for (uint32_t i = st->nfunctions + 1; i < id; i++)
		if (remember_function(st, i, "", 0, hmap_key2(0xdead, i)))
			return -ENOMEM;
	return remember_function(st, id, name, module_id, key);
}

int store_load_interning(struct hp_store *st)
{
	int err;
	if (st->interning_loaded)
		return 0;
	st->interning_loaded = 1;
	if ((err = store_each_checked_row(st, "SELECT id, path FROM modules ORDER BY id",
					  load_row_module, st)) ||
	    (err = store_each_checked_row(st, "SELECT id, module_id, addr FROM locations",
					  load_row_location, st)) ||
	    (err = store_each_checked_row(st, "SELECT id, parent, location_id FROM stack_nodes",
					  load_row_node, st)) ||
	    (err = store_each_checked_row(st, "SELECT id, path FROM files ORDER BY id",
					  load_row_file, st)) ||
	    (err = store_each_checked_row(st, "SELECT id, name, module_id FROM functions ORDER BY id",
					  load_row_function, st)))
		return err;
	return 0;
}
