/*
 * allocstream.c - read the streams that libhpprof_alloc.so writes
 * (format: common/allocproto.h): allocation events and CPU samples, as
 * hp_alloc_event records for the collector.
 *
 * Each stream file is found by scanning the stream directory and mapped
 * whole (header and ring). Records are read in order, each head loaded
 * with acquire, so the reader runs concurrently with the writers and
 * never takes a lock they wait on; what it consumed it zeroes and hands
 * back to the writers (`released`), and every poll refreshes the
 * heartbeat that keeps writers waiting for room rather than dropping. A
 * stream whose process is gone or exec'd is read to its end, reported
 * with END, unmapped and truncated; the END of a pre-exec image comes
 * before the BEGIN of the next one. A stream it cannot read on (damage,
 * TRUNC) it marks detached, so that its writers drop rather than wait.
 * No descriptor stays open.
 *
 * It does not symbolize, aggregate or order events across streams.
 */
#include "collector/allocstream.h"

#include "collector/allocdecode.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/clock.h"

#ifndef HP_ALLOC_LIBDIR
#define HP_ALLOC_LIBDIR "lib/hpprof"
#endif

#define SHIM_NAME "libhpprof_alloc.so"

enum { MAX_ENV = 10 };

#define IGNORED UINT64_MAX    /* hmap value of a stream file we will not read */

/* One stream file: one process image. */
struct astream {
	char *path;
	uint32_t pid, gen, ppid;
	struct hp_ap_header *hdr;         /* the whole file, mapped read-write */
	unsigned char *ring;              /* HP_AP_DATA_OFF after hdr */
	uint64_t ring_size, map_size;
	uint64_t off;                     /* logical offset of the next record */
	uint64_t released;                /* what we told the writers: zeroed below it */
	uint64_t t_last;                  /* time of the last event or of EXIT */
	uint32_t end_flags;               /* HP_ALLOC_END_* seen so far */
	int stopped;                      /* TRUNC or damage: no record follows */
	uint64_t stall_off, stall_ns;     /* held at an unpublished record since (stream_beat) */
	int ended;                        /* END delivered, mappings released */
	int dead_polls;                   /* polls that found its process ended unsaid */
	struct hp_apdecode dec;           /* what the records so far imply (allocdecode.h) */
};

struct hp_allocstream {
	char dir[PATH_MAX];
	char shim[PATH_MAX];
	char *env[MAX_ENV];
	struct astream **v;
	size_t nr, cap;
	struct hp_hmap known;             /* stream_key(pid, gen) -> index, or IGNORED */
	struct hp_hmap execs;             /* pid | 1 << 32 -> the time of its last exec */
	struct hp_allocstream_stats stats;
	int removed;                      /* the directory is gone */
	struct hp_alloc_event ev;         /* scratch for callbacks */
};

static uint64_t stream_key(uint32_t pid, uint32_t gen)
{
	return 1ull << 63 | (uint64_t)pid << 32 | gen;
}

/* ---- setup --------------------------------------------------------------- */

static int file_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

int allocstream_find_shim(char *out, size_t outlen)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -ENOENT;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	const char *rel[] = { "", "/../" HP_ALLOC_LIBDIR, "/../lib/hpprof", "/../lib64/hpprof" };
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(cand, sizeof(cand), "%s%s/" SHIM_NAME, exe, rel[i]);
		if (file_exists(cand) && realpath(cand, out) && strlen(out) < outlen)
			return 0;
	}
	return -ENOENT;
}

/* A fresh 0700 directory under base (or /dev/shm, $TMPDIR, /tmp). */
static int make_dir(char *out, size_t outlen, const char *base)
{
	const char *tmp = getenv("TMPDIR");
	const char *bases[] = { base, "/dev/shm", tmp && *tmp ? tmp : NULL, "/tmp" };
	int err = -ENOENT;
	for (size_t i = base ? 0 : 1; i < sizeof(bases) / sizeof(bases[0]); i++) {
		if (!bases[i])
			continue;
		snprintf(out, outlen, "%s/hpprof-alloc-%d-XXXXXX", bases[i], (int)getpid());
		if (mkdtemp(out))
			return 0;
		err = -errno;
		if (base)
			break;            /* the caller's choice or nothing */
	}
	return err;
}

static int env_add(struct hp_allocstream *s, int *n, const char *key, const char *val1,
		   const char *sep, const char *val2)
{
	char *e;
	if (asprintf(&e, "%s=%s%s%s", key, val1, sep, val2) < 0)
		return -ENOMEM;
	s->env[(*n)++] = e;
	return 0;
}

static int env_add_uint(struct hp_allocstream *s, int *n, const char *key, uint64_t v)
{
	char num[24];
	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	return v ? env_add(s, n, key, num, "", "") : 0;
}

static int build_env(struct hp_allocstream *s, const struct hp_allocstream_opts *o)
{
	const char *old = getenv("LD_PRELOAD");
	int n = 0, err;
	if ((err = env_add(s, &n, "LD_PRELOAD", s->shim, old && *old ? ":" : "", old ? old : "")) ||
	    (err = env_add(s, &n, HP_AP_ENV_DIR, s->dir, "", "")) ||
	    (err = env_add_uint(s, &n, HP_AP_ENV_SAMPLE, o->sample_bytes)) ||
	    (err = env_add_uint(s, &n, HP_AP_ENV_BUFSIZE, o->buf_mib)) ||
	    (err = env_add_uint(s, &n, HP_AP_ENV_SEED, o->seed)) ||
	    (err = env_add_uint(s, &n, HP_AP_ENV_HZ, o->sample_hz)) ||
	    (o->no_alloc && (err = env_add(s, &n, HP_AP_ENV_TRACK, "0", "", ""))) ||
	    (o->fault_period && o->sample_hz && !o->no_python &&
	     (err = env_add_uint(s, &n, HP_AP_ENV_FAULTS, o->fault_period))) ||
	    (o->no_python && o->sample_hz &&
	     (err = env_add(s, &n, HP_AP_ENV_PYTHON, "0", "", ""))))
		return err;
	s->env[n] = NULL;
	return 0;
}

static int find_shim(struct hp_allocstream *s, const struct hp_allocstream_opts *o)
{
	if (o->shim_path) {
		if (!file_exists(o->shim_path) || !realpath(o->shim_path, s->shim)) {
			hp_err("cannot use preload library '%s': %s", o->shim_path, strerror(ENOENT));
			return -ENOENT;
		}
	} else if (allocstream_find_shim(s->shim, sizeof(s->shim)) < 0) {
		hp_err("cannot find preload library '" SHIM_NAME "' next to the hpprof executable "
		       "or in '../" HP_ALLOC_LIBDIR "'");
		return -ENOENT;
	}
	if (strpbrk(s->shim, " :")) {
		hp_err("cannot preload '%s': LD_PRELOAD paths cannot hold ' ' or ':'",
		       s->shim);
		return -EINVAL;
	}
	return 0;
}

int allocstream_setup(struct hp_allocstream **out, const struct hp_allocstream_opts *opts)
{
	static const struct hp_allocstream_opts defaults;
	const struct hp_allocstream_opts *o = opts ? opts : &defaults;
	struct hp_allocstream *s = calloc(1, sizeof(*s));
	int err;
	if (!s)
		return -ENOMEM;
	hmap_init(&s->known);
	hmap_init(&s->execs);
	s->removed = 1;
	if ((err = find_shim(s, o)))
		goto fail;
	if ((err = make_dir(s->dir, sizeof(s->dir), o->base_dir))) {
		hp_err("cannot create the preload library's stream directory: %s", hp_strerror(err));
		goto fail;
	}
	s->removed = 0;
	if ((err = build_env(s, o)))
		goto fail;
	hp_debug(HP_DBG_MEM, 1, "alloc streams in '%s', shim '%s'", s->dir, s->shim);
	*out = s;
	return 0;
fail:
	allocstream_free(s);
	return err;
}

char **allocstream_env(const struct hp_allocstream *s)
{
	return (char **)s->env;
}

const char *allocstream_shim(const struct hp_allocstream *s)
{
	return s->shim;
}

const char *allocstream_dir(const struct hp_allocstream *s)
{
	return s->dir;
}

/* ---- discovering streams --------------------------------------------------- */

/* "<pid>.<gen>.ring" -> pid, gen; 0 when the name is not a stream. */
static int parse_name(const char *name, uint32_t *pid, uint32_t *gen)
{
	char tail[8];
	unsigned p, g;
	if (sscanf(name, "%u.%u.%7s", &p, &g, tail) != 3 || strcmp(tail, "ring"))
		return 0;
	*pid = p;
	*gen = g;
	return 1;
}

static int header_valid(const struct hp_ap_header *h, uint64_t file_size)
{
	uint64_t r = h->ring_size;
	return h->version == HP_AP_VERSION && h->data_off == HP_AP_DATA_OFF &&
	       r >= HP_AP_CHUNK && !(r & (r - 1)) && HP_AP_DATA_OFF + r == file_size;
}

/* Map a stream file whole. Returns 0, 1 when the writer has not published
 * its header yet (try later), or a negative code (never read it). */
static int map_stream(const char *path, struct hp_ap_header **out, uint64_t *size)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	struct stat sb;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || (uint64_t)sb.st_size <= HP_AP_DATA_OFF) {
		close(fd);
		return 1;
	}
	struct hp_ap_header *h = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (h == MAP_FAILED)
		return -errno;
	int rc = 0;
	if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != HP_AP_MAGIC)
		rc = 1;
	else if (!header_valid(h, (uint64_t)sb.st_size))
		rc = -HP_ECORRUPT;
	if (rc) {
		munmap(h, (size_t)sb.st_size);
		return rc;
	}
	*out = h;
	*size = (uint64_t)sb.st_size;
	return 0;
}

static int emit(struct hp_allocstream *s, hp_alloc_cb cb, void *ctx)
{
	return cb ? cb(ctx, &s->ev) : 0;
}

static void ev_reset(struct hp_allocstream *s, const struct astream *st, unsigned kind)
{
	struct hp_alloc_event *ev = &s->ev;
	ev->pid = st->pid;
	ev->tid = st->pid;
	ev->gen = st->gen;
	ev->kind = (uint8_t)kind;
	ev->func = HP_AF_NONE;
	ev->nr_pcs = 0;
	ev->flags = 0;
	ev->t_ns = ev->ptr = ev->size = ev->weight = ev->dropped = ev->sample_period = 0;
	ev->dropped_samples = 0;
	ev->writer_waits = ev->writer_wait_ns = 0;
	ev->ppid = ev->end_flags = ev->sample_hz = ev->stack_ref = 0;
	ev->exe = "";
	ev->nr_py = 0;
	ev->nr_kpcs = 0;
	ev->blob = NULL;
	ev->blob_len = 0;
	/* set by the agent before its first PYSAMPLE (release) */
	ev->py_state = st->hdr ? __atomic_load_n(&st->hdr->py_state, __ATOMIC_ACQUIRE) : 0;
	ev->py_version = st->hdr ? __atomic_load_n(&st->hdr->py_version, __ATOMIC_RELAXED) : 0;
	ev->py_eval_start = st->hdr ? __atomic_load_n(&st->hdr->py_eval_start, __ATOMIC_RELAXED) : 0;
	ev->py_eval_end = st->hdr ? __atomic_load_n(&st->hdr->py_eval_end, __ATOMIC_RELAXED) : 0;
}

static int stream_begin(struct hp_allocstream *s, struct astream *st, hp_alloc_cb cb, void *ctx)
{
	ev_reset(s, st, HP_ALLOC_BEGIN);
	s->ev.ppid = st->ppid;
	s->ev.t_ns = st->hdr->t_start_ns;
	s->ev.sample_period = st->hdr->sample_period;
	s->ev.sample_hz = st->hdr->sample_hz;
	s->ev.exe = st->hdr->exe;
	return emit(s, cb, ctx);
}

static int stream_drain(struct hp_allocstream *s, struct astream *st, int final,
			hp_alloc_cb cb, void *ctx);
static int stream_end(struct hp_allocstream *s, struct astream *st, int gone,
		      hp_alloc_cb cb, void *ctx);

/* A new image of pid (gen > 0) started: the previous one exec'd, so its
 * stream is complete. Read it to the end and report its END first, so
 * that its last events never come after the new image's BEGIN. */
static int end_previous(struct hp_allocstream *s, uint32_t pid, uint32_t gen,
			hp_alloc_cb cb, void *ctx)
{
	uint64_t i;
	if (!gen || !hmap_get(&s->known, stream_key(pid, gen - 1), &i) || i == IGNORED ||
	    s->v[i]->ended)
		return 0;
	int n = stream_drain(s, s->v[i], 1, cb, ctx);
	return n < 0 ? n : stream_end(s, s->v[i], 1, cb, ctx);
}

static int stream_add(struct hp_allocstream *s, const char *name, uint32_t pid, uint32_t gen,
		      hp_alloc_cb cb, void *ctx)
{
	char path[PATH_MAX + 256];
	struct hp_ap_header *h = NULL;
	uint64_t size = 0;
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	int rc = map_stream(path, &h, &size);
	if (rc)
		return rc < 0 ? hmap_put(&s->known, stream_key(pid, gen), IGNORED) : 0;
	if (hp_grow((void **)&s->v, &s->cap, s->nr + 1, sizeof(*s->v)))
		goto fail_nomem;
	struct astream *st = calloc(1, sizeof(*st));
	if (!st || !(st->path = strdup(path)) || hmap_put(&s->known, stream_key(pid, gen), s->nr)) {
		if (st)
			free(st->path);
		free(st);
		goto fail_nomem;
	}
	st->pid = pid;
	st->gen = gen;
	st->ppid = h->ppid;
	st->hdr = h;
	st->ring = (unsigned char *)h + HP_AP_DATA_OFF;
	st->ring_size = h->ring_size;
	st->map_size = size;
	st->off = st->released = __atomic_load_n(&h->released, __ATOMIC_ACQUIRE);
	st->t_last = h->t_start_ns;
	apdecode_init(&st->dec, h->t_start_ns);
	s->v[s->nr++] = st;
	s->stats.streams++;
	hp_debug(HP_DBG_MEM, 1, "alloc stream of pid %u gen %u ('%s')", pid, gen, h->exe);
	int err = end_previous(s, pid, gen, cb, ctx);
	return err ? err : stream_begin(s, st, cb, ctx);
fail_nomem:
	munmap(h, size);
	return -ENOMEM;
}

/* A stream file not opened yet. */
struct found {
	uint32_t pid, gen;
	char name[32];
};

static int cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->gen < y->gen ? -1 : x->gen > y->gen;
}

/* The stream files that are not known yet, in (pid, gen) order, so that
 * the images of one pid start in exec order. *out is malloc'ed. */
static int list_new(struct hp_allocstream *s, struct found **out, size_t *count)
{
	DIR *d = opendir(s->dir);
	struct found *v = NULL;
	size_t n = 0, cap = 0;
	if (!d)
		return -errno;
	for (struct dirent *e; (e = readdir(d));) {
		uint32_t pid, gen;
		uint64_t val;
		if (!parse_name(e->d_name, &pid, &gen) || strlen(e->d_name) >= sizeof(v->name) ||
		    hmap_get(&s->known, stream_key(pid, gen), &val))
			continue;
		if (hp_grow((void **)&v, &cap, n + 1, sizeof(*v))) {
			free(v);
			closedir(d);
			return -ENOMEM;
		}
		v[n].pid = pid;
		v[n].gen = gen;
		memcpy(v[n].name, e->d_name, strlen(e->d_name) + 1);   /* length checked above */
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_found);   /* qsort(NULL, 0) is undefined */
	*out = v;
	*count = n;
	return 0;
}

/* Open every stream file that appeared since the last scan. */
static int scan_dir(struct hp_allocstream *s, hp_alloc_cb cb, void *ctx)
{
	struct found *v = NULL;
	size_t n = 0;
	int err = list_new(s, &v, &n);
	for (size_t i = 0; !err && i < n; i++)
		err = stream_add(s, v[i].name, v[i].pid, v[i].gen, cb, ctx);
	free(v);
	return err;
}

/* ---- reading records ------------------------------------------------------- */

/* Zero what was consumed since the last call and hand it to the writers. */
static void stream_release(struct astream *st)
{
	uint64_t from = st->released, mask = st->ring_size - 1;
	while (from < st->off) {
		uint64_t at = from & mask, n = st->off - from;
		if (n > st->ring_size - at)
			n = st->ring_size - at;
		memset(st->ring + at, 0, n);
		from += n;
	}
	st->released = st->off;
	__atomic_store_n(&st->hdr->released, st->released, __ATOMIC_RELEASE);
}

/* No record of st will be read again (damage, TRUNC). Its writers are
 * told to drop rather than wait for room: this reader will release none,
 * yet its heartbeat stays fresh, so a writer that found the ring full
 * would wait for ever (test_alloc's test_stopped_stream). */
static void stream_stop(struct astream *st)
{
	st->stopped = 1;
	__atomic_fetch_or(&st->hdr->flags, HP_AP_F_DETACHED, __ATOMIC_RELEASE);
}

/* The record at st->off cannot be read: when the writer is gone, skip a
 * reserved record of known length, else give up on the rest. Returns 1
 * when reading may go on. */
static int stream_damaged(struct hp_allocstream *s, struct astream *st, uint32_t head,
			  uint64_t limit, int final)
{
	uint32_t len = HP_AP_HEAD_LEN(head);
	if (HP_AP_HEAD_TAG(head) != HP_AP_TAG_COMMIT && !final)
		return 0;                 /* still being written */
	st->end_flags |= HP_ALLOC_END_LOST;
	if (HP_AP_HEAD_TAG(head) == HP_AP_TAG_RESERVED && len >= HP_AP_ALIGN &&
	    !(len & (HP_AP_ALIGN - 1)) && len <= HP_AP_MAX_REC && st->off + len <= limit) {
		s->stats.lost_bytes += len;
		st->off += len;
		return 1;
	}
	s->stats.lost_bytes += limit - st->off;
	stream_stop(st);
	return 0;
}

/* Handle one committed record; returns <0 to stop with an error. */
static int stream_record(struct hp_allocstream *s, struct astream *st, const unsigned char *rec,
			 uint32_t len, uint32_t head, hp_alloc_cb cb, void *ctx, int *delivered)
{
	unsigned type = HP_AP_HEAD_TYPE(head);
	if (type == HP_AP_TRUNC) {
		st->end_flags |= HP_ALLOC_END_FULL;
		stream_stop(st);
		return 0;
	}
	ev_reset(s, st, HP_ALLOC_FREE);
	int rc = apdecode_record(&st->dec, rec, len, head, &s->ev);
	if (rc <= 0)
		return rc;
	if (s->ev.t_ns > st->t_last)
		st->t_last = s->ev.t_ns;
	if (type == HP_AP_EXIT) {
		st->end_flags |= HP_ALLOC_END_EXITED;
		return 0;
	}
	if (s->ev.kind == HP_ALLOC_ALLOC) {
		s->stats.allocs++;
	} else if (s->ev.kind == HP_ALLOC_SAMPLE) {
		s->stats.samples++;
		s->stats.sample_periods += s->ev.weight;
	} else if (s->ev.kind == HP_ALLOC_PYCODE) {
		/* not an allocation event */
	} else {
		s->stats.frees++;
	}
	(*delivered)++;
	return emit(s, cb, ctx);
}

/* Bytes of the record at st->off that may be looked at: to the limit, to
 * the end of the lap, at most one record. */
static uint64_t stream_avail(const struct astream *st, uint64_t limit)
{
	uint64_t n = limit - st->off, lap = st->ring_size - (st->off & (st->ring_size - 1));
	n = n < lap ? n : lap;
	return n < HP_AP_MAX_REC ? n : HP_AP_MAX_REC;
}

/* The reader's heartbeat, unless it has been held for HP_AP_READER_TIMEOUT_NS
 * at one record that a live writer reserved and has not published: a
 * thread that left a hook between the two (a longjmp out of an
 * allocation) never will. The other writers would wait for room beside a
 * reader that cannot release any, for ever (the program hangs once the
 * ring fills); without the beat they drop events after their timeout,
 * counted (dropped_events), and wait again once the record is published
 * and the reader goes on. */
static void stream_beat(struct astream *st, uint64_t now)
{
	if (st->stall_ns && now - st->stall_ns >= HP_AP_READER_TIMEOUT_NS)
		return;
	__atomic_store_n(&st->hdr->reader_ns, now, __ATOMIC_RELAXED);
}

/* After a drain: held at st->off, below the writers' cursor (limit), since
 * the first drain that stopped there. */
static void stream_note_stall(struct astream *st, uint64_t limit, uint64_t now)
{
	if (st->stopped || st->off + HP_AP_ALIGN > limit) {
		st->stall_ns = 0;
	} else if (!st->stall_ns || st->stall_off != st->off) {
		st->stall_off = st->off;
		st->stall_ns = now;
	}
}

/* Deliver the committed records of one stream. final: the writer is gone,
 * so an unfinished record will never be finished. Returns the number of
 * events delivered or a negative code. */
static int stream_drain(struct hp_allocstream *s, struct astream *st, int final,
			hp_alloc_cb cb, void *ctx)
{
	struct hp_ap_header *h = st->hdr;
	uint64_t now = hp_now_ns(), off0 = st->off;
	stream_beat(st, now);
	uint64_t limit = __atomic_load_n(&h->cursor, __ATOMIC_ACQUIRE);
	uint64_t backed = __atomic_load_n(&h->backed, __ATOMIC_ACQUIRE);
	if (backed < st->ring_size && limit > backed)
		limit = backed;            /* the first lap ended early: /dev/shm full */
	int delivered = 0, err = 0;
	unsigned records = 0;
	while (!st->stopped && st->off + HP_AP_ALIGN <= limit) {
		uint64_t avail = stream_avail(st, limit);
		const unsigned char *rec = st->ring + (st->off & (st->ring_size - 1));
		uint32_t head = __atomic_load_n((const uint32_t *)rec, __ATOMIC_ACQUIRE);
		uint32_t len = HP_AP_HEAD_LEN(head);
		if (HP_AP_HEAD_TAG(head) != HP_AP_TAG_COMMIT || len < HP_AP_ALIGN ||
		    (len & (HP_AP_ALIGN - 1)) || len > avail) {
			if (stream_damaged(s, st, head, limit, final))
				continue;
			break;
		}
		err = stream_record(s, st, rec, len, head, cb, ctx, &delivered);
		if (err == -HP_ECORRUPT) {
			st->end_flags |= HP_ALLOC_END_LOST;
			s->stats.lost_bytes += limit - st->off;
			stream_stop(st);
			err = 0;
			break;
		}
		st->off += len;
		if (err)
			break;
		/* A drain of a full ring can outlast HP_AP_READER_TIMEOUT_NS (a
		 * loaded machine, a slow callback): hand the room back and show
		 * we are alive as we go, or the writers waiting for room take us
		 * for gone and drop events. */
		if (++records % 1024 == 0) {
			stream_release(st);
			__atomic_store_n(&h->reader_ns, hp_now_ns(), __ATOMIC_RELAXED);
		}
	}
	stream_release(st);
	if (st->off != off0 && st->stall_ns) {      /* published at last: alive again */
		st->stall_ns = 0;
		stream_beat(st, hp_now_ns());          /* not the drain's start: the loop beat since */
	}
	stream_note_stall(st, limit, now);
	return err ? err : delivered;
}

/* st's image was replaced: a stream of the pid's next image exists, or
 * perf saw the pid exec after the stream was made (allocstream_note_exec:
 * an image the preload library did not reach has no stream). */
static int stream_replaced(struct hp_allocstream *s, const struct astream *st)
{
	uint64_t v;
	if (hmap_get(&s->known, stream_key(st->pid, st->gen + 1), &v))
		return 1;
	return hmap_get(&s->execs, (uint64_t)st->pid | 1ull << 32, &v) && v >= st->hdr->t_start_ns;
}

int allocstream_note_exec(struct hp_allocstream *s, uint32_t pid, uint64_t t_ns)
{
	return hmap_put(&s->execs, (uint64_t)pid | 1ull << 32, t_ns);
}

/* Report the end of a stream and release it. When its writer is gone the
 * file is emptied but kept, so that a later process with the same pid
 * takes the next gen; else the writer is told to stop waiting for us (the
 * file must stay whole: it is still mapped there). */
static int stream_end(struct hp_allocstream *s, struct astream *st, int gone,
		      hp_alloc_cb cb, void *ctx)
{
	if (stream_replaced(s, st))
		st->end_flags |= HP_ALLOC_END_EXECED;
	if (__atomic_load_n(&st->hdr->flags, __ATOMIC_ACQUIRE) & HP_AP_F_EXITED)
		st->end_flags |= HP_ALLOC_END_EXITED;
	ev_reset(s, st, HP_ALLOC_END);
	s->ev.t_ns = st->t_last;
	if (__atomic_load_n(&st->hdr->flags, __ATOMIC_ACQUIRE) & HP_AP_F_ASIDE) {
		st->end_flags |= HP_ALLOC_END_ASIDE;
		s->stats.aside++;
	}
	s->ev.dropped = __atomic_load_n(&st->hdr->dropped_events, __ATOMIC_RELAXED);
	s->ev.vm_hwm = __atomic_load_n(&st->hdr->vm_hwm, __ATOMIC_RELAXED);
	s->ev.window_max = __atomic_load_n(&st->hdr->window_max, __ATOMIC_RELAXED);
	s->ev.table_bytes = __atomic_load_n(&st->hdr->table_bytes, __ATOMIC_RELAXED);
	s->ev.writer_waits = __atomic_load_n(&st->hdr->writer_waits, __ATOMIC_RELAXED);
	s->ev.writer_wait_ns = __atomic_load_n(&st->hdr->writer_wait_ns, __ATOMIC_RELAXED);
	s->stats.writer_waits += s->ev.writer_waits;
	s->stats.writer_wait_ns += s->ev.writer_wait_ns;
	s->stats.record_bytes += st->dec.bytes;
	s->stats.record_events += st->dec.events;
	if (s->ev.window_max > s->stats.window_max)
		s->stats.window_max = s->ev.window_max;
	if (s->ev.table_bytes > s->stats.table_bytes)
		s->stats.table_bytes = s->ev.table_bytes;
	s->ev.dropped_samples = __atomic_load_n(&st->hdr->dropped_samples, __ATOMIC_RELAXED);
	if (s->ev.dropped)
		st->end_flags |= HP_ALLOC_END_FULL;
	s->ev.end_flags = st->end_flags;
	s->stats.dropped += s->ev.dropped;
	s->stats.dropped_samples += s->ev.dropped_samples;
	if (!(st->end_flags & (HP_ALLOC_END_EXITED | HP_ALLOC_END_EXECED)))
		s->stats.incomplete++;
	hp_debug(HP_DBG_MEM, 1, "alloc stream of pid %u gen %u ends: flags %#x, %llu dropped",
		 st->pid, st->gen, st->end_flags, (unsigned long long)s->ev.dropped);
	if (!gone)
		__atomic_fetch_or(&st->hdr->flags, HP_AP_F_DETACHED, __ATOMIC_RELEASE);
	munmap(st->hdr, st->map_size);
	apdecode_release(&st->dec);
	st->hdr = NULL;
	st->ring = NULL;
	st->ended = 1;
	if (gone && truncate(st->path, 0) < 0)
		hp_debug(HP_DBG_MEM, 1, "cannot truncate '%s': %s", st->path, strerror(errno));
	return emit(s, cb, ctx);
}

/* Whether the writer of st can write no more: exec'd or exited. */
static int stream_writer_gone(struct hp_allocstream *s, const struct astream *st)
{
	return stream_replaced(s, st) || (kill((pid_t)st->pid, 0) < 0 && errno == ESRCH);
}

/* During the run, a process found ended without the shim's EXITED is
 * gone at the next poll: an exec into an image without the library, then
 * an exit, between the session's read of perf's records (the exec) and
 * this poll was called a kill (CI run 160, e2e_memory_ends' env -i). */
static int stream_writer_done(struct hp_allocstream *s, struct astream *st)
{
	return stream_writer_gone(s, st) &&
	       (stream_replaced(s, st) || st->dead_polls++ > 0 ||
		(__atomic_load_n(&st->hdr->flags, __ATOMIC_ACQUIRE) & HP_AP_F_EXITED));
}

int allocstream_poll(struct hp_allocstream *s, hp_alloc_cb cb, void *ctx)
{
	int total = 0, n = scan_dir(s, cb, ctx);
	if (n < 0)
		return n;
	for (size_t i = 0; i < s->nr; i++) {
		struct astream *st = s->v[i];
		if (st->ended)
			continue;
		int gone = stream_writer_done(s, st);
		if ((n = stream_drain(s, st, gone, cb, ctx)) < 0)
			return n;
		total += n;
		if (gone && (n = stream_end(s, st, 1, cb, ctx)) < 0)
			return n;
	}
	return total;
}

/* ---- the end ---------------------------------------------------------------- */

static void remove_dir(struct hp_allocstream *s)
{
	if (s->removed)
		return;
	DIR *d = opendir(s->dir);
	if (d) {
		char path[PATH_MAX + 256];
		for (struct dirent *e; (e = readdir(d));) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof(path), "%s/%s", s->dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	if (rmdir(s->dir) < 0)
		hp_warn("cannot remove stream directory '%s': %s", s->dir, strerror(errno));
	s->removed = 1;
}

static void report(const struct hp_allocstream *s)
{
	const struct hp_allocstream_stats *t = &s->stats;
	if (t->dropped)
		hp_warn("allocation tracking dropped %llu events: the reader fell behind "
			"or /dev/shm is full", (unsigned long long)t->dropped);
	if (t->lost_bytes)
		hp_warn("lost %llu bytes of preload library records cut off at process exit",
			(unsigned long long)t->lost_bytes);
	hp_debug(HP_DBG_MEM, 1, "alloc streams: %u (%u incomplete), %llu allocs, %llu frees, "
		 "%llu samples (%llu dropped)", t->streams, t->incomplete,
		 (unsigned long long)t->allocs, (unsigned long long)t->frees,
		 (unsigned long long)t->samples, (unsigned long long)t->dropped_samples);
}

int allocstream_finish(struct hp_allocstream *s, hp_alloc_cb cb, void *ctx,
		       struct hp_allocstream_stats *stats)
{
	int err = s->removed ? 0 : scan_dir(s, cb, ctx);
	for (size_t i = 0; !err && i < s->nr; i++) {
		struct astream *st = s->v[i];
		if (st->ended)
			continue;
		int gone = stream_writer_gone(s, st);
		int n = stream_drain(s, st, 1, cb, ctx);
		err = n < 0 ? n : stream_end(s, st, gone, cb, ctx);
	}
	remove_dir(s);
	report(s);
	if (stats)
		*stats = s->stats;
	return err;
}

void allocstream_free(struct hp_allocstream *s)
{
	if (!s)
		return;
	remove_dir(s);
	for (size_t i = 0; i < s->nr; i++) {
		struct astream *st = s->v[i];
		if (st->hdr) {         /* never finished: let its writer stop waiting for us */
			__atomic_fetch_or(&st->hdr->flags, HP_AP_F_DETACHED, __ATOMIC_RELEASE);
			munmap(st->hdr, st->map_size);
		}
		apdecode_release(&st->dec);
		free(st->path);
		free(st);
	}
	free(s->v);
	for (int i = 0; s->env[i]; i++)
		free(s->env[i]);
	hmap_release(&s->known);
	hmap_release(&s->execs);
	free(s);
}
