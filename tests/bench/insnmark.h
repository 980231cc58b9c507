/* SPDX-License-Identifier: GPL-2.0 */
/*
 * insn_mark(ID): a marker for tests/bench/insncount.c, the QEMU plugin
 * that counts the guest's instructions. A no-op for the CPU,
 * "nopl 0x4b41NNNN(%rax)"; under the plugin it writes the instruction
 * counts so far, tagged with ID (0 to 65535), to the plugin's log.
 */
#ifndef KA_INSNMARK_H
#define KA_INSNMARK_H

#define INSN_MARK_TAG	0x4b410000

#define insn_mark(id) \
	__asm__ __volatile__("nopl %c0(%%rax)" : : "i" (INSN_MARK_TAG | (id)) : "memory")

#endif
