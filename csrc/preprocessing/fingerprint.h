// FarmHash Fingerprint64 (the "na" 64-bit variant of Google's FarmHash, stable across platforms):
// the hash TensorFlow's tf.strings.to_hash_bucket_fast applies, so that Keras's Hashing layer
// and multi-OOV lookups put a string in the same bin in pyfapi. Written from the published
// algorithm (Geoff Pike, FarmHash, 2014); checked against Keras's bins and the pyfarmhash package
// in tests/layers/test_preprocessing_text.py.
#pragma once
#include <cstddef>
#include <cstdint>

namespace pyfapi {

uint64_t fingerprint64(const char* s, size_t len);

}  // namespace pyfapi
