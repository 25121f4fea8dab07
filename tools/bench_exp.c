/* bench_exp: CPU time per element of brcc's exponentials, a division, and one HH gate's rates
 * computed in float against the same gate looked up in a rate table (gathers), each in a
 * vectorised loop over 4,096 values, best of 5. Not a test; docs/performance.md, docs/numerics.md.
 *
 *   swift build -c release --product brcc-bench && .build/release/brcc-bench exp
 *
 * brcc-bench writes the generated kernels' math helpers (`Preamble.cMath`: brc_exp, brc_expf,
 * brc_gatef, with the fast kernels' pragma for -DFAST) to kernel_math.h and compiles this file
 * twice with the kernels' C flags, so the loops below use the kernels' own functions. */
#include <stdio.h>
#include <time.h>
#include "kernel_math.h"

#define N 4096
double a[N], b[N]; /* global, so the stores are not optimised away */
float af[N], bf[N], o1[N], o2[N];
float tab[2 * 2001 + 4]; /* inf and factor interleaved, -100..100 mV in 0.1 mV */

__attribute__((noinline)) static void run_exp(void) { _Pragma("GCC ivdep") for (int i = 0; i < N; i++) b[i] = brc_exp(a[i]); }
__attribute__((noinline)) static void run_libm(void) { for (int i = 0; i < N; i++) b[i] = exp(a[i]); }
__attribute__((noinline)) static void run_div(void) { _Pragma("GCC ivdep") for (int i = 0; i < N; i++) b[i] = 1.0 / a[i]; }
__attribute__((noinline)) static void run_expf(void) { _Pragma("GCC ivdep") for (int i = 0; i < N; i++) bf[i] = brc_expf(af[i]); }
__attribute__((noinline)) static void run_gatef(void) { _Pragma("GCC ivdep") for (int i = 0; i < N; i++) bf[i] = brc_gatef(af[i]); }
__attribute__((noinline)) static void run_divf(void) { _Pragma("GCC ivdep") for (int i = 0; i < N; i++) bf[i] = 1.0f / af[i]; }
/* one gate from its rates (Traub-like HH m gate), float */
__attribute__((noinline)) static void run_rates(void) { _Pragma("GCC ivdep") for (int i = 0; i < N; i++) {
    const float x = af[i];
    const float al = 0.32f * (x + 54.0f) / (1.0f - brc_expf(-(x + 54.0f) / 4.0f));
    const float be = 0.28f * (x + 27.0f) / (brc_expf((x + 27.0f) / 5.0f) - 1.0f);
    o1[i] = al / (al + be); o2[i] = brc_gatef(0.025f * (al + be)); } }
/* the same gate from a table: index, two gathers of (inf, factor) pairs, linear interpolation */
__attribute__((noinline)) static void run_table(void) { _Pragma("GCC ivdep") for (int i = 0; i < N; i++) {
    float u = (af[i] + 100.0f) * 10.0f;
    u = u < 0.0f ? 0.0f : u;
    u = u > 1999.0f ? 1999.0f : u;
    const int k = (int)u; const float w = u - (float)k;
    const float i0 = tab[2 * k], i1 = tab[2 * k + 2], f0 = tab[2 * k + 1], f1 = tab[2 * k + 3];
    o1[i] = i0 + w * (i1 - i0); o2[i] = f0 + w * (f1 - f0); } }

static double cpu(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
static double per_element(void (*f)(void), int reps) {
    double best = 1e9;
    for (int r = 0; r < 5; r++) { const double t0 = cpu(); for (int k = 0; k < reps; k++) f(); const double t = cpu() - t0; if (t < best) best = t; }
    return best / reps / N * 1e9;
}
int main(void) {
    for (int i = 0; i < N; i++) { a[i] = -50.0 + 100.0 * i / N; af[i] = (float)a[i]; }
    for (int i = 0; i < 2 * 2001 + 4; i++) tab[i] = 0.001f * (float)i;
#ifdef FAST
    printf("with the fast kernels' pragma:\n");
#else
    printf("with the exact kernels' flags:\n");
#endif
    printf("brc_exp   %.3f ns per element\n", per_element(run_exp, 20000));
    printf("libm exp  %.3f\n", per_element(run_libm, 5000));
    printf("1/x       %.3f (double)\n", per_element(run_div, 20000));
    printf("brc_expf  %.3f\n", per_element(run_expf, 20000));
    printf("brc_gatef %.3f\n", per_element(run_gatef, 20000));
    printf("1/x       %.3f (float)\n", per_element(run_divf, 20000));
    const double rates = per_element(run_rates, 20000), table = per_element(run_table, 20000);
    printf("one gate, float rates %.3f; from a rate table %.3f\n", rates, table);
    printf("(checksum %g %g %g %g)\n", b[5], bf[5], o1[5], o2[5]);
    return 0;
}
