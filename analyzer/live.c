/*
 * live.c - the hottest functions while a run is recorded (live.h).
 *
 * Two threads: the store's writer calls live_tap with every sample and
 * only appends its frames, (module id, address) pairs, to a pending
 * buffer under a mutex (and the path of a module it has not reported
 * yet); the reader calls live_refresh, which swaps the buffer out under
 * the mutex and then, without it, names each new address once
 * (symbolize_addr: its inline chain, kept as function ids) and counts the
 * interval's samples. Everything but the pending buffer belongs to the
 * reader. Sorting and percentages are in live_rows.c.
 *
 * Python frames ("[python] FILE" modules) are locations the collector
 * names itself: it writes their location_frames rows when it interns them
 * (collector/pyfeed.c), and report reads those rows. The tap reads the
 * same rows, in the writer's thread, the first time it meets such an
 * address (store_location_names) and passes the names on with the
 * samples; the reader enters them as that address's functions, so the
 * symbolizer never sees it.
 */
#include "analyzer/live.h"
#include "analyzer/live_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/stacks.h"
#include "analyzer/symbolize.h"
#include "common/grow.h"
#include "common/store.h"

/* --- the writer's side --- */

struct pending_head {
	int32_t event;
	uint32_t n;
	uint64_t value;                /* counters[0]: an off-CPU sample's ns */
};

struct pending_frame {
	uint32_t module_id;
	uint32_t pad;
	uint64_t addr;
};

static void note_module(struct hp_live *l, uint32_t id)
{
	if (id < l->tap_seen_cap && l->tap_seen[id])
		return;
	if (hp_grow_zero((void **)&l->tap_seen, &l->tap_seen_cap, (size_t)id + 1, 1))
		return;
	const char *path = store_module_path(l->st, id);
	if (!path)
		return;                        /* not interned by this writer: asked again later */
	if (hp_grow((void **)&l->pend_mods, &l->pend_mods_cap, l->npend_mods + 1,
		    sizeof(*l->pend_mods)))
		return;
	char *copy = strdup(path);
	if (!copy)
		return;
	l->tap_seen[id] = 1;
	l->pend_mods[l->npend_mods].id = id;
	l->pend_mods[l->npend_mods++].path = copy;
}

struct name_job { struct hp_live *l; uint32_t module; uint64_t addr; };

static int take_name(void *ctx, const struct hp_named_frame *f)
{
	struct name_job *j = ctx;
	struct hp_live *l = j->l;
	if (hp_grow((void **)&l->tap_names, &l->tap_names_cap, l->ntap_names + 1,
		    sizeof(*l->tap_names)))
		return -ENOMEM;
	char *copy = strdup(f->function);
	if (!copy)
		return -ENOMEM;
	l->tap_names[l->ntap_names++] = (struct live_pending_name){ j->module, f->depth, j->addr,
								    copy };
	return 0;
}

/* The store's names of the sample's collector-named addresses not asked
 * for yet, into tap_names (writer only, before the lock). An address
 * without names (none written) is left to the symbolizer. */
static void name_frames(struct hp_live *l, const struct hp_sample *s)
{
	for (uint32_t i = 0; i < s->nr_frames; i++) {
		uint32_t m = s->frames[i].module_id;
		uint64_t key = hmap_key2(m, s->frames[i].addr), v;
		const char *path = m ? store_module_path(l->st, m) : NULL;
		if (!path || stacks_path_kind(path) != HP_FRAME_PYTHON ||
		    hmap_get(&l->tap_named, key, &v) || hmap_put(&l->tap_named, key, 1))
			continue;
		struct name_job j = { l, m, s->frames[i].addr };
		size_t before = l->ntap_names;
		if (store_location_names(l->st, m, j.addr, take_name, &j))
			while (l->ntap_names > before)         /* half named: not named */
				free(l->tap_names[--l->ntap_names].function);
	}
}

/* Hand tap_names over to the reader (under the lock). */
static void pass_names(struct hp_live *l)
{
	if (!l->ntap_names)
		return;
	if (!hp_grow((void **)&l->pend_names, &l->pend_names_cap,
		     l->npend_names + l->ntap_names, sizeof(*l->pend_names))) {
		memcpy(l->pend_names + l->npend_names, l->tap_names,
		       l->ntap_names * sizeof(*l->tap_names));
		l->npend_names += l->ntap_names;
	} else {
		for (size_t i = 0; i < l->ntap_names; i++)
			free(l->tap_names[i].function);
	}
	l->ntap_names = 0;
}

void live_tap(void *ctx, const struct hp_sample *s)
{
	struct hp_live *l = ctx;
	if (s->event != 0 && (!l->o.offcpu_event || s->event != l->o.offcpu_event))
		return;                        /* page faults and the like: not a weight here */
	size_t need = sizeof(struct pending_head) + s->nr_frames * sizeof(struct pending_frame);
	name_frames(l, s);
	pthread_mutex_lock(&l->lock);
	pass_names(l);
	if (l->pend_len + need <= LIVE_PENDING_MAX &&
	    !hp_grow((void **)&l->pend, &l->pend_cap, l->pend_len + need, 1)) {
		struct pending_head h = { s->event, s->nr_frames,
					  s->nr_counters ? (uint64_t)s->counters[0] : 0 };
		memcpy(l->pend + l->pend_len, &h, sizeof(h));
		struct pending_frame *f = (struct pending_frame *)(l->pend + l->pend_len + sizeof(h));
		for (uint32_t i = 0; i < s->nr_frames; i++) {
			f[i] = (struct pending_frame){ s->frames[i].module_id, 0, s->frames[i].addr };
			if (s->frames[i].module_id)
				note_module(l, s->frames[i].module_id);
		}
		l->pend_len += need;
	} else {
		l->dropped++;
	}
	pthread_mutex_unlock(&l->lock);
}

/* --- the reader's side: names --- */

static uint64_t hash_str(const char *s, uint32_t module)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return hmap_key2(h, module);
}

/* The id of function (name, module), added on first sight; UINT32_MAX when out of memory. */
static uint32_t intern_function(struct hp_live *l, const char *name, uint32_t module)
{
	uint64_t key = hash_str(name, module), v;
	while (hmap_get(&l->fn_index, key, &v)) {
		struct live_fn *f = &l->fns[v];
		if (f->module == module && !strcmp(f->name, name))
			return (uint32_t)v;
		key = hmap_key2(key, 0x5bd1e995);      /* a collision: the next key */
	}
	if (hp_grow((void **)&l->fns, &l->fns_cap, l->nfns + 1, sizeof(*l->fns)) ||
	    hp_grow_zero((void **)&l->iv, &l->iv_cap, l->nfns + 1, sizeof(*l->iv)) ||
	    hp_grow_zero((void **)&l->all, &l->all_cap, l->nfns + 1, sizeof(*l->all)) ||
	    hp_grow_zero((void **)&l->stamp, &l->stamp_cap, l->nfns + 1, sizeof(*l->stamp)))
		return UINT32_MAX;
	char *copy = strdup(name);
	if (!copy || hmap_put(&l->fn_index, key, l->nfns)) {
		free(copy);
		return UINT32_MAX;
	}
	l->fns[l->nfns] = (struct live_fn){ copy, module };
	return l->nfns++;
}

static struct live_module *module_of(struct hp_live *l, uint32_t id)
{
	return id < l->nmods && l->mods[id].path ? &l->mods[id] : NULL;
}

static void take_modules(struct hp_live *l, struct live_pending_module *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (hp_grow_zero((void **)&l->mods, &l->mods_cap, (size_t)m[i].id + 1,
				 sizeof(*l->mods))) {
			free(m[i].path);
			continue;
		}
		if (l->nmods <= m[i].id)
			l->nmods = m[i].id + 1;
		struct live_module *mod = &l->mods[m[i].id];
		free(mod->path);
		mod->path = m[i].path;
		const char *base = strrchr(mod->path, '/');
		mod->base = base ? base + 1 : mod->path;
	}
}

/* Name the address: its functions, innermost first, into the pool. */
static int resolve(struct hp_live *l, struct live_addr *a)
{
	struct hp_frame fr[LIVE_MAX_INLINE];
	const struct live_module *mod = module_of(l, a->module);
	int n;
	a->first = (uint32_t)l->npool;
	a->count = 0;
	if (!mod) {
		fr[0].function = "[unknown]";
		n = 1;
	} else {
		n = symbolize_addr(l->sym, mod->path, a->addr, fr, LIVE_MAX_INLINE);
	}
	if (n < 1)
		return 0;
	if (hp_grow((void **)&l->pool, &l->pool_cap, l->npool + (size_t)n, sizeof(*l->pool)))
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		uint32_t f = intern_function(l, fr[i].function, mod ? a->module : 0);
		if (f == UINT32_MAX)
			return -ENOMEM;
		l->pool[l->npool++] = f;
	}
	a->count = (uint32_t)n;
	return 0;
}

/* The address entry of (module, addr); *fresh set when it was added now
 * (unnamed yet). NULL when out of memory. */
static struct live_addr *find_addr(struct hp_live *l, uint32_t module, uint64_t addr, int *fresh)
{
	uint64_t key = hmap_key2(module, addr), v;
	*fresh = 0;
	while (hmap_get(&l->addr_index, key, &v)) {
		struct live_addr *a = &l->addrs[v];
		if (a->module == module && a->addr == addr)
			return a;
		key = hmap_key2(key, 0x5bd1e995);
	}
	if (hp_grow((void **)&l->addrs, &l->addrs_cap, l->naddrs + 1, sizeof(*l->addrs)) ||
	    hmap_put(&l->addr_index, key, l->naddrs))
		return NULL;
	struct live_addr *a = &l->addrs[l->naddrs++];
	*a = (struct live_addr){ .module = module, .addr = addr, .first = (uint32_t)l->npool };
	*fresh = 1;
	return a;
}

/* The address entry of (module, addr), named on first sight; NULL when out of memory. */
static struct live_addr *addr_of(struct hp_live *l, uint32_t module, uint64_t addr)
{
	int fresh;
	struct live_addr *a = find_addr(l, module, addr, &fresh);
	return a && fresh && resolve(l, a) ? NULL : a;
}

/* Enter the names the collector gave (the tap's, live_pending_name: the
 * frames of one address come together, innermost first) as their
 * addresses' functions. Frees the names. */
static int take_names(struct hp_live *l, struct live_pending_name *nm, size_t n)
{
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		int fresh;
		struct live_addr *a = find_addr(l, nm[i].module, nm[i].addr, &fresh);
		if (!a || hp_grow((void **)&l->pool, &l->pool_cap, l->npool + 1, sizeof(*l->pool))) {
			err = -ENOMEM;
			break;
		}
		if (!fresh && (nm[i].depth == 0 || a->first + a->count != l->npool))
			continue;                      /* named already (never twice: the tap asks once) */
		uint32_t f = intern_function(l, nm[i].function, nm[i].module);
		if (f == UINT32_MAX) {
			err = -ENOMEM;
			break;
		}
		l->pool[l->npool++] = f;
		a->count++;
	}
	for (size_t i = 0; i < n; i++)
		free(nm[i].function);
	return err;
}

/* --- the reader's side: counting --- */

/* self: the sample's innermost frame is in the function; user_self: its
 * innermost frame outside the kernel is (off-CPU self is only that). */
static void add_weight(struct live_stat *st, int self, int user_self, int off, uint64_t value)
{
	if (off) {
		st->total_off += value;
		if (user_self)
			st->self_off += value;
	} else {
		st->total_n++;
		st->self_n += self != 0;
		st->self_user_n += user_self != 0;
	}
}

static void count_fn(struct hp_live *l, uint32_t f, int self, int user_self, int off,
		     uint64_t value)
{
	if (l->stamp[f] == l->seq)
		return;                        /* on this stack already (recursion) */
	l->stamp[f] = l->seq;
	add_weight(&l->iv[f], self, user_self, off, value);
	add_weight(&l->all[f], self, user_self, off, value);
}

static int in_kernel(struct hp_live *l, uint32_t module)
{
	const struct live_module *m = module_of(l, module);
	return m && !strncmp(m->path, "[kernel", 7);
}

/* The frame a sample's wall self goes to: its innermost outside the
 * kernel (for a wait, the program's call that waited, as wall_profile
 * and report charge it, not schedule()); the innermost when all are the
 * kernel's. */
static uint32_t user_self_frame(struct hp_live *l, const struct pending_head *h,
			       const struct pending_frame *fr)
{
	for (uint32_t i = 0; i < h->n; i++)
		if (!in_kernel(l, fr[i].module_id))
			return i;
	return 0;
}

static int count_sample(struct hp_live *l, const struct pending_head *h,
			const struct pending_frame *fr)
{
	int off = h->event != 0, self = 1, user_self = 1, any = 0;
	uint64_t value = off ? h->value : 0;
	uint32_t user_at = user_self_frame(l, h, fr);
	l->seq++;
	for (uint32_t i = 0; i < h->n; i++) {
		struct live_addr *a = addr_of(l, fr[i].module_id, fr[i].addr);
		if (!a)
			return -ENOMEM;
		for (uint32_t k = 0; k < a->count; k++) {
			count_fn(l, l->pool[a->first + k], self, user_self && i >= user_at, off, value);
			self = 0;
			user_self = user_self && i < user_at;
			any = 1;
		}
	}
	if (!any) {                            /* no frame */
		uint32_t f = intern_function(l, "[unknown]", 0);
		if (f == UINT32_MAX)
			return -ENOMEM;
		count_fn(l, f, 1, 1, off, value);
	}
	struct live_span_totals *t[2] = { &l->tot[LIVE_INTERVAL], &l->tot[LIVE_OVERALL] };
	for (int i = 0; i < 2; i++) {
		if (off)
			t[i]->off_ns += value;
		else
			t[i]->samples++;
	}
	return 0;
}

int live_refresh(struct hp_live *l, uint64_t now_ns)
{
	uint8_t *buf;
	size_t len, cap, nmods, nnames;
	struct live_pending_module *mods;
	struct live_pending_name *names;
	pthread_mutex_lock(&l->lock);
	buf = l->pend;
	cap = l->pend_cap;
	len = l->pend_len;
	mods = l->pend_mods;
	nmods = l->npend_mods;
	names = l->pend_names;
	nnames = l->npend_names;
	l->pend_names = NULL;
	l->npend_names = l->pend_names_cap = 0;
	l->pend = l->spare;
	l->pend_cap = l->spare_cap;
	l->pend_len = 0;
	l->pend_mods = NULL;
	l->npend_mods = l->pend_mods_cap = 0;
	pthread_mutex_unlock(&l->lock);

	take_modules(l, mods, nmods);
	free(mods);
	int err = take_names(l, names, nnames);
	free(names);
	if (l->nfns)                           /* (l->iv is NULL before the first function) */
		memset(l->iv, 0, l->nfns * sizeof(*l->iv));
	l->tot[LIVE_INTERVAL] = (struct live_span_totals){ 0 };
	for (size_t off = 0; off < len && !err;) {
		struct pending_head h;
		memcpy(&h, buf + off, sizeof(h));
		err = count_sample(l, &h, (const struct pending_frame *)(buf + off + sizeof(h)));
		off += sizeof(h) + h.n * sizeof(struct pending_frame);
	}
	l->spare = buf;                        /* the buffer goes back for the next swap */
	l->spare_cap = cap;
	l->tot[LIVE_INTERVAL].seconds = (double)(now_ns - l->last_ns) / 1e9;
	l->tot[LIVE_OVERALL].seconds = (double)(now_ns - l->start_ns) / 1e9;
	l->last_ns = now_ns;
	return err;
}

/* --- life --- */

int live_new(const struct hp_live_opts *o, struct hp_store *st, struct hp_live **out)
{
	struct hp_live *l = calloc(1, sizeof(*l));
	int err;
	if (!l)
		return -ENOMEM;
	l->o = *o;
	l->st = st;
	pthread_mutex_init(&l->lock, NULL);
	hmap_init(&l->addr_index);
	hmap_init(&l->fn_index);
	hmap_init(&l->tap_named);
	if ((err = symbolizer_new(&l->sym))) {
		live_free(l);
		return err;
	}
	symbolizer_set_raw_names(l->sym, o->raw_names);
	if (o->cache_dir && (err = symbolizer_set_cache(l->sym, o->cache_dir))) {
		live_free(l);
		return err;
	}
	l->start_ns = l->last_ns = o->start_ns;
	*out = l;
	return 0;
}

void live_free(struct hp_live *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	if (l->sym)
		symbolizer_free(l->sym);
	for (size_t i = 0; i < l->npend_mods; i++)
		free(l->pend_mods[i].path);
	for (size_t i = 0; i < l->npend_names; i++)
		free(l->pend_names[i].function);
	for (size_t i = 0; i < l->ntap_names; i++)
		free(l->tap_names[i].function);
	for (size_t i = 0; i < l->nmods; i++)
		free(l->mods[i].path);
	for (uint32_t i = 0; i < l->nfns; i++)
		free(l->fns[i].name);
	hmap_release(&l->addr_index);
	hmap_release(&l->fn_index);
	hmap_release(&l->tap_named);
	free(l->pend_mods);
	free(l->pend_names);
	free(l->tap_names);
	free(l->pend);
	free(l->spare);
	free(l->tap_seen);
	free(l->mods);
	free(l->fns);
	free(l->iv);
	free(l->all);
	free(l->stamp);
	free(l->addrs);
	free(l->pool);
	free(l->order);
	free(l);
}
