// SPDX-License-Identifier: GPL-2.0
/*
 * insnloop: known work between markers, for insncount's own test
 * (tests/bench/insn-selftest.sh).
 *
 *   insnloop LOOPS
 *
 * Between marker 1 and marker 2 it runs a loop of exactly 2 * LOOPS user
 * instructions ("dec; jnz" LOOPS times) and little else, so the user
 * instructions counted between the markers of two runs differ by exactly
 * 2 * (LOOPS1 - LOOPS2): the plugin counts every user process's
 * instructions, so this holds on a guest where nothing else runs in user
 * space meanwhile (the test VM, one vCPU). Between markers 3 and 4 it
 * makes 1000 getppid() system calls: kernel work whose count must agree
 * run to run.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "insnmark.h"

static void spin(unsigned long n)
{
	__asm__ __volatile__("1: dec %0\n\tjnz 1b" : "+r" (n) : : "cc");
}

int main(int argc, char **argv)
{
	unsigned long loops;
	int i;

	if (argc != 2 || (loops = strtoul(argv[1], NULL, 0)) == 0)
		return 2;
	insn_mark(1);
	spin(loops);
	insn_mark(2);
	insn_mark(3);
	for (i = 0; i < 1000; i++)
		syscall(SYS_getppid);
	insn_mark(4);
	return 0;
}
