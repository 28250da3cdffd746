// Dropout keep-masks from a counter-based generator (pyfapi/kernels/dropout.py).
//
// Element i of the stream `seed` is kept iff its 32-bit draw u_i >= threshold (threshold =
// round(rate * 2^32), so P(drop) = rate to 2^-32), and mask[i] = kept ? scale : 0. The draws
// are SplitMix64 outputs (Steele, Lea & Flood 2014; the finaliser of Java's SplittableRandom):
//   z_j = mix(seed + (j + 1) * 0x9E3779B97F4A7C15),  u_{2j} = low 32 bits, u_{2j+1} = high 32,
//   mix(z): z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB;
//   z ^= z >> 31.
// Each element depends on (seed, i) only: the mask is the same on every thread count and every
// ISA path (integer arithmetic), and the work splits freely (parallel over blocks).
#pragma once
#include <cstdint>

namespace pyfapi {

// out: n floats. threshold: 0 keeps everything; scale: the kept value (1 / (1 - rate)).
void dropout_mask(float* out, int64_t n, uint64_t seed, uint32_t threshold, float scale);

// out[k] = mask[start + k] for k in [0, n): a stretch of dropout_mask's stream at any start;
// single-threaded (for kernels that apply dropout inside their own parallel loops:
// csrc/attention).
void dropout_mask_range(float* out, int64_t start, int64_t n, uint64_t seed, uint32_t threshold,
                        float scale);

}  // namespace pyfapi
