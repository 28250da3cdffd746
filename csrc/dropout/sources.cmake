# Dropout keep-masks from a counter-based generator (pyfapi/kernels/dropout.py).
list(APPEND PYFAPI_SOURCES csrc/dropout/dropout.cpp csrc/dropout/bindings_dropout.cpp)
pyfapi_isa_kernels(csrc/dropout/dropout_mask.inc)
