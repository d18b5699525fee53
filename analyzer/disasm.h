/*
 * disasm.h - a function's machine code with per-instruction costs, for
 * code without source (stripped binaries, libraries whose sources are not
 * installed) and for looking below the source line (`annotate --asm`, the
 * TUI's disassembly view).
 *
 * The database keeps the sampled addresses (module, ELF vaddr) of every
 * frame, so per-instruction costs need nothing more; the instructions
 * themselves are read from the module's file on this machine (its build
 * id must match the run's) and decoded with capstone. Source-level views
 * stay self-contained; this one needs the binary and says so when it is
 * missing or changed.
 *
 * Costs, per instruction, over the profile's stacks (stacks.h definitions):
 *   self  = samples whose innermost user frame's address is this
 *           instruction (kernel time charged to the user instruction that
 *           entered the kernel, as for lines);
 *   total = samples with a frame at this instruction anywhere in the stack,
 *           once per sample (a caller's return address lies in its call);
 *   kernel = of self, the samples taken in the kernel it entered;
 *   c[]   = the counter sums of the self samples.
 * The function's extent is its symbol (from the binary or its debug file),
 * else its .eh_frame FDE (stripped code), else the sampled addresses.
 */
#ifndef HP_DISASM_H
#define HP_DISASM_H

#include <stddef.h>
#include <stdint.h>

struct hp_profile;

enum hp_disasm_row_kind {
	HP_DISASM_SOURCE,             /* a source line the next instructions belong to */
	HP_DISASM_INSN,               /* one instruction */
};

struct hp_disasm_row {
	enum hp_disasm_row_kind kind;
	/* HP_DISASM_SOURCE */
	const char *file;             /* path from the debug info */
	uint32_t line;
	const char *source;           /* the line's text; NULL when the file is unreadable */
	/* HP_DISASM_INSN */
	uint64_t addr;                /* ELF vaddr in the module */
	const char *text;             /* "mulsd  %xmm1, %xmm0", "call 0x1130 <cabs@plt>" */
	uint64_t self, total;
	uint64_t kernel;              /* of self: in the kernel this instruction entered */
	int64_t self_ns, total_ns, kernel_ns;  /* their CPU time in a merge of runs at
						* different rates, else 0 (profile_time_share) */
	int64_t *c;                   /* [profile->nevents] self counter sums, or NULL */
};

struct hp_disasm {
	const char *function;
	const char *module;           /* the binary's path */
	uint64_t start, end;          /* the extent disassembled, ELF vaddrs */
	const char *extent;           /* "symbol", ".eh_frame FDE" or "sampled addresses" */
	const char *inlined_into;     /* the function was inlined: the symbol whose code this
	                               * is, as shown (demangled, brief); the instructions'
	                               * costs are all its samples. NULL otherwise */
	uint64_t function_total;      /* samples with the function on the stack */
	uint64_t self;                /* samples whose innermost user frame is in the extent */
	uint64_t kernel;              /* of self: in the kernel (0: no instruction entered it) */
	int64_t function_total_ns, self_ns, kernel_ns;  /* their CPU time, as in the rows */
	struct hp_disasm_row *rows;
	uint32_t nrows;
	uint32_t hottest;             /* index of the instruction row with the most self */
	int has_lines;                /* 1 when source rows are interleaved */
	void *priv;
};

/* Disassemble function fi (an index into p->functions) with its costs;
 * with_source interleaves the source lines (when the debug info has them).
 * *out is owned by the caller (disasm_free). Returns 0, or a negative error
 * with the reason in why[0..whylen) ("the binary '/usr/bin/xz' is not on
 * this machine: ..."): -ENOENT no binary or no address of the function,
 * -ESTALE the binary changed since the run, -ENOTSUP a machine capstone
 * cannot decode, -ENOMEM. */
int disasm_function(const struct hp_profile *p, uint32_t fi, int with_source,
		    struct hp_disasm **out, char *why, size_t whylen);
void disasm_free(struct hp_disasm *d);

#endif
