// SPDX-License-Identifier: GPL-2.0
/* The module's ranges.c, compiled again for the test module (see Kbuild). */
#include "../ranges.c"
