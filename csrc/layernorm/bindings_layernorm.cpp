// pybind11 bindings of the layer-norm family (python face: pyfapi/kernels/layernorm.py, which
// validates and converts first; the checks here are a last guard that raises before any memory
// is touched, nothing is converted: arguments are noconvert()).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "layernorm/layernorm.h"

namespace py = pybind11;

namespace pyfapi {
namespace {

using farr = py::array_t<float, 0>;

void ln_need(const farr& a, py::ssize_t d0, py::ssize_t d1, const char* op, const char* name) {
  const bool ok = (d1 < 0 ? a.ndim() == 1 && a.shape(0) == d0
                          : a.ndim() == 2 && a.shape(0) == d0 && a.shape(1) == d1) &&
                  (a.flags() & py::array::c_style);
  if (!ok)
    throw py::value_error(std::string(op) + ": " + name +
                          " has the wrong shape or is not C-contiguous float32");
}

const float* ln_opt(const py::object& o, py::ssize_t c, const char* op, const char* name,
                    farr& keep) {
  if (o.is_none()) return nullptr;
  if (!py::isinstance<farr>(o))
    throw py::type_error(std::string(op) + ": " + name + " must be a float32 array or None");
  keep = py::reinterpret_borrow<farr>(o);
  ln_need(keep, c, -1, op, name);
  return keep.data();
}

py::tuple layernorm_forward_py(farr x, py::object gamma, py::object beta, float eps) {
  const char* op = "layernorm_forward";
  if (x.ndim() != 2) throw py::value_error("layernorm_forward: x must be 2-D (M, C)");
  const py::ssize_t M = x.shape(0), C = x.shape(1);
  ln_need(x, M, C, op, "x");
  if (!(eps >= 0.f)) throw py::value_error("layernorm_forward: epsilon must be >= 0");
  farr kg, kb;
  const float* pg = ln_opt(gamma, C, op, "gamma", kg);
  const float* pb = ln_opt(beta, C, op, "beta", kb);
  farr y({M, C}), mean({M}), inv({M});
  const float* px = x.data();
  float *py_ = y.mutable_data(), *pm = mean.mutable_data(), *pi = inv.mutable_data();
  {
    py::gil_scoped_release nogil;
    layernorm_forward(px, M, C, pg, pb, eps, py_, pm, pi);
  }
  return py::make_tuple(y, mean, inv);
}

py::tuple layernorm_backward_py(farr dy, farr x, farr mean, farr inv_std, py::object gamma,
                                bool need_dx, bool need_dgamma, bool need_dbeta) {
  const char* op = "layernorm_backward";
  if (x.ndim() != 2) throw py::value_error("layernorm_backward: x must be 2-D (M, C)");
  const py::ssize_t M = x.shape(0), C = x.shape(1);
  ln_need(x, M, C, op, "x");
  ln_need(dy, M, C, op, "dy");
  ln_need(mean, M, -1, op, "mean");
  ln_need(inv_std, M, -1, op, "inv_std");
  farr kg;
  const float* pgam = ln_opt(gamma, C, op, "gamma", kg);
  py::object odx = py::none(), odg = py::none(), odb = py::none();
  float *pdx = nullptr, *pdg = nullptr, *pdb = nullptr;
  if (need_dx) {
    farr a({M, C});
    pdx = a.mutable_data();
    odx = a;
  }
  if (need_dgamma) {
    farr a({C});
    pdg = a.mutable_data();
    odg = a;
  }
  if (need_dbeta) {
    farr a({C});
    pdb = a.mutable_data();
    odb = a;
  }
  const float *pdy = dy.data(), *px = x.data(), *pm = mean.data(), *pi = inv_std.data();
  {
    py::gil_scoped_release nogil;
    layernorm_backward(pdy, px, M, C, pm, pi, pgam, pdx, pdg, pdb);
  }
  return py::make_tuple(odx, odg, odb);
}

}  // namespace

void bind_layernorm(py::module_& m) {
  m.def("layernorm_forward", &layernorm_forward_py, py::arg("x").noconvert(), py::arg("gamma"),
        py::arg("beta"), py::arg("epsilon"),
        "layernorm_forward(x (M, C), gamma (C,)|None, beta (C,)|None, epsilon) -> "
        "(y, mean (M,), inv_std (M,)).");
  m.def("layernorm_backward", &layernorm_backward_py, py::arg("dy").noconvert(),
        py::arg("x").noconvert(), py::arg("mean").noconvert(), py::arg("inv_std").noconvert(),
        py::arg("gamma"), py::arg("need_dx") = true, py::arg("need_dgamma") = true,
        py::arg("need_dbeta") = true,
        "layernorm_backward(dy, x, mean, inv_std, gamma|None, need_dx, need_dgamma, need_dbeta)"
        " -> (dx|None, dgamma|None, dbeta|None).");
}

}  // namespace pyfapi
