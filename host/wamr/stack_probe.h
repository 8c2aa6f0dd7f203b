/*
 * Measures the native (C) stack a piece of work uses, as a board's
 * uxTaskGetStackHighWaterMark does: the work runs on a thread whose stack is
 * painted with a pattern first, and the untouched part is counted after.
 */
#ifndef MICROHTTPS_STACK_PROBE_H
#define MICROHTTPS_STACK_PROBE_H

#include <stddef.h>

/* Runs work(arg) on a painted stack of stack_bytes; *peak is the deepest use.
 * Returns work's result, or -1 when the thread could not be made. */
int stack_probe_run(int (*work)(void *), void *arg, size_t stack_bytes, size_t *peak);

#endif
