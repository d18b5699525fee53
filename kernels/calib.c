/*
 * hp-calib - a calibration kernel with a known CPU split: calib_a 60%,
 * calib_b 30%, calib_c 10%, by construction.
 *
 * Lesson (for hpprof itself): a sampler's percentages can be checked against
 * the truth. The three functions run the same inner body, a serial chain of
 * multiply-adds whose latency fixes the cost of each step, and get work in
 * the ratio 6:3:1, interleaved in short rounds (about 60 us) so the split
 * holds over any window longer than a few milliseconds. The asm barrier
 * keeps the compiler from collapsing, vectorizing or hoisting the chain;
 * KERNEL_FN keeps the three identical bodies from being merged. Nothing else
 * in the program does measurable work.
 */
#include "kernels/kcommon.h"

#include <stdio.h>

#define ROUND_STEPS 5000ul     /* calib_c's steps per round; a gets 6x, b 3x */
#define LCG_A 6364136223846793005ull
#define LCG_C 1442695040888963407ull

static const struct kvariant variants[] = {
	{ "split", "calib_a 60%, calib_b 30%, calib_c 10% of the CPU time" },
	{ NULL, NULL },
};

KERNEL_FN static uint64_t calib_a(uint64_t x, unsigned long steps)
{
	for (unsigned long k = 0; k < steps; k++) {
		x = x * LCG_A + LCG_C;                                    /* HOT: calib_a */
		__asm__ volatile("" : "+r"(x));                          /* HOT: calib_a */
	}
	return x;
}

KERNEL_FN static uint64_t calib_b(uint64_t x, unsigned long steps)
{
	for (unsigned long k = 0; k < steps; k++) {
		x = x * LCG_A + LCG_C;                                    /* HOT: calib_b */
		__asm__ volatile("" : "+r"(x));                          /* HOT: calib_b */
	}
	return x;
}

KERNEL_FN static uint64_t calib_c(uint64_t x, unsigned long steps)
{
	for (unsigned long k = 0; k < steps; k++) {
		x = x * LCG_A + LCG_C;                                    /* HOT: calib_c */
		__asm__ volatile("" : "+r"(x));                          /* HOT: calib_c */
	}
	return x;
}

/* The state after n steps, by squaring (F. Brown, "Random number generation
 * with arbitrary strides", 1994): proves every step ran. */
static uint64_t lcg_skip(uint64_t x, uint64_t n)
{
	uint64_t a = LCG_A, c = LCG_C, mult = 1, plus = 0;
	for (; n; n >>= 1) {
		if (n & 1) {
			mult *= a;
			plus = plus * a + c;
		}
		c *= a + 1;
		a *= a;
	}
	return mult * x + plus;
}

int main(int argc, char **argv)
{
	long rounds = 0;
	const struct kopt opts[] = {
		{ "rounds", KOPT_LONG, &rounds, "rounds of a(6 units), b(3), c(1) (default 27000, --small 2000)" },
		{ NULL, 0, NULL, NULL },
	};
	const struct kspec spec = {
		"calib", "calibration: CPU time split 60/30/10 between calib_a, calib_b, calib_c",
		"hpprof's own ground truth", variants, opts, NULL,
	};
	struct ktruth mark;
	ktruth_now(&mark);
	bool small;
	kargs_parse(&spec, argc, argv, &small);
	rounds = rounds ? rounds : small ? 2000 : 27000;

	uint64_t x = 1;
	unsigned long steps[3] = { 0, 0, 0 };
	ktruth_phase("calib", "setup", &mark);
	double t0 = kclock();
	for (long r = 0; r < rounds; r++) {
		x = calib_a(x, 6 * ROUND_STEPS);
		x = calib_b(x, 3 * ROUND_STEPS);
		x = calib_c(x, ROUND_STEPS);
		steps[0] += 6 * ROUND_STEPS, steps[1] += 3 * ROUND_STEPS, steps[2] += ROUND_STEPS;
	}
	double elapsed = kclock() - t0;
	ktruth_phase("calib", "compute", &mark);

	uint64_t want = lcg_skip(1, steps[0] + steps[1] + steps[2]);
	printf("calib: %ld rounds in %.3f s, steps a %lu b %lu c %lu (6:3:1 = 60/30/10)\n", rounds,
	       elapsed, steps[0], steps[1], steps[2]);
	int rc = kvalidate("calib", x == want, "state %016llx (expected %016llx)",
			   (unsigned long long)x, (unsigned long long)want);
	ktruth_phase("calib", "verify", &mark);
	ktruth_process("calib", "main", NULL);
	return rc;
}
