/*
 * test_pydecode.c - the stream records of Python sampling (common/
 * allocproto.h, version 3) through the collector's decoder
 * (collector/allocdecode.c): a PYSAMPLE built as the protocol says gives
 * back its pcs and frames (code deltas, negative offsets, flags, the
 * PYFAIL flag) and its kernel part (HP_AP_RF_KCHAIN: kernel addresses as
 * deltas; none for a user-mode sample); a PYCODE gives its body; every
 * truncation of either is refused as corrupt, never read past its end.
 */
#include <stdio.h>
#include <string.h>

#include "hp_test.h"
#include "collector/allocdecode.h"
#include "common/allocproto.h"
#include "common/error.h"

int main(void);

static uint8_t rec[HP_AP_MAX_REC];

/* Prefix (nr_pcs, flags), tid 7, t 100: returns where the body goes on. */
static uint8_t *begin(unsigned nr_pcs, unsigned flags)
{
	struct hp_ap_rec r = { 0, HP_AF_NONE, (uint8_t)flags, (uint16_t)nr_pcs };
	memcpy(rec, &r, sizeof(r));
	uint8_t *p = hp_ap_put(rec + sizeof(r), 7);
	return hp_ap_put(p, 100);
}

static int decode(uint32_t len, unsigned type, struct hp_alloc_event *ev)
{
	struct hp_apdecode d;
	apdecode_init(&d, 1000);
	memset(ev, 0, sizeof(*ev));
	int rc = apdecode_record(&d, rec, len, HP_AP_HEAD(len, type, HP_AP_TAG_COMMIT), ev);
	apdecode_release(&d);
	return rc;
}

static uint32_t build_pysample(unsigned flags)
{
	static const uint64_t pcs[3] = { 0x401000, 0x7f0000001234, 0x400f00 };
	uint8_t *p = begin(3, flags);
	p = hp_ap_put(p, 0);                                 /* overrun */
	p = hp_ap_put(p, pcs[0]);
	for (int i = 1; i < 3; i++)
		p = hp_ap_put(p, hp_ap_zigzag((int64_t)(pcs[i] - pcs[i - 1])));
	p = hp_ap_put(p, 2);                                 /* nr_py */
	p = hp_ap_put(p, hp_ap_zigzag(0x7f1000)); p = hp_ap_put(p, hp_ap_zigzag(-2));
	p = hp_ap_put(p, PYSAMPLE_ENTRY);
	p = hp_ap_put(p, hp_ap_zigzag(-0x800)); p = hp_ap_put(p, hp_ap_zigzag(40));
	p = hp_ap_put(p, 0);
	if (flags & HP_AP_RF_KCHAIN) {                       /* 3 kernel frames */
		static const uint64_t k[3] = { 0xffffffff8161a0f0ull, 0xffffffff8161a200ull,
					       0xffffffff81000130ull };
		p = hp_ap_put(p, 3);
		p = hp_ap_put(p, k[0]);
		for (int i = 1; i < 3; i++)
			p = hp_ap_put(p, hp_ap_zigzag((int64_t)(k[i] - k[i - 1])));
	}
	uint32_t len = (uint32_t)(p - rec);
	while (len % HP_AP_ALIGN)
		rec[len++] = 0;
	return len;
}

int main(void)
{
	struct hp_alloc_event ev;
	uint32_t len = build_pysample(0);
	CHECK_EQ_INT(decode(len, HP_AP_PYSAMPLE, &ev), 1);
	CHECK_EQ_INT(ev.kind, HP_ALLOC_SAMPLE);
	CHECK_EQ_INT(ev.tid, 7);
	CHECK_EQ_INT(ev.t_ns, 1100);
	CHECK_EQ_INT(ev.nr_pcs, 3);
	CHECK(ev.pcs[1] == 0x7f0000001234ull && ev.pcs[2] == 0x400f00);
	CHECK(ev.flags & HP_ALLOC_F_PYTHON);
	CHECK(!(ev.flags & HP_ALLOC_F_PYFAIL));
	CHECK_EQ_INT(ev.nr_py, 2);
	CHECK(ev.py[0].code == 0x7f1000 && ev.py[0].offset == -2 && ev.py[0].flags == PYSAMPLE_ENTRY);
	CHECK(ev.py[1].code == 0x7f0800 && ev.py[1].offset == 40 && ev.py[1].flags == 0);

	len = build_pysample(HP_AP_RF_PYFAIL | HP_AP_RF_TRUNCATED);
	CHECK_EQ_INT(decode(len, HP_AP_PYSAMPLE, &ev), 1);
	CHECK(ev.flags & HP_ALLOC_F_PYFAIL);
	CHECK(ev.flags & HP_ALLOC_F_TRUNCATED);

	CHECK(!(ev.flags & HP_ALLOC_F_KCHAIN));
	CHECK_EQ_INT(ev.nr_kpcs, 0);

	/* the kernel part */
	len = build_pysample(HP_AP_RF_KCHAIN);
	CHECK_EQ_INT(decode(len, HP_AP_PYSAMPLE, &ev), 1);
	CHECK(ev.flags & HP_ALLOC_F_KCHAIN);
	CHECK(ev.flags & HP_ALLOC_F_KMODE);
	CHECK_EQ_INT(ev.nr_py, 2);
	CHECK_EQ_INT(ev.nr_kpcs, 3);
	CHECK(ev.kpcs[0] == 0xffffffff8161a0f0ull && ev.kpcs[1] == 0xffffffff8161a200ull &&
	      ev.kpcs[2] == 0xffffffff81000130ull);
	uint32_t kend = len;
	while (kend > 0 && !rec[kend - 1])
		kend--;
	for (uint32_t cut = kend - 12; cut + 1 < kend; cut++)   /* cut in the kernel part */
		CHECK_EQ_INT(decode(cut, HP_AP_PYSAMPLE, &ev), -HP_ECORRUPT);

	/* a SAMPLE record is no Python sample */
	len = build_pysample(HP_AP_RF_PYFAIL | HP_AP_RF_TRUNCATED);
	CHECK_EQ_INT(decode(len, HP_AP_SAMPLE, &ev), 1);
	CHECK(!(ev.flags & HP_ALLOC_F_PYTHON));

	/* every cut inside the body is corrupt (4-byte steps: records are aligned) */
	len = build_pysample(0);
	uint32_t body_end = len;
	while (body_end > 0 && !rec[body_end - 1])
		body_end--;
	for (uint32_t cut = sizeof(struct hp_ap_rec) + 4; cut + 1 < body_end; cut++) {
		int rc = decode(cut, HP_AP_PYSAMPLE, &ev);
		if (rc != -HP_ECORRUPT) {
			printf("cut at %u of %u: rc %d\n", cut, body_end, rc);
			CHECK(rc == -HP_ECORRUPT);
			break;
		}
	}
	/* more frames than a record may carry */
	uint8_t *p = begin(0, 0);
	p = hp_ap_put(p, 0);
	p = hp_ap_put(p, HP_AP_MAX_PY_FRAMES + 1);
	CHECK_EQ_INT(decode((uint32_t)(p - rec + 3) & ~3u, HP_AP_PYSAMPLE, &ev), -HP_ECORRUPT);

	/* PYCODE: the body after tid and t, as it is */
	p = begin(0, 0);
	uint8_t *body = p;
	p = hp_ap_put(p, 1);
	p = hp_ap_put(p, 0x5000);
	p = hp_ap_put(p, 4);
	memcpy(p, "abcd", 4);
	p += 4;
	len = (uint32_t)(p - rec);
	CHECK_EQ_INT(decode(len, HP_AP_PYCODE, &ev), 1);
	CHECK_EQ_INT(ev.kind, HP_ALLOC_PYCODE);
	CHECK(ev.blob == NULL || ev.blob_len == (uint32_t)(p - body));
	CHECK_EQ_INT(ev.blob_len, (uint32_t)(p - body));
	return hp_test_result();
}
