# Layer normalization (pyfapi/kernels/layernorm.py): per-ISA row kernels, bindings of the family.
list(APPEND PYFAPI_SOURCES csrc/layernorm/layernorm.cpp csrc/layernorm/bindings_layernorm.cpp)
pyfapi_isa_kernels(csrc/layernorm/layernorm_rows.inc)
