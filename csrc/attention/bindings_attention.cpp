// pybind11 bindings of the fused attention (python face: pyfapi/kernels/attention.py, which
// validates and converts first; the checks here are a last guard that raises before any memory
// is touched, nothing is converted).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "attention/attention.h"
#include "softmax/softmax_mask_py.h"

namespace py = pybind11;

namespace pyfapi {
namespace {

using farr = py::array_t<float, 0>;

void at_need(const farr& a, std::initializer_list<py::ssize_t> shape, const char* name) {
  bool ok = static_cast<size_t>(a.ndim()) == shape.size() && (a.flags() & py::array::c_style);
  size_t i = 0;
  for (py::ssize_t n : shape) ok = ok && a.shape(i++) == n;
  if (!ok)
    throw py::value_error(std::string("fused_attention: ") + name +
                          " has the wrong shape or is not C-contiguous float32");
}

AttentionDims at_dims(const farr& q, const farr& k, const farr& v) {
  if (q.ndim() != 4 || k.ndim() != 4 || v.ndim() != 4)
    throw py::value_error("fused_attention: q, k, v must be rank 4 (B, T, heads, dim)");
  AttentionDims d{q.shape(0), q.shape(1), k.shape(1), q.shape(2), q.shape(3), v.shape(3)};
  at_need(q, {d.B, d.T, d.NH, d.H}, "q");
  at_need(k, {d.B, d.S, d.NH, d.H}, "k");
  at_need(v, {d.B, d.S, d.NH, d.Hv}, "v");
  return d;
}

// None or (seed, threshold, scale) -> the dropout spec (keep: its storage).
const AttentionDropout* at_drop(const py::object& o, AttentionDropout& keep) {
  if (o.is_none()) return nullptr;
  const py::tuple t = o.cast<py::tuple>();
  if (t.size() != 3)
    throw py::value_error("fused_attention: dropout must be None or (seed, threshold, scale)");
  keep = AttentionDropout{t[0].cast<uint64_t>(), t[1].cast<uint32_t>(), t[2].cast<float>()};
  return &keep;
}

py::tuple attention_forward_py(farr q, farr k, farr v, py::object mask, bool uniform,
                               py::object dropout) {
  const AttentionDims d = at_dims(q, k, v);
  const std::vector<py::ssize_t> pshape{d.B, d.NH, d.T, d.S};
  const SoftmaxMask m = softmax_mask_from_py(mask, pshape, uniform);
  AttentionDropout dk;
  const AttentionDropout* drop = at_drop(dropout, dk);
  farr p(pshape), o({d.B, d.T, d.NH, d.Hv});
  const float *pq = q.data(), *pk = k.data(), *pv = v.data();
  float *pp = p.mutable_data(), *po = o.mutable_data();
  {
    py::gil_scoped_release nogil;
    attention_forward(d, pq, pk, pv, m, drop, pp, po);
  }
  return py::make_tuple(o, p);
}

py::tuple attention_backward_py(farr d_o, farr q, farr k, farr v, farr p, py::object mask,
                                py::object dropout) {
  const AttentionDims d = at_dims(q, k, v);
  at_need(d_o, {d.B, d.T, d.NH, d.Hv}, "d_o");
  at_need(p, {d.B, d.NH, d.T, d.S}, "p");
  const std::vector<py::ssize_t> pshape{d.B, d.NH, d.T, d.S};
  const SoftmaxMask m = softmax_mask_from_py(mask, pshape, false);
  AttentionDropout dkeep;
  const AttentionDropout* drop = at_drop(dropout, dkeep);
  farr dq({d.B, d.T, d.NH, d.H}), dk({d.B, d.S, d.NH, d.H}), dv({d.B, d.S, d.NH, d.Hv});
  const float *pdo = d_o.data(), *pq = q.data(), *pk = k.data(), *pv = v.data(),
              *pp = p.data();
  float *pdq = dq.mutable_data(), *pdk = dk.mutable_data(), *pdv = dv.mutable_data();
  {
    py::gil_scoped_release nogil;
    attention_backward(d, pdo, pq, pk, pv, pp, m, drop, pdq, pdk, pdv);
  }
  return py::make_tuple(dq, dk, dv);
}

}  // namespace

void bind_attention(py::module_& m) {
  m.def("attention_forward", &attention_forward_py, py::arg("q").noconvert(),
        py::arg("k").noconvert(), py::arg("v").noconvert(), py::arg("mask"),
        py::arg("uniform_if_all_masked") = false, py::arg("dropout") = py::none(),
        "Fused attention: (o (B,T,NH,Hv), p (B,NH,T,S)) from C-contiguous float32 q (B,T,NH,H), "
        "k (B,S,NH,H), v (B,S,NH,Hv); mask None or a bool view of p's shape; dropout None or "
        "(seed, threshold, scale) (csrc/dropout's stream over p's elements).");
  m.def("attention_backward", &attention_backward_py, py::arg("d_o").noconvert(),
        py::arg("q").noconvert(), py::arg("k").noconvert(), py::arg("v").noconvert(),
        py::arg("p").noconvert(), py::arg("mask"), py::arg("dropout") = py::none(),
        "Gradients (dq, dk, dv) of the fused attention from dO and the forward's p (and the "
        "forward's dropout spec).");
}

}  // namespace pyfapi
