/* brc_noise.h: the normal deviates of noise currents in fast precision (not part of the
 * kernel ABI; the runtime calls it). */
#ifndef BRC_NOISE_H
#define BRC_NOISE_H

#include <stdint.h>

/* out[i] = the standard normal deviate of key[i] at counter b, by the Box-Muller transform of
 * BRCIR's CounterRandom.normal(prefix:_:) (the same two uniforms), with brcc's own log and
 * cos(2 pi u) in place of libm's: branch-free polynomials that vectorise, within 3e-15 of
 * libm's result. A deviate has the same bits in a vector lane as alone (n = 1). */
void brc_normals_fast(int64_t n, const uint64_t *key, uint64_t b, double *out);

#endif
