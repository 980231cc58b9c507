// SPDX-License-Identifier: GPL-2.0
/* The module's stats.c, compiled again for the test module (see Kbuild). */
#include "../stats.c"
