// SPDX-License-Identifier: GPL-2.0
/* The module's policy.c, compiled again for the test module (see Kbuild). */
#include "../policy.c"
