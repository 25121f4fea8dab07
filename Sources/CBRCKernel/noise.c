#include <math.h>
#include "brc_noise.h"

/* No contraction into fused multiply-adds: a deviate then has the same bits in the vector
 * loop, in its scalar remainder and in a call for one key, on every clone below. */
#pragma STDC FP_CONTRACT OFF

/* SplitMix64's finaliser of x + increment (CounterRandom.mix). */
static inline uint64_t brc_noise_mix(uint64_t x) {
    uint64_t z = x + UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* log(x) for normal x > 0: x = 2^e m with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh(s),
 * s = (m - 1)/(m + 1), |s| < 0.172, by its series to s^21 (truncation below 3e-18), e ln 2
 * in two parts (Cody-Waite). Within 1e-15 relative of libm's log on (0, 1]. */
static inline double brc_noise_log(double x) {
    uint64_t bits;
    __builtin_memcpy(&bits, &x, sizeof bits);
    int64_t e = (int64_t)(bits >> 52) - 1023;
    const uint64_t mb = (bits & UINT64_C(0x000fffffffffffff)) | UINT64_C(0x3ff0000000000000);
    double m;
    __builtin_memcpy(&m, &mb, sizeof m);
    const int big = m > 1.4142135623730951;
    m = big ? 0.5 * m : m;
    e = big ? e + 1 : e;
    const double f = m - 1.0, s = f / (2.0 + f), z = s * s;
    const double z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
    const double a0 = 1.0 + z * (1.0 / 3.0), a1 = 1.0 / 5.0 + z * (1.0 / 7.0), a2 = 1.0 / 9.0 + z * (1.0 / 11.0);
    const double a3 = 1.0 / 13.0 + z * (1.0 / 15.0), a4 = 1.0 / 17.0 + z * (1.0 / 19.0), a5 = 1.0 / 21.0;
    const double b0 = a0 + z2 * a1, b1 = a2 + z2 * a3, b2 = a4 + z2 * a5;
    const double p = b0 + z4 * b1 + z8 * b2;
    const double ed = (double)e;
    return ed * 0.693147180369123816490 + (2.0 * s * p + ed * 1.90821492927058770002e-10);
}

/* cos(2 pi u) for u in [0, 1): u = q/4 + r with q = round(4u) and |r| <= 1/8 (exact), then
 * cos or sin of t = 2 pi r (|t| <= pi/4, 2 pi in two parts) by their Taylor polynomials to
 * t^16 and t^15 (truncation below 1e-17), with the quadrant's sign. */
static inline double brc_noise_cos2pi(double u) {
    const double q = floor(4.0 * u + 0.5);
    const double r = u - 0.25 * q;
    const double t = r * 6.283185307179586 + r * 2.4492935982947064e-16;
    const double t2 = t * t;
    const double c = 1.0 + t2 * (-1.0 / 2 + t2 * (1.0 / 24 + t2 * (-1.0 / 720 + t2 * (1.0 / 40320 + t2 * (-1.0 / 3628800
                   + t2 * (1.0 / 479001600 + t2 * (-1.0 / 87178291200.0 + t2 * (1.0 / 20922789888000.0))))))));
    const double sn = t * (1.0 + t2 * (-1.0 / 6 + t2 * (1.0 / 120 + t2 * (-1.0 / 5040 + t2 * (1.0 / 362880
                    + t2 * (-1.0 / 39916800 + t2 * (1.0 / 6227020800.0 + t2 * (-1.0 / 1307674368000.0))))))));
    const int64_t k = (int64_t)q;
    const double v = (k & 1) ? sn : c;
    return ((k + 1) & 2) ? -v : v;
}

#if defined(__clang__)
#define BRC_NOISE_SQRT(x) __builtin_elementwise_sqrt(x)
#else
#define BRC_NOISE_SQRT(x) __builtin_sqrt(x)
#endif

/* On x86-64 Linux, a clone for AVX-512 CPUs (their 64-bit multiplies vectorise the mixing)
 * beside the baseline, chosen when the library loads. */
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "default")))
#endif
void brc_normals_fast(int64_t n, const uint64_t *restrict key, uint64_t b, double *restrict out) {
    for (int64_t i = 0; i < n; i++) {
        const double u1 = ((double)(brc_noise_mix(key[i] ^ (b << 1)) >> 11) + 0.5) * 0x1.0p-53;
        const double u2 = (double)(brc_noise_mix(key[i] ^ ((b << 1) | 1)) >> 11) * 0x1.0p-53;
        out[i] = BRC_NOISE_SQRT(-2.0 * brc_noise_log(u1)) * brc_noise_cos2pi(u2);
    }
}
