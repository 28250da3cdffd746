// avx2 GEMM microkernel (to be written with the packed kernel).
namespace pyfapi { int ukernel_avx2_placeholder() { return 0; } }
