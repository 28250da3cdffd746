// pybind11 binding of the dropout family (python face: pyfapi/kernels/dropout.py, which
// validates first; the checks here are a last guard before memory is touched).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "dropout/dropout.h"

namespace py = pybind11;

namespace pyfapi {

void bind_dropout(py::module_& m) {
  m.def(
      "dropout_mask",
      [](py::array_t<float, 0> out, uint64_t seed, uint32_t threshold, float scale) {
        if (!(out.flags() & py::array::c_style) || !out.writeable())
          throw py::value_error("dropout_mask: out must be a writable C-contiguous float32 array");
        float* p = out.mutable_data();
        const int64_t n = out.size();
        py::gil_scoped_release nogil;
        dropout_mask(p, n, seed, threshold, scale);
      },
      py::arg("out").noconvert(), py::arg("seed"), py::arg("threshold"), py::arg("scale"),
      "dropout_mask(out float32 C-contiguous, seed uint64, threshold uint32, scale): out[i] = "
      "scale if the i-th 32-bit draw of the SplitMix64 stream `seed` is >= threshold, else 0.");
}

}  // namespace pyfapi
