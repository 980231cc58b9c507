// SPDX-License-Identifier: GPL-2.0
/* The module's cgpath.c, compiled again for the test module (see Kbuild). */
#include "../cgpath.c"
