/*
 * grow.h - growing a heap array by doubling: the one helper that the
 * collector, the analyzer and the commands share for it.
 */
#ifndef HP_GROW_H
#define HP_GROW_H

#include <stddef.h>

/* Make *v (capacity *cap elements of elem bytes) hold at least need
 * elements; new elements are uninitialized. Returns 0 or -ENOMEM (then *v
 * and *cap are unchanged). */
int hp_grow(void **v, size_t *cap, size_t need, size_t elem);

/* hp_grow, with the new elements (from the old capacity to the new one)
 * set to zero bytes: for arrays indexed by id, where 0 means "none". */
int hp_grow_zero(void **v, size_t *cap, size_t need, size_t elem);

#endif
