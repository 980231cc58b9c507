// SPDX-License-Identifier: GPL-2.0
/* The module's hooks.c, compiled again for the test module (see Kbuild). */
#include "../hooks.c"
