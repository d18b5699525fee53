/*
 * fixture_db.c - the schema side of the golden fixtures (fixture.sh):
 *   hp_fixture_db create OUT.db   a new database from common/schema.sql,
 *                                 as `hpprof run` makes one (store_create)
 *   hp_fixture_db views OUT.db    (re)create function_profile and
 *                                 line_profile with one column per counter
 *                                 event, as the end of a run does
 * The fixtures themselves are rows only, so they never carry a schema of
 * their own that could go stale.
 */
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/store.h"

int main(int argc, char **argv)
{
	struct hp_store *st = NULL;
	int err;
	if (argc != 3 || (strcmp(argv[1], "create") && strcmp(argv[1], "views"))) {
		fprintf(stderr, "usage: hp_fixture_db create|views OUT.db\n");
		return 2;
	}
	if (!strcmp(argv[1], "create"))
		err = store_create(argv[2], &st);
	else if (!(err = store_open(argv[2], 1, &st)))
		err = store_create_views(st);
	int cerr = store_close(st);
	err = err ? err : cerr;
	if (err) {
		fprintf(stderr, "hp_fixture_db %s '%s': %s\n", argv[1], argv[2], hp_strerror(err));
		return 1;
	}
	return 0;
}
