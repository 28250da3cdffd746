list(APPEND PYFAPI_SOURCES csrc/lstm/lstm.cpp)
