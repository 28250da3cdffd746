list(APPEND PYFAPI_SOURCES csrc/preprocessing/moments.cpp csrc/preprocessing/fingerprint.cpp csrc/preprocessing/bindings_preprocessing.cpp)
