/* Native stack high-water mark of WAMR and the host (see stack_probe.h). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "stack_probe.h"
#include "wasm_export.h"

#define PAINT 0xA5
/* Left unpainted at the bottom: WAMR's guard pages live there (PROT_NONE
 * for AOT on 64-bit Linux), and WAMR touches the pages above them once. */
#define BOTTOM_SKIP (64u << 10)
/* Left unpainted under the painter's own frame (memset's frame is there). */
#define FRAME_MARGIN 4096u

typedef struct probe {
    int (*work)(void *);
    void *arg;
    uint8_t *stack;
    size_t stack_bytes;
    size_t peak;
    int result;
} probe;

/* Paints [low, high) from a frame of its own, then runs the work and finds
 * the lowest byte it changed. Not inlined: its frame is the top of the use. */
static __attribute__((noinline)) void paint_run_scan(probe *job) {
    volatile uint8_t top = 0;
    size_t below_frame = (size_t)((uintptr_t)&top - (uintptr_t)job->stack); /* offset of this frame in the stack */
    size_t low = BOTTOM_SKIP, high = below_frame - FRAME_MARGIN;
    memset(job->stack + low, PAINT, high - low);
    job->result = job->work(job->arg);
    size_t p = low;
    while (p < high && job->stack[p] == PAINT) p++;
    job->peak = below_frame - p;
}

static void *probe_thread(void *p) {
    probe *job = p;
    /* WAMR must know threads it did not create (stack bounds, AOT's signal handling) */
    if (!wasm_runtime_init_thread_env()) return NULL;
    paint_run_scan(job);
    wasm_runtime_destroy_thread_env();
    return NULL;
}

int stack_probe_run(int (*work)(void *), void *arg, size_t stack_bytes, size_t *peak) {
    static uint8_t stack[1u << 20] __attribute__((aligned(4096)));
    if (stack_bytes > sizeof stack || stack_bytes <= BOTTOM_SKIP + FRAME_MARGIN) return -1;
    probe job = { work, arg, stack, stack_bytes, 0, -1 };
    pthread_attr_t attr;
    pthread_t thread;
    int made = pthread_attr_init(&attr) == 0 && pthread_attr_setstack(&attr, stack, stack_bytes) == 0
               && pthread_create(&thread, &attr, probe_thread, &job) == 0;
    if (made) pthread_join(thread, NULL);
    pthread_attr_destroy(&attr);
    *peak = job.peak;
    return made ? job.result : -1;
}
