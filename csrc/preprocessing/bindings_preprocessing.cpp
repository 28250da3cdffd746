// pybind11 bindings of the preprocessing family (csrc/preprocessing); the Python face is
// pyfapi/kernels/preprocessing.py.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "preprocessing/fingerprint.h"
#include "preprocessing/moments.h"

namespace py = pybind11;

namespace pyfapi {
namespace {

void moments_py(py::array_t<float, py::array::c_style> x,
                py::array_t<double, py::array::c_style> mean,
                py::array_t<double, py::array::c_style> var) {
  if (x.ndim() != 2) throw py::value_error("column_moments: x must be 2-D (rows, columns)");
  const int64_t R = x.shape(0), K = x.shape(1);
  if (mean.ndim() != 1 || var.ndim() != 1 || mean.shape(0) != K || var.shape(0) != K)
    throw py::value_error("column_moments: mean / var must be 1-D of the column count");
  const float* px = x.data();
  double* pm = mean.mutable_data();
  double* pv = var.mutable_data();
  py::gil_scoped_release nogil;
  column_moments(px, R, K, pm, pv);
}

// Fingerprint64 of each bytes object of a list, modulo num_buckets (0: no modulo) -> uint64.
py::array_t<uint64_t> fingerprint_py(const py::list& items, uint64_t num_buckets) {
  const py::ssize_t n = py::len(items);
  py::array_t<uint64_t> out(n);
  uint64_t* po = out.mutable_data();
  for (py::ssize_t i = 0; i < n; ++i) {
    PyObject* o = items[static_cast<size_t>(i)].ptr();
    if (!PyBytes_Check(o)) throw py::type_error("fingerprint64: expected a list of bytes");
    const uint64_t h = fingerprint64(PyBytes_AS_STRING(o), static_cast<size_t>(PyBytes_GET_SIZE(o)));
    po[i] = num_buckets ? h % num_buckets : h;
  }
  return out;
}

}  // namespace

void bind_preprocessing(py::module_& m) {
  m.def("column_moments", &moments_py, py::arg("x").noconvert(), py::arg("mean").noconvert(),
        py::arg("var").noconvert(),
        "Mean and population variance of each column (float64 two-pass, csrc/preprocessing).");
  m.def("fingerprint64", &fingerprint_py, py::arg("items"), py::arg("num_buckets") = 0,
        "FarmHash Fingerprint64 of each bytes object (modulo num_buckets when > 0).");
}

}  // namespace pyfapi
