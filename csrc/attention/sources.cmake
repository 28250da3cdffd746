# Fused multi-head dot-product attention (pyfapi/kernels/attention.py): per-head GEMMs and softmax.
list(APPEND PYFAPI_SOURCES csrc/attention/attention.cpp csrc/attention/bindings_attention.cpp)
