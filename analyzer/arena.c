/*
 * arena.c - chunked bump allocation, released at once (arena.h).
 */
#include "analyzer/arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (64 * 1024)

struct hp_arena_chunk {
	struct hp_arena_chunk *next;
	size_t used, cap;
	alignas(max_align_t) char data[];
};

void arena_init(struct hp_arena *a)
{
	a->head = NULL;
}

void arena_release(struct hp_arena *a)
{
	while (a->head) {
		struct hp_arena_chunk *next = a->head->next;
		free(a->head);
		a->head = next;
	}
}

/* n bytes at a multiple of align (a power of two) from the newest chunk,
 * or from a new one. A request larger than a chunk gets a chunk of its
 * own, linked behind the newest so that its free space stays in use. */
static void *take(struct hp_arena *a, size_t n, size_t align)
{
	struct hp_arena_chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;
	if (c && at <= c->cap && c->cap - at >= n) {
		c->used = at + n;
		return c->data + at;
	}
	size_t cap = n > CHUNK ? n : CHUNK;
	if (!(c = malloc(sizeof(*c) + cap)))
		return NULL;
	c->used = n;
	c->cap = cap;
	if (a->head && n > CHUNK) {
		c->next = a->head->next;
		a->head->next = c;
	} else {
		c->next = a->head;
		a->head = c;
	}
	return c->data;
}

void *arena_alloc(struct hp_arena *a, size_t n)
{
	return take(a, n, alignof(max_align_t));
}

char *arena_strdup(struct hp_arena *a, const char *s)
{
	if (!s)
		return NULL;
	size_t len = strlen(s) + 1;
	char *d = take(a, len, 1);
	if (d)
		memcpy(d, s, len);
	return d;
}
