/*
 * kstack.h - the kernel frames of a blocked thread, from the text of
 * /proc/PID/task/TID/stack (root only), as kernel addresses
 * (kstack.c).
 *
 * That file names each frame "[<0>] function+0xOFF/0xSIZE [module]"
 * without its address; the address is the function's in /proc/kallsyms
 * plus the offset, so that the analyzer names it as it names a sampled
 * kernel callchain ("[kernel.kallsyms]" frames). A set collects the
 * functions of several threads' stacks, is resolved by the per-boot
 * symbol table (common/ksymtab.h), and by one reading of kallsyms for
 * what the table does not give exactly, then gives each stack's
 * addresses.
 */
#ifndef HP_KSTACK_H
#define HP_KSTACK_H

#include <stddef.h>
#include <stdint.h>

#include "common/ksymtab.h"

struct hp_kstack;

/* An empty set; *out is the caller's (kstack_free). Returns 0 or -ENOMEM. */
int kstack_new(struct hp_kstack **out);
void kstack_free(struct hp_kstack *k);

/* Add the functions named by text (a /proc/PID/task/TID/stack) to k.
 * Returns the number of frames of text, -EINVAL when a line is not one,
 * or -ENOMEM. */
int kstack_want(struct hp_kstack *k, const char *text);

/* Find k's functions in table (the running kernel's cached one; NULL:
 * none), then those it does not give exactly in kallsyms (a file in
 * /proc/kallsyms' format): of several symbols of one name in one module,
 * the one whose extent (to the next symbol) is the size the stack file
 * gave, else the first. kallsyms is not read when table gives every
 * function so (a module's at its first match); reading stops once every
 * function is found. Nothing is looked up when every function was looked
 * for before (a second call after kstack_want added none). Returns how
 * many functions are known, -errno when the file cannot be read, or
 * -EPERM when it shows zero addresses (kptr_restrict). */
int kstack_resolve(struct hp_kstack *k, const struct hp_ksymtab *table, const char *kallsyms);

/* How many times k read kallsyms (kstack_resolve): 0 when the table gave
 * every function. */
int kstack_kallsyms_reads(const struct hp_kstack *k);

/* The frames of text as kernel addresses, innermost first, at most max:
 * each the return address the stack file gives (function + offset), as a
 * sampled callchain's callers are (session_locate_kernel takes one off
 * each, to land in the call's instruction). 0 when a frame's function
 * is not known (a stack that changed since kstack_want, say): no partial
 * stacks. */
uint32_t kstack_addrs(const struct hp_kstack *k, const char *text, uint64_t *ips,
		      uint32_t max);

#endif
