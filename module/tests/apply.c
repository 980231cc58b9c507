// SPDX-License-Identifier: GPL-2.0
/* The module's apply.c, compiled again for the test module (see Kbuild). */
#include "../apply.c"
