// pybind11 bindings of the fused softmax (python face: pyfapi/kernels/softmax.py, which validates
// and converts first; the checks here are a last guard that raises before any memory is touched,
// nothing is converted).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <utility>
#include <vector>

#include "softmax/softmax.h"
#include "softmax/softmax_mask_py.h"

namespace py = pybind11;

namespace pyfapi {
namespace {

using farr = py::array_t<float, 0>;

void sm_need_c(const farr& a, const std::vector<py::ssize_t>& shape, const char* name) {
  bool ok = static_cast<size_t>(a.ndim()) == shape.size() && (a.flags() & py::array::c_style);
  for (size_t i = 0; ok && i < shape.size(); ++i) ok = a.shape(i) == shape[i];
  if (!ok)
    throw py::value_error(std::string("softmax: ") + name +
                          " has the wrong shape or is not C-contiguous float32");
}

std::vector<py::ssize_t> sm_shape(const farr& x) {
  if (x.ndim() < 1) throw py::value_error("softmax: x must have rank >= 1");
  if (!(x.flags() & py::array::c_style))
    throw py::value_error("softmax: x must be C-contiguous float32");
  return std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim());
}

int64_t sm_rows(const std::vector<py::ssize_t>& shape) {
  int64_t M = 1;
  for (size_t i = 0; i + 1 < shape.size(); ++i) M *= shape[i];
  return M;
}

farr softmax_forward_py(farr x, py::object mask, bool uniform_if_all_masked) {
  const auto shape = sm_shape(x);
  const SoftmaxMask m = softmax_mask_from_py(mask, shape, uniform_if_all_masked);
  const int64_t N = shape.back(), M = sm_rows(shape);
  farr y(shape);
  const float* px = x.data();
  float* py_ = y.mutable_data();
  {
    py::gil_scoped_release nogil;
    softmax_forward(px, M, N, m, py_);
  }
  return y;
}

farr softmax_backward_py(farr g, farr y, py::object mask) {
  const auto shape = sm_shape(y);
  sm_need_c(g, shape, "g");
  const SoftmaxMask m = softmax_mask_from_py(mask, shape, false);
  const int64_t N = shape.back(), M = sm_rows(shape);
  farr dx(shape);
  const float *pg = g.data(), *pyy = y.data();
  float* pd = dx.mutable_data();
  {
    py::gil_scoped_release nogil;
    softmax_backward(pg, pyy, M, N, m, pd);
  }
  return dx;
}

// labels: a C-contiguous int32 / int64 array of shape (M,); returns (data, is 64-bit)
std::pair<const void*, bool> xent_labels(const py::array& t, int64_t M) {
  const bool i64 = t.dtype().is(py::dtype::of<int64_t>());
  if (!i64 && !t.dtype().is(py::dtype::of<int32_t>()))
    throw py::type_error("sparse_xent: labels must be int32 or int64");
  if (t.ndim() != 1 || t.shape(0) != M || !(t.flags() & py::array::c_style))
    throw py::value_error("sparse_xent: labels must be C-contiguous of shape (rows,)");
  return {t.data(), i64};
}

py::tuple sparse_xent_forward_py(farr x, py::array labels) {
  if (x.ndim() != 2 || !(x.flags() & py::array::c_style))
    throw py::value_error("sparse_xent: logits must be C-contiguous float32 of shape (rows, classes)");
  const int64_t M = x.shape(0), N = x.shape(1);
  const auto lab = xent_labels(labels, M);
  farr y({M, N}), loss(std::vector<py::ssize_t>{M});
  const float* px = x.data();
  float *py_ = y.mutable_data(), *pl = loss.mutable_data();
  int64_t bad;
  {
    py::gil_scoped_release nogil;
    bad = sparse_xent_forward(px, lab.first, lab.second, M, N, py_, pl);
  }
  if (bad >= 0) {
    const int64_t v = lab.second ? static_cast<const int64_t*>(lab.first)[bad]
                                 : static_cast<const int32_t*>(lab.first)[bad];
    throw py::value_error("sparse_categorical_crossentropy: target values must be in [0, " +
                          std::to_string(N) + "), got " + std::to_string(v) + " at row " +
                          std::to_string(bad));
  }
  return py::make_tuple(loss, y);
}

farr sparse_xent_backward_py(farr g, farr y, py::array labels) {
  if (y.ndim() != 2 || !(y.flags() & py::array::c_style))
    throw py::value_error("sparse_xent: y must be C-contiguous float32 of shape (rows, classes)");
  const int64_t M = y.shape(0), N = y.shape(1);
  sm_need_c(g, {M}, "g");
  const auto lab = xent_labels(labels, M);
  // the forward checked its labels; these may be another array
  if (sparse_xent_first_bad_label(lab.first, lab.second, M, N) >= 0)
    throw py::value_error("sparse_xent: a label is outside [0, classes)");
  farr dx({M, N});
  const float *pg = g.data(), *pyy = y.data();
  float* pd = dx.mutable_data();
  {
    py::gil_scoped_release nogil;
    sparse_xent_backward(pg, pyy, lab.first, lab.second, M, N, pd);
  }
  return dx;
}

py::tuple xent_forward_py(farr x, farr t) {
  if (x.ndim() != 2 || !(x.flags() & py::array::c_style))
    throw py::value_error("xent: logits must be C-contiguous float32 of shape (rows, classes)");
  const int64_t M = x.shape(0), N = x.shape(1);
  sm_need_c(t, {M, N}, "target");
  farr y({M, N}), loss(std::vector<py::ssize_t>{M}), lse(std::vector<py::ssize_t>{M});
  const float *px = x.data(), *pt = t.data();
  float *py_ = y.mutable_data(), *pl = loss.mutable_data(), *pe = lse.mutable_data();
  {
    py::gil_scoped_release nogil;
    xent_forward(px, pt, M, N, py_, pl, pe);
  }
  return py::make_tuple(loss, y, lse);
}

farr xent_backward_py(farr g, farr y, farr t) {
  if (y.ndim() != 2 || !(y.flags() & py::array::c_style))
    throw py::value_error("xent: y must be C-contiguous float32 of shape (rows, classes)");
  const int64_t M = y.shape(0), N = y.shape(1);
  sm_need_c(g, {M}, "g");
  sm_need_c(t, {M, N}, "target");
  farr dx({M, N});
  const float *pg = g.data(), *pyy = y.data(), *pt = t.data();
  float* pd = dx.mutable_data();
  {
    py::gil_scoped_release nogil;
    xent_backward(pg, pyy, pt, M, N, pd);
  }
  return dx;
}

}  // namespace

void bind_softmax(py::module_& m) {
  m.def("softmax_forward", &softmax_forward_py, py::arg("x").noconvert(), py::arg("mask"),
        py::arg("uniform_if_all_masked") = false,
        "Last-axis softmax of a C-contiguous float32 x; mask: None, or a bool (keep) / float32 "
        "(additive) array of x's shape (broadcast views allowed). Returns y.");
  m.def("softmax_backward", &softmax_backward_py, py::arg("g").noconvert(),
        py::arg("y").noconvert(), py::arg("mask"),
        "dx = y (g - sum(g y)) over the last axis; zero where a bool mask is False.");
  m.def("sparse_xent_forward", &sparse_xent_forward_py, py::arg("logits").noconvert(),
        py::arg("labels"),
        "Sparse softmax cross-entropy of C-contiguous float32 (M, N) logits and int32 / int64 (M,) "
        "labels: returns (loss (M,), softmax (M, N)); ValueError for a label outside [0, N).");
  m.def("sparse_xent_backward", &sparse_xent_backward_py, py::arg("g").noconvert(),
        py::arg("y").noconvert(), py::arg("labels"),
        "d logits = g[:, None] * (y - onehot(labels)) for the forward's softmax y.");
  m.def("xent_forward", &xent_forward_py, py::arg("logits").noconvert(),
        py::arg("target").noconvert(),
        "Softmax cross-entropy of C-contiguous float32 (M, N) logits and targets: returns "
        "(loss (M,), softmax (M, N), log-sum-exp (M,)).");
  m.def("xent_backward", &xent_backward_py, py::arg("g").noconvert(), py::arg("y").noconvert(),
        py::arg("target").noconvert(),
        "d logits = g[:, None] * (y * sum(target, -1) - target) for the forward's softmax y.");
}

}  // namespace pyfapi
