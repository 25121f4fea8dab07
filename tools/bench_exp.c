/* bench_exp: CPU time per element of brcc's exponentials, a division, and one HH gate's rates
 * computed in float against the same gate looked up in a rate table (gathers), each in a
 * vectorised loop over 4,096 values, best of 5. Not a test; docs/performance.md, docs/numerics.md.
 *
 *   cc -O3 -march=native -ffp-contract=off -fno-fast-math tools/bench_exp.c -o /tmp/bench_exp -lm && /tmp/bench_exp
 *   cc -O3 -march=native -ffp-contract=off -fno-fast-math -DFAST tools/bench_exp.c -o /tmp/bench_exp_fast -lm && /tmp/bench_exp_fast
 *
 * -DFAST compiles with the fast kernels' pragma. The functions are copies of the generated
 * kernels' (Sources/BRCCodeGen/Preamble.swift). */
#ifdef FAST
#pragma GCC optimize ("no-trapping-math", "fp-contract=fast", "reciprocal-math", "finite-math-only", "no-signed-zeros")
#endif
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* exp(x) for kernels: 2^k * exp(r), r = x - k ln2 split in two parts (Cody-Waite),
 * exp(r) by its Taylor polynomial of degree 13 (|r| <= ln2/2 + rounding: truncation < 1e-17)
 * evaluated by Estrin's scheme, 2^k built in the exponent bits. Within 2 ulp of exp;
 * branch-free so the compiler vectorises it, and the same bits in vector and scalar code
 * (and in the Swift backend). Arguments are clamped to [-708, 709] (exp(-708) ~ 3e-308
 * stands for underflow, exp(709) ~ 8e307 for overflow); NaN stays NaN. Always inlined: in
 * a large step function gcc's inliner otherwise stops inlining it, and a loop with a call
 * does not vectorise (measured on the study network: two of the pyramidal cell's channel
 * loops ran scalar, a third of its step time). */
static inline __attribute__((always_inline)) double brc_exp(double x) {
    x = x < -708.0 ? -708.0 : x;
    x = x > 709.0 ? 709.0 : x;
    /* k = round(x / ln2) by the 1.5 * 2^52 shift; the shifted value's low bits hold k. */
    const double shifted = x * 1.4426950408889634 + 6755399441055744.0;
    const double kf = shifted - 6755399441055744.0;
    const double r = (x - kf * 0.693147180369123816490) - kf * 1.90821492927058770002e-10;
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const double a0 = 1.0 + r, a1 = 0.5 + r * (1.0 / 6.0), a2 = 1.0 / 24.0 + r * (1.0 / 120.0);
    const double a3 = 1.0 / 720.0 + r * (1.0 / 5040.0), a4 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
    const double a5 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0), a6 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
    const double b0 = a0 + r2 * a1, b1 = a2 + r2 * a3, b2 = a4 + r2 * a5;
    const double c0 = b0 + r4 * b1, c1 = b2 + r4 * a6;
    const double p = c0 + r8 * c1;
    int64_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    bits = (bits - 0x4338000000000000LL + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}


/* expf(x): the same method as brc_exp in float (Cody-Waite with ln2 split 0.693359375 +
 * -2.12194440e-4, Taylor degree 7 by Estrin: truncation < 5e-9 on |r| <= ln2/2): relative
 * error at most 1.7e-7 (3 ulp; measured against exp on [-87, 88]); arguments clamped to
 * [-87, 88] (float's normal range). */
static inline __attribute__((always_inline)) float brc_expf(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float shifted = x * 1.44269504f + 12582912.0f;
    const float kf = shifted - 12582912.0f;
    const float r = (x - kf * 0.693359375f) - kf * -2.12194440e-4f;
    const float r2 = r * r, r4 = r2 * r2;
    const float a0 = 1.0f + r, a1 = 0.5f + r * (1.0f / 6.0f), a2 = 1.0f / 24.0f + r * (1.0f / 120.0f);
    const float a3 = 1.0f / 720.0f + r * (1.0f / 5040.0f);
    const float p = (a0 + r2 * a1) + r4 * (a2 + r2 * a3);
    int32_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    bits = (bits - 0x4B400000 + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* 1 - exp(-h), the gate update factor for h = dt/tau. For |h| < 1/4 by its series to h^6
 * (relative truncation < 5e-8): 1 - expf(-h) would lose log2(1/h) bits to cancellation,
 * a bias of up to 1e-3 in the time constant of a gate with tau = 1 s. Relative error at
 * most 4e-7 for every h (measured against -expm1(-h)). */
static inline __attribute__((always_inline)) float brc_gatef(float h) {
    const float series = h * (1.0f - h * (0.5f - h * (1.0f / 6.0f - h * (1.0f / 24.0f - h * (1.0f / 120.0f - h * (1.0f / 720.0f))))));
    const float direct = 1.0f - brc_expf(-h);
    return fabsf(h) < 0.25f ? series : direct;
}



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
