/*
 * store_file.c - the database file (store.h): creating it complete or not
 * at all, opening it as untrusted input, the WAL that keeps it readable
 * after any death of the writer, and closing it as one file again.
 *
 * Writers use WAL with synchronous = NORMAL (docs/reliability.md says why
 * and what it costs); a finished file is switched back to a rollback
 * journal at close, so at rest a profile is one file. Readers refuse what
 * is not a regular file (a FIFO blocks, a device streams forever), check
 * the identity and that the tables they read are tables, and cap the size
 * of any value (STORE_MAX_VALUE). A reader that may not write a file left
 * by a killed writer (a WAL without its index, a hot rollback journal)
 * reads it all the same (read_only_fallback).
 */
#include "common/store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/error.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/outfile.h"
#include "common/store_internal.h"

/* Connection settings of a store opened for writing. WAL: a reader opens
 * the file while it is written, and after hpprof is killed (even with
 * SIGKILL) every reader, read-only ones included, sees the last commit:
 * no hot rollback journal that only a writer may recover. synchronous =
 * NORMAL syncs at checkpoints only; a process death loses no commit (the
 * WAL is in the page cache), a power loss may lose the last ones but never
 * the file's consistency (docs/reliability.md, with the measured cost). */
static int writer_pragmas(struct hp_store *st)
{
	return store_exec_sql(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
			      " PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;");
}

/* Limits of every connection: a value (text or blob) larger than
 * STORE_MAX_VALUE is refused by SQLite as too big, which the readers report
 * as a damaged profile instead of allocating it. */
static void set_limits(struct hp_store *st)
{
	sqlite3_limit(st->db, SQLITE_LIMIT_LENGTH, STORE_MAX_VALUE);
	sqlite3_busy_timeout(st->db, 2000);
}

/* The empty database of schema.sql, made at build time by
 * common/gen/schema_image.c (the pages without their trailing zeros):
 * 4 KiB pages, application_id and user_version set, in WAL mode. WAL is
 * set before the file has its name, so the writer never switches modes in
 * the named file (a switch killed half-way would leave a hot rollback
 * journal there). SQLite executing the schema in every run cost ~3.5 ms
 * of CPU and eight fdatasync calls; the image is written by plain writes,
 * whole pages (a full disk fails here, not later), no sync: the file has
 * no name yet, a crash leaves only a temporary to remove. */
extern const unsigned char hp_schema_image[];
extern const uint16_t hp_schema_image_len[];
extern const unsigned hp_schema_image_pages;
extern const size_t hp_schema_image_page_size;

/* Pages first..n of the image, one at a time (a short write is retried
 * page by page, so that a full disk fails with its own errno). */
static int write_schema_pages(int fd, unsigned first)
{
	unsigned char page[8192];
	const unsigned char *p = hp_schema_image;
	size_t size = hp_schema_image_page_size;
	for (unsigned i = 0; i < hp_schema_image_pages; p += hp_schema_image_len[i], i++) {
		if (i < first)
			continue;
		memset(page, 0, size);
		memcpy(page, p, hp_schema_image_len[i]);
		if (pwrite(fd, page, size, (off_t)i * (off_t)size) != (ssize_t)size)
			return errno ? -errno : -EIO;
	}
	return 0;
}

/* The image in one pwritev: each page its bytes, then zeros to its end
 * (32 pwrite calls a run before wave 17, each with its own copy). */
#define SCHEMA_IOV_PAGES 128
static int write_schema(int fd)
{
	static const unsigned char zeros[8192];
	struct iovec iov[2 * SCHEMA_IOV_PAGES];
	const unsigned char *p = hp_schema_image;
	size_t size = hp_schema_image_page_size;
	int n = 0;
	if (size > sizeof(zeros))
		return -EINVAL;
	if (hp_schema_image_pages > SCHEMA_IOV_PAGES)
		return write_schema_pages(fd, 0);
	for (unsigned i = 0; i < hp_schema_image_pages; p += hp_schema_image_len[i], i++) {
		iov[n++] = (struct iovec){ (void *)p, hp_schema_image_len[i] };
		if (hp_schema_image_len[i] < size)
			iov[n++] = (struct iovec){ (void *)zeros, size - hp_schema_image_len[i] };
	}
	ssize_t done = pwritev(fd, iov, n, 0);
	if (done == (ssize_t)(hp_schema_image_pages * size))
		return 0;
	if (done < 0)
		return errno ? -errno : -EIO;
	return write_schema_pages(fd, (unsigned)((size_t)done / size));
}

void store_unlink(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char buf[2 * PATH_MAX];
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", path, suffix[i]);
		unlink(buf);
	}
}

/* A database file, its -wal or its -journal exists at path: creating
 * beside a stray -wal or -journal would let SQLite replay it into the new
 * file. */
static int exists_with_journals(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-journal" };
	char buf[PATH_MAX + 16];
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s", path, suffix[i]);
		if (!access(buf, F_OK))
			return i ? hp_error_detail(-EEXIST, "'%s' exists (left by a killed"
						   " process?)", buf) : -EEXIST;
	}
	return 0;
}

/* The writer lock's command on fd for len bytes from byte start (a run's:
 * byte 0; a reader finishing a file: bytes 0 and 1; store_write_locked). */
static int writer_lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };
	if (fcntl(fd, cmd, &fl) < 0)
		return -errno;
	return cmd == F_OFD_GETLK ? fl.l_type != F_UNLCK : 0;
}

int store_write_locked(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int held = writer_lock(fd, F_OFD_GETLK, F_WRLCK, 0, 1) > 0;
	if (held && writer_lock(fd, F_OFD_GETLK, F_WRLCK, 1, 1) > 0)
		held = STORE_LOCK_FINISHING;
	close(fd);
	return held;
}

int store_lock_writer(const char *path)
{
	int fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err;
	while ((err = writer_lock(fd, F_OFD_SETLKW, F_WRLCK, 0, 2)) == -EINTR)
		;
	if (err)
		hp_debug(HP_DBG_STORE, 1, "no writer lock on '%s': %s", path, strerror(-err));
	return fd;
}

void store_keep_fd(struct hp_store *st, int fd)
{
	if (fd < 0)
		return;
	if (!st)
		close(fd);                  /* no store: no connection of ours either */
	else if (!st->lock_fd1)
		st->lock_fd1 = fd + 1;
	/* else a second one, a caller's error: left open until hpprof exits */
}

int store_create_file(const char *path)
{
	char tmp[PATH_MAX];
	int err, fd;

	/* The file appears complete (schema, identity) or not at all: the
	 * schema is written to a temporary file beside it, which is renamed
	 * into place without replacing anything (outfile.h), locked from the
	 * start (store_write_locked). */
	if ((err = exists_with_journals(path)))
		return err;
	if ((fd = outfile_temp(path, tmp, sizeof(tmp))) < 0)
		return fd;
	/* best effort: a file system without such locks (some FUSE and 9p
	 * mounts) still gets its profile, unguarded */
	if ((err = writer_lock(fd, F_OFD_SETLK, F_WRLCK, 0, 1)))
		hp_debug(HP_DBG_STORE, 1, "no writer lock on '%s': %s", path, strerror(-err));
	errno = 0;
	err = write_schema(fd);
	if (err || (err = outfile_rename(tmp, path, 0))) {
		store_unlink(tmp);
		close(fd);
		return err;
	}
	return fd;
}

int store_open_created(const char *path, int lock_fd, struct hp_store **out)
{
	struct hp_store *st = calloc(1, sizeof(*st));
	int err;

	if (!st) {
		err = -ENOMEM;
		goto fail;
	}
	st->lock_fd1 = lock_fd + 1;
	st->writable = 1;
	/* the file made and locked, not one another run put there since */
	struct stat made, now;
	if (fstat(lock_fd, &made) || stat(path, &now) || made.st_dev != now.st_dev ||
	    made.st_ino != now.st_ino) {
		err = hp_error_detail(-EEXIST, "another run replaced it since it was made");
		free(st);
		close(lock_fd);
		return err;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		err = store_sql_err(st, "open");
		goto fail;
	}
	set_limits(st);
	/* Its first commit without syncs: they would be the new WAL's header
	 * and its directory entry (two fdatasync calls before the program
	 * starts, 2-15 ms of wall time here). A new WAL holds no frames of an
	 * earlier generation that an unsynced header could let SQLite replay,
	 * and nothing of the file itself is synced before its first
	 * checkpoint either way: a power loss before it leaves a consistent
	 * file or none, as before. The first checkpoint (synchronous =
	 * NORMAL from the second commit on) syncs the WAL, its directory
	 * and the file. */
	if ((err = writer_pragmas(st)) || (err = store_exec_sql(st, "PRAGMA synchronous = OFF")))
		goto fail;
	st->unsynced_start = 1;
	/* Its interning tables are empty: nothing to load (five statements
	 * prepared and run on empty tables at the first sample, ~0.3 ms). */
	st->interning_loaded = 1;
	*out = st;
	return 0;
fail:
	if (st && st->db)
		sqlite3_close_v2(st->db);
	free(st);
	store_unlink(path);
	close(lock_fd);
	return err;
}

int store_create(const char *path, struct hp_store **out)
{
	int fd = store_create_file(path);
	return fd < 0 ? fd : store_open_created(path, fd, out);
}

static int pragma_int(struct hp_store *st, const char *sql, int64_t *v)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_sql_err(st, sql);
	int rc = sqlite3_step(s);
	*v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_sql_err(st, sql);
}

/* The tables readers read must be tables: a view in their place is SQL
 * of the file's author, run by every reader (a recursive one never ends). */
static const char *const read_tables[] = {
	"meta", "events", "processes", "threads", "modules", "locations", "stack_nodes",
	"samples", "functions", "files", "location_frames", "memory",
};

static int check_tables(struct hp_store *st)
{
	for (size_t i = 0; i < sizeof(read_tables) / sizeof(read_tables[0]); i++) {
		sqlite3_stmt *s;
		const char *type = NULL;
		if (sqlite3_prepare_v2(st->db, "SELECT type FROM sqlite_master WHERE name = ?1",
				       -1, &s, NULL) != SQLITE_OK)
			return store_sql_err(st, "sqlite_master");
		sqlite3_bind_text(s, 1, read_tables[i], -1, SQLITE_STATIC);
		int rc = sqlite3_step(s);
		if (rc == SQLITE_ROW)
			type = store_col_text(s, 0);
		int bad = rc == SQLITE_DONE ? 1 : rc != SQLITE_ROW ? 2
			  : !type || strcmp(type, "table") ? 3 : 0;
		char what[32];
		snprintf(what, sizeof(what), "%s", type ? type : "NULL");
		sqlite3_finalize(s);
		if (bad == 2)
			return store_sql_err(st, "sqlite_master");
		if (bad == 1)
			return hp_damaged("it has no table '%s'", read_tables[i]);
		if (bad == 3)
			return hp_damaged("'%s' is a %s, not a table", read_tables[i], what);
	}
	return 0;
}

static int check_identity(struct hp_store *st)
{
	int64_t app, ver;
	int err = pragma_int(st, "PRAGMA application_id", &app);
	if (err)
		return err;
	if (app != HP_STORE_APPLICATION_ID)
		return -HP_ENOTDB;
	if ((err = pragma_int(st, "PRAGMA user_version", &ver)))
		return err;
	if (ver > HP_STORE_VERSION)
		return -HP_ENEWER;
	if (ver < 1)
		return hp_damaged("its schema version is %lld", (long long)ver);
	return check_tables(st);
}

/* Files written before functions.raw_name: add the column when writable
 * (it is NULL for their functions), else read NULL in its place. */
static int upgrade_functions(struct hp_store *st)
{
	int64_t has = 0;
	int err = store_each_row(st, "SELECT COUNT(*) FROM pragma_table_info('functions')"
			   " WHERE name = 'raw_name'", store_int_row, &has);
	if (err || has)
		return err;
	if (!st->writable) {
		st->no_raw_name = 1;
		return 0;
	}
	return store_exec_sql(st, "ALTER TABLE functions ADD COLUMN raw_name TEXT");
}

/* A file in WAL mode whose writer is gone (a killed run) keeps its -wal
 * and -shm beside it. Readers read it as it is (SQLite reads the WAL);
 * settling merges it into the file so the file is one file again. Never
 * waits: while a writer has it open the switch fails at once and nothing
 * changes. */
int store_settle_file(const char *path)
{
	char wal[PATH_MAX + 8];
	struct hp_store st = { 0 };
	struct stat sb;
	int64_t app = 0;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (access(wal, F_OK))
		return 0;
	if (stat(path, &sb) || !S_ISREG(sb.st_mode) || access(wal, W_OK) || access(path, W_OK))
		return -EBUSY;
	if (sqlite3_open_v2(path, &st.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) ==
	    SQLITE_OK) {
		sqlite3_busy_timeout(st.db, 0);
		/* only hpprof's own files are changed */
		if (!pragma_int(&st, "PRAGMA application_id", &app) && app == HP_STORE_APPLICATION_ID)
			sqlite3_exec(st.db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	}
	sqlite3_close_v2(st.db);
	return access(wal, F_OK) ? 0 : -EBUSY;
}

/* Big-endian 32-bit field of a SQLite header. */
static uint32_t header_u32(const unsigned char *h)
{
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

int store_identify(const char *path)
{
	unsigned char hdr[100];
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	int err = fstat(fd, &sb) < 0 ? -errno : S_ISDIR(sb.st_mode) ? -EISDIR
		  : !S_ISREG(sb.st_mode) ? -HP_ENOTREG : 0;
	if (err) {
		close(fd);
		return err;
	}
	ssize_t n = pread(fd, hdr, sizeof(hdr), 0);
	close(fd);
	/* application_id at 68 and user_version at 60 (sqlite.org/fileformat.html);
	 * hpprof writes both before the file has its name, in the file itself */
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr, "SQLite format 3", 16) ||
	    header_u32(hdr + 68) != HP_STORE_APPLICATION_ID)
		return -HP_ENOTDB;
	uint32_t ver = header_u32(hdr + 60);
	if (ver > HP_STORE_VERSION && ver < 0x80000000u)
		return -HP_ENEWER;
	if (ver < 1 || ver > HP_STORE_VERSION)
		return hp_damaged("its schema version is %d", (int)ver);
	return 0;
}

/* Open path (a file name or a file: URI) and check it is an hpprof file. */
static int open_connection(struct hp_store *st, const char *name, int flags)
{
	int err;
	if (sqlite3_open_v2(name, &st->db, SQLITE_OPEN_NOMUTEX | flags, NULL) != SQLITE_OK)
		return store_sql_err(st, "open");
	set_limits(st);
	/* SQLite opens a file it may not write read-only, silently */
	if ((flags & SQLITE_OPEN_READWRITE) && sqlite3_db_readonly(st->db, "main") == 1)
		return -EACCES;
	if ((err = check_identity(st)))
		return err;
	return 0;
}

/* --- a reader that may not write a file a killed run left in WAL mode ---
 *
 * SQLite reads a WAL through its index (-shm), which a reader must be able
 * to create or map; a reader that may not write beside the file cannot
 * when the writer died before making it. The file is then read without
 * its index: as immutable when the WAL holds no frames (everything
 * committed is in the file), else from a private copy of the file and its
 * WAL in $TMPDIR, where SQLite rebuilds the index. Nothing beside the
 * file is changed, and every commit is seen. */

static int wal_mode_file(const char *path)
{
	unsigned char hdr[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok = 0;
	if (fd >= 0) {
		ok = read(fd, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr) && hdr[18] == 2 &&
		     hdr[19] == 2;
		close(fd);
	}
	return ok;
}

static int copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	ssize_t n = 0;
	int err = 0, in = open(from, O_RDONLY | O_CLOEXEC);
	int out = in < 0 ? -1 : open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (in < 0 || out < 0)
		err = -errno;
	while (!err && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			err = -(errno ? errno : EIO);
	if (!err && n < 0)
		err = -errno;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) && !err)
		err = -errno;
	return err;
}

/* "file:PATH?immutable=1" with PATH percent-encoded. */
static void immutable_uri(char *uri, size_t len, const char *path)
{
	size_t n = (size_t)snprintf(uri, len, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p && n + 4 < len; p++)
		n += (size_t)(isalnum(*p) || strchr("/-._~", *p)
			      ? snprintf(uri + n, len - n, "%c", *p)
			      : snprintf(uri + n, len - n, "%%%02X", *p));
	snprintf(uri + n, len - n, "?immutable=1");
}

/* Size of path + suffix, -1 when it does not exist. */
static long long file_size(const char *path, const char *suffix)
{
	char buf[PATH_MAX + 16];
	struct stat sb;
	snprintf(buf, sizeof(buf), "%s%s", path, suffix);
	return stat(buf, &sb) < 0 ? -1 : (long long)sb.st_size;
}

/* Copy path + suffix into the private directory, as profile.db + suffix,
 * when it exists. */
static int copy_part(const char *path, const char *dir, const char *suffix)
{
	char from[PATH_MAX + 16], to[PATH_MAX + 48];
	snprintf(from, sizeof(from), "%s%s", path, suffix);
	snprintf(to, sizeof(to), "%s/profile.db%s", dir, suffix);
	return access(from, F_OK) ? 0 : copy_file(from, to);
}

/* A reader that may not write what a killed writer left beside the file:
 * the WAL index it cannot create, or a hot rollback journal (a file
 * written by an older hpprof, or killed while switching modes) it may not
 * roll back. */
static int left_by_a_writer(const char *path)
{
	return wal_mode_file(path) || file_size(path, "-journal") > 0;
}

static int read_only_fallback(const char *path, struct hp_store *st)
{
	char copy[PATH_MAX + 32], uri[3 * PATH_MAX + 64];
	const char *tmpdir = getenv("TMPDIR");
	int err;
	if (file_size(path, "-journal") <= 0 && file_size(path, "-wal") <= 32) {
		immutable_uri(uri, sizeof(uri), path);   /* everything is in the file */
		return open_connection(st, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
	}
	snprintf(st->private_dir, sizeof(st->private_dir), "%s/hpprof-read.XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(st->private_dir)) {
		err = -errno;
		st->private_dir[0] = '\0';
		return err;
	}
	if ((err = copy_part(path, st->private_dir, "")) ||
	    (err = copy_part(path, st->private_dir, "-wal")) ||
	    (err = copy_part(path, st->private_dir, "-journal")))
		return err;
	hp_info("'%s' was left unfinished by a process that died while writing it, and this"
		" user may not write beside it: reading a private copy in '%s'", path,
		st->private_dir);
	/* read-write: SQLite recovers the copy (replays its WAL, rolls back
	 * its journal); nothing else is written */
	snprintf(copy, sizeof(copy), "%s/profile.db", st->private_dir);
	return open_connection(st, copy, SQLITE_OPEN_READWRITE);
}

static void remove_private_copy(struct hp_store *st)
{
	char buf[PATH_MAX + 32];
	if (!st->private_dir[0])
		return;
	snprintf(buf, sizeof(buf), "%s/profile.db", st->private_dir);
	store_unlink(buf);
	rmdir(st->private_dir);
	st->private_dir[0] = '\0';
}

/* Errors of a read-only open that a private reading may get past. */
static int index_trouble(int err)
{
	return err != -HP_ENOTDB && err != -HP_ENEWER && err != -HP_ECORRUPT && err != -ENOMEM;
}

int store_open(const char *path, int writable, struct hp_store **out)
{
	struct hp_store *st;
	struct stat sb;
	int err;

	hp_error_clear();                       /* no detail of an earlier file */
	/* A FIFO or a device would block or stream forever: only regular files. */
	if (stat(path, &sb) < 0)
		return -errno;
	if (S_ISDIR(sb.st_mode))
		return -EISDIR;
	if (!S_ISREG(sb.st_mode))
		return -HP_ENOTREG;
	if (!writable)
		store_settle_file(path);
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->writable = writable;
	/* NOMUTEX: a store is used by one thread at a time (about 10% of a
	 * profile load went to SQLite's connection mutex). */
	err = open_connection(st, path, writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
	if (err && !writable && index_trouble(err) && left_by_a_writer(path)) {
		sqlite3_close_v2(st->db);
		st->db = NULL;
		hp_debug(HP_DBG_STORE, 1, "read-only open of '%s': %s; reading it without its index",
			 path, hp_strerror(err));
		err = read_only_fallback(path, st);
	}
	if (!err)
		err = upgrade_functions(st);
	if (err)
		goto fail;
	if (writable && (err = writer_pragmas(st)))
		goto fail;
	if (!writable)
		store_exec_sql(st, "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;");
	*out = st;
	return 0;
fail:
	sqlite3_finalize(st->bounds);
	sqlite3_close_v2(st->db);
	remove_private_copy(st);
	free(st);
	return err;
}

static void free_strings(char **v, uint32_t n)
{
	for (uint32_t i = 1; i <= n && v; i++)
		free(v[i]);
	free(v);
}

/* At close, back to a rollback journal: at rest a profile is one file.
 * The WAL is first checkpointed into the file with the connection's syncs
 * (the WAL, its directory, then the file: three fdatasync calls), so
 * that every commit is in the file and on disk. The switch itself then
 * changes only page 1's header (the journal-mode bytes 18-19, the change
 * counter and the version at 24-27 and 92-99, all in its first 512-byte
 * sector; the rest of the page is what the checkpoint just synced), and
 * is written without syncs and without a rollback journal: the syncs
 * (the journal, its directory, the file) protected nothing a power loss
 * could break - the header sector reaches the disk old (WAL mode with no
 * WAL: the same content) or new - and cost ~1-10 ms of wall time here;
 * the journal only held the old page 1. A process death at
 * any point is the same as before (docs/reliability.md). When the
 * checkpoint could not copy everything (a reader held a snapshot), the
 * switch keeps its syncs, as before. */
static void back_to_one_file(struct hp_store *st)
{
	sqlite3_stmt *s;
	int complete = 0;
	if (sqlite3_prepare_v2(st->db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &s, NULL) ==
	    SQLITE_OK) {
		/* a row: busy, frames in the WAL, frames checkpointed */
		if (sqlite3_step(s) == SQLITE_ROW)
			complete = sqlite3_column_int(s, 0) == 0 &&
				   sqlite3_column_int(s, 1) == sqlite3_column_int(s, 2);
		sqlite3_finalize(s);
	}
	/* Complete: OFF, the header rewritten in place with no rollback journal
	 * at all (a journal created, written, then unlinked: 10 system calls
	 * and a directory entry made and removed a run until wave 17). The
	 * file is then at rest in the rollback journal's format, which every
	 * later connection opens in its default mode (DELETE); this one only
	 * closes. Not complete: DELETE with its syncs (a truncated journal
	 * would stay beside the file). */
	if (complete)
		store_exec_sql(st, "PRAGMA synchronous = OFF; PRAGMA journal_mode = OFF");
	else
		store_exec_sql(st, "PRAGMA journal_mode = DELETE");
}

struct store_ahead {
	pthread_t thread;
	char wal[PATH_MAX + 8], dir[PATH_MAX];
};

static void *sync_ahead_main(void *arg)
{
	struct store_ahead *a = arg;
	int fd = open(a->wal, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		fdatasync(fd);
		close(fd);
	}
	if ((fd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	return NULL;
}

/* The close's checkpoint syncs the WAL, its directory, then the file
 * (back_to_one_file): each sync writes what is dirty, then flushes the
 * disk. Syncing the WAL and the directory ahead, while the caller still
 * computes, leaves the close's syncs only what was written since. An
 * extra sync weakens nothing: the close makes its own, in their order. */
void store_sync_ahead(struct hp_store *st)
{
	const char *db = st && st->writable && !st->ahead ? sqlite3_db_filename(st->db, NULL)
							  : NULL;
	if (!db || !*db)
		return;
	struct store_ahead *a = malloc(sizeof(*a));
	if (!a)
		return;
	snprintf(a->wal, sizeof(a->wal), "%s-wal", db);
	snprintf(a->dir, sizeof(a->dir), "%s", db);
	char *slash = strrchr(a->dir, '/');
	if (slash)
		slash[slash == a->dir] = '\0';
	else
		snprintf(a->dir, sizeof(a->dir), ".");
	if (pthread_create(&a->thread, NULL, sync_ahead_main, a)) {
		free(a);
		return;
	}
	st->ahead = a;
}

int store_close(struct hp_store *st)
{
	int err = 0;
	if (!st)
		return 0;
	if (st->ahead) {
		pthread_join(st->ahead->thread, NULL);
		free(st->ahead);
		st->ahead = NULL;
	}
	if (st->in_txn)
		err = store_flush(st);
	if (st->writable && !err)
		back_to_one_file(st);
	for (int i = 0; i < S_NSTMTS; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_finalize(st->bounds);
	if (sqlite3_close_v2(st->db) != SQLITE_OK && !err)
		err = -HP_ESQL;
	if (st->lock_fd1)
		close(st->lock_fd1 - 1);          /* after the last write: the lock goes */
	remove_private_copy(st);
	hmap_release(&st->modules);
	hmap_release(&st->locations);
	hmap_release(&st->nodes);
	hmap_release(&st->files);
	hmap_release(&st->functions);
	free_strings(st->module_paths, st->nmodules);
	free_strings(st->file_paths, st->nfiles);
	free_strings(st->function_names, st->nfunctions);
	free(st->function_modules);
	free(st);
	return err;
}

