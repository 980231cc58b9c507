// SPDX-License-Identifier: GPL-2.0
/* The module's selhash.c, compiled again for the test module (see Kbuild). */
#include "../selhash.c"
