list(APPEND PYFAPI_SOURCES csrc/embedding/embedding.cpp)
