/*
 * test_store.c - the store: create/open identity checks, interning and the
 * stack prefix tree, meta, samples and views; a file whose writer was
 * killed inside a transaction (a hot journal) still opens read-only.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "common/hmap.h"
#include "common/store.h"
#include "common/store_internal.h"
#include "hp_test.h"

static char dir[] = "/tmp/hp-test-store.XXXXXX";

static char *path_of(const char *name)
{
	static char buf[256];
	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}

static int count_rows(void *ctx, const struct hp_node_row *n)
{
	(void)n;
	(*(int *)ctx)++;
	return 0;
}

static void test_hmap(void)
{
	struct hp_hmap m;
	uint64_t v;
	hmap_init(&m);
	for (uint64_t i = 1; i <= 10000; i++)
		CHECK(hmap_put(&m, hmap_key2(i, 7), i * 3) == 0);
	CHECK_EQ_INT(m.len, 10000);
	for (uint64_t i = 1; i <= 10000; i++)
		CHECK(hmap_get(&m, hmap_key2(i, 7), &v) && v == i * 3);
	CHECK(!hmap_get(&m, hmap_key2(10001, 7), &v));
	/* delete every other key: the rest stay reachable across shifted runs */
	for (uint64_t i = 1; i <= 10000; i += 2)
		CHECK(hmap_del(&m, hmap_key2(i, 7), &v) && v == i * 3);
	CHECK(!hmap_del(&m, hmap_key2(1, 7), NULL));
	CHECK_EQ_INT(m.len, 5000);
	for (uint64_t i = 1; i <= 10000; i++)
		CHECK(hmap_get(&m, hmap_key2(i, 7), &v) == (int)(i % 2 == 0));
	hmap_release(&m);
	/* a small table with many collisions in one run */
	hmap_init(&m);
	for (uint64_t i = 1; i <= 40; i++)
		hmap_put(&m, i << 40, i);
	for (uint64_t i = 1; i <= 40; i += 3)
		CHECK(hmap_del(&m, i << 40, NULL));
	for (uint64_t i = 1; i <= 40; i++)
		CHECK(hmap_get(&m, i << 40, &v) == (int)((i - 1) % 3 != 0));
	hmap_release(&m);
}

static void test_create_and_intern(void)
{
	struct hp_store *st;
	const char *p = path_of("a.db");
	CHECK(store_create(p, &st) == 0);
	CHECK(store_create(p, &st) == -EEXIST);      /* never replaces a file */

	uint32_t m1, m2, m1b;
	CHECK(store_intern_module(st, "/bin/a", "abcd", &m1) == 0);
	CHECK(store_intern_module(st, "/bin/b", NULL, &m2) == 0);
	CHECK(store_intern_module(st, "/bin/a", "abcd", &m1b) == 0);
	CHECK(m1 == m1b && m1 != m2);

	/* two stacks sharing their two outer frames share the prefix nodes */
	struct hp_location s1[3] = { { m1, 0x30 }, { m1, 0x20 }, { m1, 0x10 } };
	struct hp_location s2[3] = { { m2, 0x99 }, { m1, 0x20 }, { m1, 0x10 } };
	uint32_t id1, id2, id1b;
	CHECK(store_intern_stack(st, s1, 3, &id1) == 0);
	CHECK(store_intern_stack(st, s2, 3, &id2) == 0);
	CHECK(store_intern_stack(st, s1, 3, &id1b) == 0);
	CHECK(id1 == id1b && id1 != id2);
	int nodes = 0;
	store_flush(st);
	CHECK(store_each_stack_node(st, count_rows, &nodes) == 0);
	CHECK_EQ_INT(nodes, 4);

	/* run facts: set fields become run_info rows named after them,
	 * unset ones write nothing */
	struct hp_run_facts f;
	store_facts_init(&f);
	f.command = "./x y";
	f.samples = 42;
	f.user_s = 1.23456;
	f.interrupted = 0;
	CHECK(store_write_facts(st, &f) == 0);
	char *v;
	CHECK(store_get_meta(st, "command", &v) == 0 && v && !strcmp(v, "./x y"));
	free(v);
	CHECK(store_get_meta(st, "user_s", &v) == 0 && v && !strcmp(v, "1.235"));
	free(v);
	CHECK(store_get_meta_int(st, "samples", -1) == 42);
	CHECK(store_get_meta_int(st, "interrupted", -1) == 0);
	CHECK(store_get_meta_int(st, "absent", -1) == -1);
	CHECK(store_get_meta_int(st, "duration_ns", -1) == -1);
	CHECK(store_get_meta(st, "signal", &v) == 0 && !v);
	/* a second write replaces what it sets and keeps the rest */
	store_facts_init(&f);
	f.samples = 43;
	CHECK(store_write_facts(st, &f) == 0);
	CHECK(store_get_meta_int(st, "samples", -1) == 43);
	CHECK(store_get_meta(st, "command", &v) == 0 && v && !strcmp(v, "./x y"));
	free(v);
	CHECK(store_close(st) == 0);

	/* reopening rebuilds the interning maps: same ids, no duplicates */
	CHECK(store_open(p, 1, &st) == 0);
	CHECK(store_intern_module(st, "/bin/b", NULL, &m1b) == 0 && m1b == m2);
	CHECK(store_intern_stack(st, s2, 3, &id1b) == 0 && id1b == id2);
	CHECK(store_close(st) == 0);
}

static void test_refuses_foreign(void)
{
	struct hp_store *st;
	sqlite3 *db;
	char p[256];
	snprintf(p, sizeof(p), "%s", path_of("foreign.db"));   /* path_of's buffer is reused */
	CHECK(store_open(path_of("missing.db"), 0, &st) == -ENOENT);
	CHECK(sqlite3_open(p, &db) == SQLITE_OK);
	sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK(store_open(p, 0, &st) == -HP_ENOTDB);

	FILE *f = fopen(path_of("text.db"), "w");
	fputs("this is not a database at all, just some text\n", f);
	fclose(f);
	CHECK(store_open(path_of("text.db"), 0, &st) == -HP_ENOTDB);

	CHECK(store_create(path_of("new.db"), &st) == 0);
	store_close(st);
	CHECK(sqlite3_open(path_of("new.db"), &db) == SQLITE_OK);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK(store_open(path_of("new.db"), 0, &st) == -HP_ENEWER);
	CHECK(strstr(hp_strerror(-HP_ENEWER), "newer") != NULL);
}

/* The rows of sqlite_master and the identity of a database, as text. */
static void describe(const char *path, char *out, size_t len)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	size_t n = 0;
	out[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(db, "SELECT type || '|' || name || '|' || tbl_name || '|' || sql"
			       " FROM sqlite_master UNION ALL SELECT 'app ' || application_id"
			       " FROM pragma_application_id UNION ALL SELECT 'ver ' || user_version"
			       " FROM pragma_user_version UNION ALL SELECT 'page ' || page_size"
			       " FROM pragma_page_size UNION ALL SELECT integrity_check"
			       " FROM pragma_integrity_check ORDER BY 1", -1, &q, NULL) == SQLITE_OK)
		while (sqlite3_step(q) == SQLITE_ROW && n + 2 < len)
			n += (size_t)snprintf(out + n, len - n, "%s\n", sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* store_create writes the empty database of schema.sql from an image made
 * at build time (common/gen/schema_image.c): it must be the database that
 * executing schema.sql with the same settings makes, in WAL mode. */
extern const char hp_schema_sql[];

/* store_create_file writes the image byte for byte: each page its
 * bytes, then zeros to the page's end (one pwritev since wave 17). */
extern const unsigned char hp_schema_image[];
extern const uint16_t hp_schema_image_len[];
extern const unsigned hp_schema_image_pages;
extern const size_t hp_schema_image_page_size;

static void test_schema_bytes(void)
{
	static unsigned char got[1 << 20];
	const char *p = path_of("bytes.db");
	size_t size = hp_schema_image_page_size, n = 0;
	int lfd = store_create_file(p);
	CHECK(lfd >= 0);
	close(lfd);
	FILE *f = fopen(p, "rb");
	CHECK(f != NULL);
	if (f) {
		n = fread(got, 1, sizeof(got), f);
		fclose(f);
	}
	CHECK_EQ_INT((long long)n, (long long)(hp_schema_image_pages * size));
	const unsigned char *img = hp_schema_image;
	int same = n == hp_schema_image_pages * size;
	for (unsigned i = 0; same && i < hp_schema_image_pages; img += hp_schema_image_len[i], i++) {
		const unsigned char *pg = got + (size_t)i * size;
		same = !memcmp(pg, img, hp_schema_image_len[i]);
		for (size_t k = hp_schema_image_len[i]; same && k < size; k++)
			same = !pg[k];
	}
	CHECK(same);
	unlink(p);
}

static void test_schema_image(void)
{
	static char want[1 << 16], got[1 << 16];
	struct hp_store *st;
	sqlite3 *db;
	unsigned char hdr[20] = { 0 };
	char pragma[128];
	const char *p = path_of("image.db");
	CHECK(store_create(p, &st) == 0);
	FILE *f = fopen(p, "rb");
	CHECK(f && fread(hdr, 1, sizeof(hdr), f) == sizeof(hdr));
	if (f)
		fclose(f);
	CHECK(hdr[18] == 2 && hdr[19] == 2);                    /* WAL before it had its name */
	describe(p, got, sizeof(got));
	CHECK(store_close(st) == 0);

	CHECK(sqlite3_open(path_of("sql.db"), &db) == SQLITE_OK);
	snprintf(pragma, sizeof(pragma), "PRAGMA page_size = 4096; PRAGMA application_id = %d;"
		 " PRAGMA user_version = %d;", HP_STORE_APPLICATION_ID, HP_STORE_VERSION);
	CHECK(sqlite3_exec(db, pragma, NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_exec(db, hp_schema_sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	describe(path_of("sql.db"), want, sizeof(want));
	CHECK(strstr(want, "table|samples|samples|CREATE TABLE samples") != NULL);
	CHECK(strstr(want, "\nok\n") != NULL);
	CHECK(!strcmp(got, want));
}

/* A new file's first commit is written without syncs, every later one
 * with synchronous = NORMAL (the durability docs/reliability.md states). */
static void test_unsynced_start(void)
{
	struct hp_store *st;
	struct hp_run_facts f;
	int64_t sync = -1;
	CHECK(store_create(path_of("sync.db"), &st) == 0);
	CHECK(store_each_row(st, "PRAGMA synchronous", store_int_row, &sync) == 0);
	CHECK_EQ_INT(sync, 0);
	store_facts_init(&f);
	f.samples = 1;
	CHECK(store_write_facts(st, &f) == 0 && store_flush(st) == 0);
	CHECK(store_each_row(st, "PRAGMA synchronous", store_int_row, &sync) == 0);
	CHECK_EQ_INT(sync, 1);
	CHECK(store_close(st) == 0);
	CHECK(store_open(path_of("sync.db"), 1, &st) == 0);     /* an existing file: NORMAL */
	CHECK(store_each_row(st, "PRAGMA synchronous", store_int_row, &sync) == 0);
	CHECK_EQ_INT(sync, 1);
	CHECK(store_get_meta_int(st, "samples", -1) == 1);
	CHECK(store_close(st) == 0);
}

/* fdatasync, counted: SQLite (the shared library in tests) calls it
 * through its PLT, so this definition stands in for libc's. */
static int syncs;

int fdatasync(int fd)
{
	syncs++;
	return (int)syscall(SYS_fdatasync, fd);
}

/* unlink, watched the same way: SQLite removes a rollback journal it
 * made with it. */
static int journals_unlinked;

int unlink(const char *path)
{
	size_t n = strlen(path);
	if (n >= 8 && !strcmp(path + n - 8, "-journal"))
		journals_unlinked++;
	return (int)syscall(SYS_unlinkat, AT_FDCWD, path, 0);
}

/* At close the WAL is checkpointed with its syncs (the WAL, its directory,
 * the file) and the switch back to a rollback journal, which changes only
 * page 1's header, adds none (it added three: the journal, its directory,
 * the file again) and writes no rollback journal (until wave 17 one was
 * made, written and unlinked); the file is one file again, whole. */
static void test_close_syncs(void)
{
	struct hp_store *st;
	struct hp_run_facts f;
	struct stat sb;
	const char *p = path_of("close.db");
	char side[300];
	CHECK(store_create(p, &st) == 0);
	store_facts_init(&f);
	f.samples = 1;
	CHECK(store_write_facts(st, &f) == 0 && store_flush(st) == 0);   /* unsynced first commit */
	f.samples = 7;
	CHECK(store_write_facts(st, &f) == 0 && store_flush(st) == 0);
	syncs = 0;
	journals_unlinked = 0;
	CHECK(store_close(st) == 0);
	CHECK_EQ_INT(syncs, 3);
	CHECK_EQ_INT(journals_unlinked, 0);        /* the switch wrote no journal (wave 17) */
	snprintf(side, sizeof(side), "%s-wal", p);
	CHECK(stat(side, &sb) != 0);
	snprintf(side, sizeof(side), "%s-journal", p);
	CHECK(stat(side, &sb) != 0);
	sqlite3 *db;
	sqlite3_stmt *q;
	CHECK(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(q) == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(q, 0), "delete"));
	sqlite3_finalize(q);
	CHECK(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL) == SQLITE_OK);
	CHECK(sqlite3_step(q) == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(q, 0), "ok"));
	sqlite3_finalize(q);
	sqlite3_close(db);
	CHECK(store_open(p, 0, &st) == 0);
	CHECK(store_get_meta_int(st, "samples", -1) == 7);
	CHECK(store_close(st) == 0);
}

/* store_identify (run's check before it keeps a profile as .old) reads
 * the header only; it must agree with store_open's identity check on
 * every kind of file, a profile left in WAL mode by a killed run too. */
static void test_identify(void)
{
	struct hp_store *st;
	sqlite3 *db;
	CHECK(store_create(path_of("mine.db"), &st) == 0);
	CHECK(store_identify(path_of("mine.db")) == 0);        /* open, in WAL mode */
	CHECK(store_close(st) == 0);
	CHECK(store_identify(path_of("mine.db")) == 0);
	CHECK(sqlite3_open(path_of("other.db"), &db) == SQLITE_OK);
	sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK(store_identify(path_of("other.db")) == -HP_ENOTDB);
	CHECK(store_identify(path_of("text.db")) == -HP_ENOTDB);
	CHECK(store_identify(path_of("new.db")) == -HP_ENEWER);
	CHECK(store_identify(path_of("absent.db")) == -ENOENT);
	CHECK(store_identify(dir) == -EISDIR);
	CHECK(store_identify("/dev/null") == -HP_ENOTREG);
	CHECK(sqlite3_open(path_of("mine.db"), &db) == SQLITE_OK);
	sqlite3_exec(db, "PRAGMA user_version = 0", NULL, NULL, NULL);
	sqlite3_close(db);
	CHECK(store_identify(path_of("mine.db")) == -HP_ECORRUPT);
	FILE *f = fopen(path_of("short.db"), "w");
	fputs("SQLite format 3", f);                             /* the magic, no header */
	fclose(f);
	CHECK(store_identify(path_of("short.db")) == -HP_ENOTDB);
}

/* A writer killed inside a transaction that had spilled pages to the file
 * (hpprof run SIGKILLed with an MPI rank) leaves a hot rollback journal; a
 * read-only open must read the file as committed (the store recovers a
 * private copy) rather than fail with EACCES: the uncommitted rows are
 * gone. */
static void test_hot_journal(void)
{
	struct hp_store *st;
	struct stat sb;
	char journal[300];
	const char *p = path_of("hot.db");
	CHECK(store_create(p, &st) == 0);
	CHECK(store_close(st) == 0);
	pid_t child = fork();
	if (child == 0) {
		sqlite3 *db;
		if (sqlite3_open(p, &db) != SQLITE_OK)
			_exit(1);
		sqlite3_exec(db, "PRAGMA journal_mode = TRUNCATE; PRAGMA cache_size = 1; BEGIN;"
			     " WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
			     " WHERE i < 3000) INSERT INTO meta(key, value) SELECT 'junk' || i,"
			     " printf('%.500c', 'x') FROM n;", NULL, NULL, NULL);
		_exit(0);                     /* killed: no COMMIT, no ROLLBACK */
	}
	int status = -1;
	CHECK(child > 0 && waitpid(child, &status, 0) == child && status == 0);
	snprintf(journal, sizeof(journal), "%s-journal", p);
	CHECK(stat(journal, &sb) == 0 && sb.st_size > 0);   /* the case under test */
	st = NULL;
	CHECK(store_open(p, 0, &st) == 0);
	if (st) {
		CHECK(store_get_meta_int(st, "hpprof_version", -1) == -1);
		char *v = (char *)"";
		CHECK(store_get_meta(st, "junk1", &v) == 0 && !v);
		CHECK(store_close(st) == 0);
	}
}

/* The writer lock (wave 25): held from the file's creation to the store's
 * close, seen from another open file description (another run, a
 * reader); gone with the close. A file made by store_create_file and
 * replaced before store_open_created is refused, and left alone. */
static void test_writer_lock(void)
{
	struct hp_store *st;
	const char *p = path_of("locked.db");
	CHECK(store_write_locked(p) == 0);           /* no file */
	int fd = store_create_file(p);
	CHECK(fd >= 0);
	CHECK(store_write_locked(p) == 1);
	CHECK(store_open_created(p, fd, &st) == 0);
	CHECK(store_write_locked(p) == 1);
	CHECK(store_close(st) == 0);
	CHECK(store_write_locked(p) == 0);
	CHECK(store_open(p, 0, &st) == 0);           /* a reader takes no lock (the
						      * probe's close drops this
						      * connection's POSIX locks:
						      * nothing else uses the file) */
	CHECK(store_write_locked(p) == 0);
	store_close(st);
	int fin = store_lock_writer(p);              /* a reader finishing it */
	CHECK(fin >= 0);
	CHECK(store_write_locked(p) == STORE_LOCK_FINISHING);
	close(fin);
	CHECK(store_write_locked(p) == 0);

	char q[512], q2[512];                        /* path_of's buffer is reused */
	snprintf(q, sizeof(q), "%s", path_of("replaced.db"));
	snprintf(q2, sizeof(q2), "%s", path_of("replaced.db.other"));
	fd = store_create_file(q);
	CHECK(fd >= 0);
	CHECK(rename(q, q2) == 0);                   /* another run rotated it away ... */
	int fd2 = store_create_file(q);              /* ... and made its own */
	CHECK(fd2 >= 0);
	CHECK(store_open_created(q, fd, &st) == -EEXIST);
	CHECK(access(q, F_OK) == 0);                 /* the other's is left */
	CHECK(store_open_created(q, fd2, &st) == 0);
	store_close(st);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_hmap();
	test_create_and_intern();
	test_refuses_foreign();
	test_identify();
	test_schema_image();
	test_schema_bytes();
	test_unsynced_start();
	test_close_syncs();
	test_hot_journal();
	test_writer_lock();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd)) { /* best effort */ }
	return hp_test_result();
}
