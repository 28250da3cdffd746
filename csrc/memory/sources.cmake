list(APPEND PYFAPI_SOURCES csrc/memory/array_cache.cpp csrc/memory/bindings_memory.cpp)
