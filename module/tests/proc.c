// SPDX-License-Identifier: GPL-2.0
/* The module's proc.c, compiled again for the test module (see Kbuild). */
#include "../proc.c"
