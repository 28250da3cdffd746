// avx512 GEMM microkernel (to be written with the packed kernel).
namespace pyfapi { int ukernel_avx512_placeholder() { return 0; } }
