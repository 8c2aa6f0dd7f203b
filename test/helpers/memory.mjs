// Memory figures that must not move while a core works: all of mh_mem's but
// the two that follow the stack's high-water mark, which depends on the path
// the code took (a different handshake, a different parser state).
export function withoutStackPeak(report) {
  const { STACK_PEAK, USED_PEAK, ...rest } = report;
  return { ...rest, USED_PEAK_WITHOUT_STACK: USED_PEAK - STACK_PEAK };
}
