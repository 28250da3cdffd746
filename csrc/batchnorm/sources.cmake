list(APPEND PYFAPI_SOURCES csrc/batchnorm/batchnorm.cpp)
