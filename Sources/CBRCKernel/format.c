#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include "brc_format.h"

/* 10^0 .. 10^22: every one is a double exactly. */
static const double powers[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* a * 10^k in at most two correctly rounded operations (|k| <= 44; here -23 .. 44). */
static double scale10(double a, int k) {
    if (k >= 0) return k <= 22 ? a * powers[k] : (a * powers[22]) * powers[k - 22];
    return -k <= 22 ? a / powers[-k] : (a / powers[22]) / powers[-k - 22];
}

/* The fast path of brc_format_e10: the 11 significant digits of |x| as an integer in
 * [1e10, 1e11) and the decimal exponent, or 0 when the scaled value lies too close to a
 * rounding boundary to decide without exact arithmetic (then printf decides). The scaled
 * value y = |x| 10^(10 - e) carries at most two roundings (relative error below 2.3e-16,
 * absolute below 2.3e-5 at y < 1e11), so its nearest integer is the correctly rounded one
 * whenever its fraction is further than 1e-4 from one half. */
static int digits11(double a, int64_t *n, int *e) {
    int e10 = (int)floor(log10(a));
    double y = scale10(a, 10 - e10);
    if (y < 1e10) { e10 -= 1; y = scale10(a, 10 - e10); }
    else if (y >= 1e11) { e10 += 1; y = scale10(a, 10 - e10); }
    if (y < 1e10 || y >= 1e11) return 0;
    const double f = y - floor(y);
    if (fabs(f - 0.5) < 1e-4) return 0;
    int64_t m = (int64_t)floor(y) + (f > 0.5);
    if (m == 100000000000LL) { m = 10000000000LL; e10 += 1; }
    *n = m;
    *e = e10;
    return 1;
}

/* printf's "%.10e" without printf for zero and numbers of magnitude 1e-33 .. 1e33 (what
 * simulations record, in SI units); printf itself for the rest (tiny, huge, not finite) and for
 * near-ties. The same bytes as printf (ScientificFormatTests compares them on random and boundary
 * values). */
int brc_format_e10(char *buf, size_t size, double x) {
    const double a = fabs(x);
    int64_t n;
    int e;
    if (size < 24) return snprintf(buf, size, "%.10e", x);
    if (a == 0) { n = 0; e = 0; }  /* zero (a recorded cell at rest at 0 mV, say): "0.0000000000e+00" */
    else if (!(a >= 1e-33 && a <= 1e33) || !digits11(a, &n, &e)) return snprintf(buf, size, "%.10e", x);
    char *p = buf;
    if (signbit(x)) *p++ = '-';
    char d[11];
    for (int i = 10; i >= 0; i--) { d[i] = (char)('0' + n % 10); n /= 10; }
    *p++ = d[0];
    *p++ = '.';
    for (int i = 1; i <= 10; i++) *p++ = d[i];
    *p++ = 'e';
    *p++ = e < 0 ? '-' : '+';
    int ae = e < 0 ? -e : e;
    if (ae >= 100) { *p++ = (char)('0' + ae / 100); ae %= 100; }
    *p++ = (char)('0' + ae / 10);
    *p++ = (char)('0' + ae % 10);
    *p = 0;
    return (int)(p - buf);
}
