// SPDX-License-Identifier: GPL-2.0
/*
 * Preloaded into kactl by tests/stress/memcg.sh (LD_PRELOAD): touches
 * 64 KiB of stack below the one that main() will use, before main() runs.
 *
 * In a memory cgroup that the module's policies filled to its limit, the
 * kernel refuses the next policy with ENOMEM, and kactl's report of it
 * (fprintf() to an unbuffered stderr, 8 KiB of stack and more) then
 * reaches a stack page that kactl never touched before: charging that
 * page fails too, and the OOM killer kills kactl before it says a word.
 * Touched here, the page is already the cgroup's. kactl could do the same
 * itself; until it does, this stands in for it.
 */
#include <string.h>

__attribute__((constructor)) static void ka_prefault_stack(void)
{
	char pad[64 * 1024];

	memset(pad, 1, sizeof(pad));
	/* Keep the stores: the compiler must not drop a dead array. */
	__asm__ volatile("" : : "r"(pad) : "memory");
}
