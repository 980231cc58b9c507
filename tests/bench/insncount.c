// SPDX-License-Identifier: GPL-2.0
/*
 * insncount: a QEMU TCG plugin that counts the instructions the guest
 * executes, kernel and user apart, and reports the counts whenever the
 * guest executes a marker (tests/bench/insnmark.h). The benchmark's cost
 * measure: unlike time under emulation, an instruction count does not
 * depend on the host's load, so the same work counts the same run to run.
 *
 *   qemu-system-x86_64 -accel tcg,thread=single \
 *     -plugin insncount.so -d plugin -D LOG ...
 *
 * Each marker executed prints to LOG:
 *
 *   insncount: mark ID kernel K modules M user U
 *   insncount: page ID ADDRESS COUNT     (one per page of the module area)
 *
 * K, M and U are the totals since boot over every virtual CPU; the cost
 * of what ran between two markers is the difference. K counts the whole
 * kernel; M, part of K, the module area (0xffffffffc0000000 up, on a
 * kernel with KASLR as Debian's): modules' text, and the trampolines
 * kprobes and ftrace allocate there. The page lines split M by 4 KiB
 * page of code, so that a module's own instructions (its pages, from
 * /proc/modules) are told from the trampolines'. At exit:
 *
 *   insncount: total kernel K modules M user U
 *
 * How it counts. When QEMU translates a block of guest code, the plugin
 * adds an inline "add N to a counter" to it (N its instructions, the
 * counter the kernel's or user's, by the block's address: the upper half
 * of the x86-64 address space is the kernel's), so a block's instructions
 * are counted each time it runs, at its start, without a call into the
 * plugin. A block that ends early (a fault in the middle) is counted
 * whole; the measured code paths take no faults once warm.
 *
 * "page ID" lines are a mark's too, with the "mark ID" words in place of
 * ID: "insncount: page mark 7 0xffffffffc0a01000 1234".
 *
 * With the argument blocks=on (-plugin insncount.so,blocks=on), each
 * block of kernel code (module area included) also has a counter of its
 * own, and the marks 1 and 2 bound a profile: mark 2 prints, for every
 * block that ran since the last mark 1, its start address and the
 * instructions it executed meanwhile:
 *
 *   insncount: block mark 2 ADDRESS COUNT
 *
 * The benchmark maps the addresses to functions (System.map, shifted by
 * the guest's KASLR offset, and the module's symbols from /proc/kallsyms)
 * to tell where a connection's added instructions go, hook by hook.
 *
 * The counters are plain variables: QEMU must run every virtual CPU on one
 * host thread (thread=single; icount implies it), else two CPUs' adds
 * race and lose counts. tests/vm/ka-vm --plugin sets that.
 *
 * A marker is "nopl 0x4b41NNNN(%rax)" executed in user mode (bytes
 * 0f 1f 80 NN NN 41 4b): a no-op for the CPU that nothing else emits;
 * NNNN is its id. Its block gets a call to mark() before the marker.
 *
 * Debian ships neither qemu-plugin.h nor QEMU's example plugins, so the
 * handful of API functions used are declared here, as QEMU 7.2's
 * qemu-plugin.h declares them (plugin API version 1, as 8.x's). QEMU 9.0
 * (API 2) replaced the inline add used here with per-vCPU scoreboards, and
 * QEMU refuses a plugin of a version it does not support, with a message:
 * this one loads on QEMU 7.2 to 8.2, which Debian 12 ships.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* ---- QEMU's plugin API, as used here ---- */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;	/* not looked into */

enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    enum qemu_plugin_cb_flags flags,
					    void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

EXPORT int qemu_plugin_version = 1;
EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			       int argc, char **argv);

/* ---- the counter ---- */

#define KERNEL_START	0xffff800000000000ULL
#define MODULES_START	0xffffffffc0000000ULL	/* MODULES_VADDR with KASLR */
#define MODULES_END	0xffffffffff000000ULL
#define PAGE_SHIFT	12
#define MAX_PAGES	4096			/* module area pages that run code */
#define MARK_TAG	0x4b41U			/* "KA", the marker's upper half */

static uint64_t kernel_insns, user_insns;

/*
 * The module area's pages, each with its counter (kernel_insns does not
 * count them: report() adds modules_insns() to it). Looked up only when
 * a block is translated: an open-addressed table, never shrunk.
 */
static struct page_count {
	uint64_t page;		/* address >> PAGE_SHIFT; 0: free slot */
	uint64_t insns;
} pages[MAX_PAGES];
static uint64_t pages_overflow;	/* module area blocks without a slot */

static uint64_t *page_counter(uint64_t vaddr)
{
	uint64_t page = vaddr >> PAGE_SHIFT;
	size_t i = (page * 0x9e3779b97f4a7c15ULL) >> 52, n;

	for (n = 0; n < MAX_PAGES; n++, i = (i + 1) % MAX_PAGES) {
		if (pages[i].page == page)
			return &pages[i].insns;
		if (!pages[i].page) {
			pages[i].page = page;
			return &pages[i].insns;
		}
	}
	return &pages_overflow;
}

/*
 * The blocks of kernel code, by start address, each with its counter and
 * the counter's value at the last mark 1: blocks=on only. Found only
 * when a block is translated; the same address translated again (after
 * kprobes patched the text, say) gets the same counter.
 */
#define MAX_BLOCKS	(1U << 18)
static bool blocks_on;
static struct block_count {
	uint64_t vaddr;		/* 0: free slot */
	uint64_t insns;
	uint64_t at_mark;	/* insns at the last mark 1 */
} *blocks;
static uint64_t blocks_overflow, overflow_at_mark;	/* blocks without a slot */

static uint64_t *block_counter(uint64_t vaddr)
{
	size_t i = (vaddr * 0x9e3779b97f4a7c15ULL) >> (64 - 18), n;

	for (n = 0; n < MAX_BLOCKS; n++, i = (i + 1) % MAX_BLOCKS) {
		if (blocks[i].vaddr == vaddr)
			return &blocks[i].insns;
		if (!blocks[i].vaddr) {
			blocks[i].vaddr = vaddr;
			return &blocks[i].insns;
		}
	}
	return &blocks_overflow;
}

/* At mark 1 the profile starts; at mark 2 it is printed. */
static void blocks_mark(unsigned int id)
{
	char line[160];
	size_t i;

	for (i = 0; i < MAX_BLOCKS; i++) {
		struct block_count *b = &blocks[i];

		if (!b->vaddr)
			continue;
		if (id == 2 && b->insns != b->at_mark) {
			snprintf(line, sizeof(line),
				 "insncount: block mark 2 0x%" PRIx64 " %" PRIu64 "\n",
				 b->vaddr, b->insns - b->at_mark);
			qemu_plugin_outs(line);
		}
		b->at_mark = b->insns;
	}
	if (id == 2 && blocks_overflow != overflow_at_mark) {
		snprintf(line, sizeof(line),
			 "insncount: block mark 2 overflow %" PRIu64 "\n",
			 blocks_overflow - overflow_at_mark);
		qemu_plugin_outs(line);
	}
	overflow_at_mark = blocks_overflow;
}

static uint64_t modules_insns(void)
{
	uint64_t sum = pages_overflow;
	size_t i;

	for (i = 0; i < MAX_PAGES; i++)
		sum += pages[i].insns;
	return sum;
}

static void report(const char *what)
{
	char line[160];
	size_t i;

	snprintf(line, sizeof(line),
		 "insncount: %s kernel %" PRIu64 " modules %" PRIu64 " user %" PRIu64 "\n",
		 what, kernel_insns + modules_insns(), modules_insns(), user_insns);
	qemu_plugin_outs(line);
	for (i = 0; i < MAX_PAGES; i++) {
		if (!pages[i].insns)
			continue;
		snprintf(line, sizeof(line), "insncount: page %s 0x%" PRIx64 " %" PRIu64 "\n",
			 what, pages[i].page << PAGE_SHIFT, pages[i].insns);
		qemu_plugin_outs(line);
	}
}

static void mark(unsigned int vcpu_index, void *userdata)
{
	char what[32];

	(void)vcpu_index;
	snprintf(what, sizeof(what), "mark %u", (unsigned int)(uintptr_t)userdata);
	report(what);
	if (blocks_on && ((uintptr_t)userdata == 1 || (uintptr_t)userdata == 2))
		blocks_mark((unsigned int)(uintptr_t)userdata);
}

/* The marker's id, or -1 when insn is not a marker. */
static int marker_id(const struct qemu_plugin_insn *insn)
{
	const unsigned char *b = qemu_plugin_insn_data(insn);
	uint32_t disp;

	if (qemu_plugin_insn_size(insn) != 7 || b[0] != 0x0f || b[1] != 0x1f ||
	    b[2] != 0x80)
		return -1;
	memcpy(&disp, b + 3, sizeof(disp));	/* little endian, as x86 */
	return disp >> 16 == MARK_TAG ? (int)(disp & 0xffff) : -1;
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	uint64_t *counter = &user_insns;
	int mark_id;

	(void)id;
	if (vaddr >= MODULES_START && vaddr < MODULES_END)
		counter = page_counter(vaddr);
	else if (vaddr >= KERNEL_START)
		counter = &kernel_insns;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 counter, n);
	if (vaddr >= KERNEL_START) {
		if (blocks_on)
			qemu_plugin_register_vcpu_tb_exec_inline(tb,
								 QEMU_PLUGIN_INLINE_ADD_U64,
								 block_counter(vaddr), n);
		return;
	}
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		mark_id = marker_id(insn);
		if (mark_id >= 0)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, mark,
							       QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)mark_id);
	}
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
	(void)id;
	(void)userdata;
	report("total");
}

int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "blocks=on")) {
			blocks_on = true;
		} else if (strcmp(argv[i], "blocks=off")) {
			qemu_plugin_outs("insncount: the only argument is blocks=on|off\n");
			return -1;
		}
	}
	if (blocks_on) {
		blocks = calloc(MAX_BLOCKS, sizeof(*blocks));
		if (!blocks) {
			qemu_plugin_outs("insncount: no memory for blocks=on\n");
			return -1;
		}
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
