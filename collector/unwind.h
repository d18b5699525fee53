/*
 * unwind.h - online remote DWARF unwinding of perf samples (libunwind).
 *
 * Input: the user registers and the copy of the user stack that a perf
 * sample carries (sample_regs_user = HP_UNWIND_REGS_MASK, stack from SP).
 * Memory outside the copy is read from the mapped ELF files (procmap.h);
 * unwind tables come from each module's .eh_frame_hdr. Output: the PCs,
 * innermost first. Stack bytes are never kept.
 */
#ifndef HP_UNWIND_H
#define HP_UNWIND_H

#include <stdint.h>

#include "collector/procmap.h"
#include "common/record.h"

/* perf x86-64 user registers: AX BX CX DX SI DI BP SP IP FLAGS CS SS R8..R15
 * (segment registers DS ES FS GS left out). regs[] holds them in this order. */
#define HP_UNWIND_REGS_MASK 0xff0fffULL
#define HP_UNWIND_NREGS     20
enum { HP_REG_AX, HP_REG_BX, HP_REG_CX, HP_REG_DX, HP_REG_SI, HP_REG_DI, HP_REG_BP,
       HP_REG_SP, HP_REG_IP, HP_REG_FLAGS, HP_REG_CS, HP_REG_SS, HP_REG_R8, HP_REG_R9,
       HP_REG_R10, HP_REG_R11, HP_REG_R12, HP_REG_R13, HP_REG_R14, HP_REG_R15 };

struct hp_unwinder;

int unwinder_new(struct hp_procmaps *pm, struct hp_unwinder **out);
void unwinder_free(struct hp_unwinder *u);

/* Unwind one sample of process pid. stack holds stack_size bytes copied
 * from address regs[HP_REG_SP]. Writes up to max PCs to pcs (pcs[0] = IP;
 * the rest are return addresses as found on the stack). *end says how it
 * ended (enum hp_stack_end, record.h): HP_STACK_END_OUTERMOST when the
 * outermost frame said so (an undefined return address, as at _start or
 * clone), HP_STACK_END_CUT when the next step needed stack memory above
 * the copy, HP_STACK_END_DEEP at max, else HP_STACK_END_STOPPED (an error,
 * a missing table). Returns the number of PCs (>= 1). */
int unwind_sample(struct hp_unwinder *u, uint32_t pid, const uint64_t *regs,
		  const uint8_t *stack, uint64_t stack_size, uint64_t *pcs, int max,
		  enum hp_stack_end *end);

/* unwind_sample() for a thread blocked in a system call, of which only sp
 * and pc are known (/proc/PID/task/TID/syscall): a step that needs another
 * register (a CFA based on RBP not saved by an inner frame, say) ends the
 * stack there with HP_STACK_END_STOPPED. */
int unwind_blocked(struct hp_unwinder *u, uint32_t pid, uint64_t sp, uint64_t pc,
		   const uint8_t *stack, uint64_t stack_size, uint64_t *pcs, int max,
		   enum hp_stack_end *end);

/* The SPs of the frames of the last unwind_sample(), innermost first: [0]
 * is the sample's SP, [i] the SP of the caller that pcs[i] returns into
 * (the CFA of frame i - 1). *n is how many (the PCs returned, at most
 * HP_MAX_FRAMES). Valid until the next unwind_sample(). */
const uint64_t *unwinder_sps(const struct hp_unwinder *u, int *n);

/* The start address of the function (its FDE) that holds pc in process
 * pid, 0 when no unwind table covers pc. Pass a return address minus 1. */
uint64_t unwinder_func_start(struct hp_unwinder *u, uint32_t pid, uint64_t pc);

/* Step with hpprof's own cache of libunwind register states (on = 1, the
 * default) or with plain unw_step() (on = 0: slower, for comparison and for
 * chasing unwinder bugs). Results are the same. */
void unwinder_use_rules(struct hp_unwinder *u, int on);

/* How many times a function's CFI program was run to learn its step
 * rules (unw_reg_states_iterate): once per FDE and process while the
 * caches hold, not once per PC (for --debug=unwind:1 and tests). */
uint64_t unwinder_cfi_reads(const struct hp_unwinder *u);

/* Drop per-process caches (libunwind address space) of a pid that exited or exec'd. */
void unwinder_forget(struct hp_unwinder *u, uint32_t pid);

#endif
