# Fused last-axis softmax with optional masks (pyfapi/kernels/softmax.py): per-ISA row kernels.
list(APPEND PYFAPI_SOURCES csrc/softmax/softmax.cpp csrc/softmax/bindings_softmax.cpp)
# The clamps of the vector exp only vectorise with GCC when FP traps are not modelled.
pyfapi_isa_kernels(csrc/softmax/softmax_rows.inc FLAGS -fno-trapping-math)
