list(APPEND PYFAPI_SOURCES csrc/conv/conv.cpp csrc/conv/depthwise.cpp)
