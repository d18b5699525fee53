/*
 * jitsyms.c - names for JIT-compiled code from /tmp/perf-PID.map, stored
 * in the database at the end of a run (jitsyms.h).
 */
#include "collector/jitsyms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "collector/perfmap.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/log.h"
#include "common/store.h"

struct jitmap {
	uint32_t pid;
	uint32_t module;          /* modules.id of "[jit] /tmp/perf-PID.map", 0 until used */
	struct perfmap *pm;
};

struct job {
	struct jitmap *maps;
	size_t nmaps, capmaps;
	struct hp_location_row *locs;
	size_t nlocs, caplocs;
};

static int on_process(void *ctx, const struct hp_process_row *p)
{
	struct job *j = ctx;
	struct perfmap *pm;
	for (size_t i = 0; i < j->nmaps; i++)
		if (j->maps[i].pid == p->pid)
			return 0;
	int err = perfmap_open(p->pid, &pm);
	if (err == -ENOENT || err == -EACCES)
		return 0;
	if (err) {
		hp_warn("cannot read /tmp/perf-%u.map: %s", p->pid, hp_strerror(err));
		return 0;
	}
	if ((err = hp_grow((void **)&j->maps, &j->capmaps, j->nmaps + 1, sizeof(*j->maps)))) {
		perfmap_free(pm);
		return err;
	}
	j->maps[j->nmaps++] = (struct jitmap){ .pid = p->pid, .pm = pm };
	return 0;
}

/* Locations no module covers (module id 0: anonymous memory, absolute). */
static int on_location(void *ctx, const struct hp_location_row *l)
{
	struct job *j = ctx;
	if (l->module_id)
		return 0;
	int err = hp_grow((void **)&j->locs, &j->caplocs, j->nlocs + 1, sizeof(*j->locs));
	if (!err)
		j->locs[j->nlocs++] = *l;
	return err;
}

static int name_location(struct hp_store *st, struct jitmap *m, uint32_t location,
			 const char *name)
{
	uint32_t fid;
	int err = 0;
	if (!m->module) {
		char path[64];
		snprintf(path, sizeof(path), "[jit] /tmp/perf-%u.map", m->pid);
		err = store_intern_module(st, path, NULL, &m->module);
	}
	if (!err)
		err = store_intern_function_raw(st, name, name, m->module, 0, &fid);
	return err ? err : store_add_location_frame(st, location, 0, fid, 0, 0);
}

int jitsyms_store(struct hp_store *st, struct jitsyms_result *res)
{
	struct job j = { 0 };
	int err;
	res->maps = res->entries = res->named = 0;
	if ((err = store_each_process(st, on_process, &j)) || !j.nmaps ||
	    (err = store_each_location(st, on_location, &j)))
		goto out;
	for (size_t i = 0; i < j.nmaps; i++)
		res->entries += (uint32_t)perfmap_count(j.maps[i].pm);
	res->maps = (uint32_t)j.nmaps;
	/* A JIT address is named by the map that covers it: the processes'
	 * maps are tried in the order of the run (addresses are rarely
	 * shared: each process has its own map and address space). */
	for (size_t k = 0; k < j.nlocs && !err; k++) {
		for (size_t i = 0; i < j.nmaps; i++) {
			const struct perfmap_entry *e = perfmap_lookup(j.maps[i].pm, j.locs[k].addr);
			if (!e)
				continue;
			err = name_location(st, &j.maps[i], j.locs[k].id, e->name);
			res->named++;
			break;
		}
	}
out:
	for (size_t i = 0; i < j.nmaps; i++)
		perfmap_free(j.maps[i].pm);
	free(j.maps);
	free(j.locs);
	return err;
}
