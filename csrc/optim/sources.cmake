# Fused optimizer updates (pyfapi/kernels/optim.py). The chunk kernels are plain loops compiled
# once per ISA; -ffp-contract=off keeps numpy's float32 operation order (no FMA), -fno-math-errno
# lets sqrt vectorise, -fno-trapping-math lets the clamps / max become selects.
list(APPEND PYFAPI_SOURCES csrc/optim/optim.cpp)
pyfapi_isa_kernels(csrc/optim/optim_kernels_impl.h
                   FLAGS "-ffp-contract=off -fno-math-errno -fno-trapping-math")
