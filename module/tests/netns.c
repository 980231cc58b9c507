// SPDX-License-Identifier: GPL-2.0
/* The module's netns.c, compiled again for the test module (see Kbuild). */
#include "../netns.c"
