# Fused optimizer updates (pyfapi/kernels/optim.py). The chunk kernels are plain loops compiled
# once per ISA; -ffp-contract=off keeps numpy's float32 operation order (no FMA), -fno-math-errno
# lets sqrt vectorise, -fno-trapping-math lets the clamps / max become selects. -fno-lto: a
# link-time optimisation pass merges -ftrapping-math back on for every function, which keeps
# Ftrl's power loop (pow_f32) from being vectorised (7x slower).
list(APPEND PYFAPI_SOURCES csrc/optim/optim.cpp)
pyfapi_isa_kernels(csrc/optim/optim_kernels_impl.h
                   FLAGS "-ffp-contract=off -fno-math-errno -fno-trapping-math -fno-lto")
