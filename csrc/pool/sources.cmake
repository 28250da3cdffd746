list(APPEND PYFAPI_SOURCES csrc/pool/pool.cpp)
