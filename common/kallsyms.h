/*
 * kallsyms.h - one line of /proc/kallsyms (kallsyms.c): the one parser of
 * the analyzer's symbol table (analyzer/ksyms.c) and of the collector's
 * kernel stacks found at attach (collector/kstack.c).
 *
 * The kernel prints "%px %c %s\n" for its own symbols and "%px %c %s\t[%s]\n"
 * for a module's (kernel/kallsyms.c, s_show): the name ends at the tab or
 * at the end of the line, never at a space. Names are C identifiers with
 * compiler suffixes (".isra.0", ".cold", ".constprop.0", ".llvm.123") or
 * BPF and trampoline names ("bpf_prog_TAG_NAME", "ftrace_trampoline"):
 * none has a space, and one that did would stay whole.
 */
#ifndef HP_KALLSYMS_H
#define HP_KALLSYMS_H

#include <stdint.h>

#define KALLSYMS_FILE "/proc/kallsyms"
#define MODULES_FILE  "/proc/modules"

/* One parsed line; name and module point into the line, cut in place. */
struct hp_kallsyms_line {
	uint64_t addr;                /* 0 where kptr_restrict hides addresses */
	char type;                    /* nm's letter: t T w W for code */
	char *name;
	char *module;                 /* "ext4", "bpf"; NULL for the kernel itself */
};

/* Parse line ("ADDR TYPE NAME[\t[MODULE]]", with or without its newline)
 * into *out, NUL-terminating the name and the module in place. Returns
 * kallsyms_text_rank of its type (>= 0: a function), -1 for a symbol of
 * another type (data, absolute: *out is set), -2 when line is not one of
 * kallsyms (*out unset). */
int kallsyms_parse(char *line, struct hp_kallsyms_line *out);

/* How a function of type letter t is preferred among aliases at one
 * address: 0 global, 1 weak, 2 local, 3 local weak; -1 when t is not a
 * function's type. */
int kallsyms_text_rank(char t);

#endif
