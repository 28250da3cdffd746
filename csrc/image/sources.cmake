list(APPEND PYFAPI_SOURCES csrc/image/image.cpp csrc/image/bindings_image.cpp)
