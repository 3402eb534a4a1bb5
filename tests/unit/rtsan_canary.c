/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Proof that the RealtimeSanitizer build is armed: a REALTIME function
 * that allocates must abort. Registered with should_fail, so if RTSan ever
 * stops catching this (wrong flags, a compiler that ignores the
 * attribute), the suite fails instead of passing vacuously.
 */
#include "redlight/realtime.h"

#include <stdio.h>
#include <stdlib.h>

/* Escapes, so the optimizer cannot remove the malloc/free pair. */
static void *volatile canary_sink;

REALTIME static int allocate_on_audio_thread(void)
{
	canary_sink = malloc(64);
	return canary_sink != NULL;
}

int main(void)
{
	int ok = allocate_on_audio_thread();
	printf("RTSan did not stop a malloc in a REALTIME function (%d)\n", ok);
	free(canary_sink);
	return 0;
}
