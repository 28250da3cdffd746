// generic GEMM microkernel (to be written with the packed kernel).
namespace pyfapi { int ukernel_generic_placeholder() { return 0; } }
