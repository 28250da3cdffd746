# Fused last-axis softmax with optional masks (pyfapi/kernels/softmax.py): per-ISA row kernels.
list(APPEND PYFAPI_SOURCES csrc/softmax/softmax.cpp csrc/softmax/xent.cpp
     csrc/softmax/bindings_softmax.cpp)
# The clamps / selects of the vector exp only vectorise with GCC when FP traps are not modelled;
# -fno-lto: the link-time pass would merge -ftrapping-math back on (see csrc/optim/sources.cmake).
pyfapi_isa_kernels(csrc/softmax/softmax_rows.inc FLAGS "-fno-trapping-math -fno-lto")
