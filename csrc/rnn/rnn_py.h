// Argument guards shared by the pybind11 bindings of the recurrent families (csrc/rnn/
// bindings_rnn.cpp; the lstm / embedding / batchnorm bindings in csrc/bindings.cpp). Arrays
// arrive validated and converted by pyfapi/kernels/*; these are a last guard that raises instead
// of touching memory. Header-only, included by binding files only.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <initializer_list>
#include <string>

namespace pyfapi {
namespace rnn_py {

namespace py = pybind11;
using farr = py::array_t<float, 0>;
using barr = py::array_t<uint8_t, 0>;

// A C-contiguous array of exactly `shape`, else ValueError naming the op and the argument.
inline void check(const py::array& a, std::initializer_list<int64_t> shape, const char* op,
                  const char* name) {
  bool ok = static_cast<size_t>(a.ndim()) == shape.size() &&
            (a.flags() & py::array::c_style) != 0;
  size_t k = 0;
  for (int64_t d : shape) ok = ok && a.shape(k++) == d;
  if (!ok)
    throw py::value_error(std::string(op) + ": " + name +
                          " has the wrong shape or is not C-contiguous");
}

// An optional argument: None -> a null array (ptr() gives nullptr), an array of A's dtype ->
// checked, else TypeError.
template <typename A = farr>
A opt(const py::object& o, std::initializer_list<int64_t> shape, const char* op,
      const char* name) {
  if (o.is_none()) return py::reinterpret_borrow<A>(py::handle());
  if (!py::isinstance<A>(o))
    throw py::type_error(std::string(op) + ": " + name +
                         " has the wrong dtype (a C-contiguous numpy array or None expected)");
  A a = py::reinterpret_borrow<A>(o);
  check(a, shape, op, name);
  return a;
}

// Data pointer of an optional array (nullptr for None).
template <typename A>
auto ptr(const A& a) -> decltype(a.data()) {
  return a.ptr() ? a.data() : nullptr;
}

// The masked-output buffer (N, T, U) when there is a mask, else None (pointer nullptr).
inline py::object outputs_if(bool masked, int64_t N, int64_t T, int64_t U, float*& p) {
  p = nullptr;
  if (!masked) return py::none();
  farr ys({N, T, U});
  p = ys.mutable_data();
  return ys;
}

}  // namespace rnn_py
}  // namespace pyfapi
