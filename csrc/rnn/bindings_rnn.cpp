// pybind11 bindings of the GRU / SimpleRNN recurrences (csrc/rnn/rnn.h). Arrays arrive validated
// and converted by pyfapi/kernels/rnn.py; the checks here are a last guard that raises instead of
// touching memory (noconvert arguments: float32 / uint8, C-contiguous, exact shapes).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstring>
#include <string>

#include "rnn/rnn.h"
#include "rnn/rnn_py.h"

namespace py = pybind11;

namespace pyfapi {
namespace {

using rnn_py::barr;
using rnn_py::check;
using rnn_py::farr;
using rnn_py::opt;
using rnn_py::outputs_if;
using rnn_py::ptr;

void check_acts(int act, int ract, const char* op) {
  if (act < 0 || act > 4 || ract < 0 || ract > 4)
    throw py::value_error(std::string(op) + ": activation codes must be in [0, 4]");
}

py::tuple gru_forward_py(farr xp, farr R, py::object brec, py::object h0, py::object mask,
                         py::object rmask, bool reset_after, bool zero_output, int act,
                         int ract) {
  const char* op = "gru_forward";
  check_acts(act, ract, op);
  if (xp.ndim() != 3 || R.ndim() != 2) throw py::value_error("gru_forward: xp 3-D, R 2-D");
  const int64_t N = xp.shape(0), T = xp.shape(1), G = xp.shape(2), U = R.shape(0);
  if (U < 1 || G != 3 * U) throw py::value_error("gru_forward: xp must have 3 * units columns");
  check(xp, {N, T, G}, op, "xp");
  check(R, {U, G}, op, "R");
  farr b = opt<farr>(brec, {G}, op, "brec");
  farr h = opt<farr>(h0, {N, U}, op, "h0");
  barr m = opt<barr>(mask, {N, T}, op, "mask");
  farr rm = opt<farr>(rmask, {3, N, U}, op, "rmask");
  farr g({N, T, G}), aux({N, T, U}), hs({N, T, U});
  float* pys;
  py::object ys_obj = outputs_if(m.ptr() != nullptr, N, T, U, pys);
  float *pg = g.mutable_data(), *pa = aux.mutable_data(), *phs = hs.mutable_data();
  const float *px = xp.data(), *pR = R.data(), *pb = ptr(b), *ph = ptr(h), *prm = ptr(rm);
  const uint8_t* pm = ptr(m);
  {
    py::gil_scoped_release nogil;
    gru_forward(N, T, U, reset_after, px, pg, pR, pb, ph, pm, prm, zero_output, pa, phs, pys, act,
                ract);
  }
  return py::make_tuple(g, aux, hs, ys_obj);
}

py::tuple gru_backward_py(farr g, farr aux, farr hs, farr R, py::object h0, py::object mask,
                          py::object rmask, bool reset_after, bool zero_output, py::object dy_seq,
                          py::object dy_last, py::object dh_T, int act, int ract) {
  const char* op = "gru_backward";
  check_acts(act, ract, op);
  if (g.ndim() != 3 || R.ndim() != 2) throw py::value_error("gru_backward: g 3-D, R 2-D");
  const int64_t N = g.shape(0), T = g.shape(1), G = g.shape(2), U = R.shape(0);
  if (U < 1 || G != 3 * U) throw py::value_error("gru_backward: gates must have 3 * units columns");
  check(g, {N, T, G}, op, "gates");
  check(aux, {N, T, U}, op, "aux");
  check(hs, {N, T, U}, op, "hs");
  check(R, {U, G}, op, "R");
  farr h = opt<farr>(h0, {N, U}, op, "h0");
  barr m = opt<barr>(mask, {N, T}, op, "mask");
  farr rm = opt<farr>(rmask, {3, N, U}, op, "rmask");
  farr dys = opt<farr>(dy_seq, {N, T, U}, op, "dy_seq");
  farr dyl = opt<farr>(dy_last, {N, U}, op, "dy_last");
  farr dhT = opt<farr>(dh_T, {N, U}, op, "dh_T");
  farr dxp({N, T, G}), dR({U, G}), dbrec({G}), dh0({N, U});
  const float *pg = g.data(), *pa = aux.data(), *phs = hs.data(), *pR = R.data(), *ph = ptr(h),
              *prm = ptr(rm), *pdys = ptr(dys), *pdyl = ptr(dyl), *pdh = ptr(dhT);
  const uint8_t* pm = ptr(m);
  float *pdx = dxp.mutable_data(), *pdR = dR.mutable_data(), *pdb = dbrec.mutable_data(),
        *pdh0 = dh0.mutable_data();
  {
    py::gil_scoped_release nogil;
    gru_backward(N, T, U, reset_after, pg, pa, phs, pR, ph, pm, prm, zero_output, pdys, pdyl, pdh,
                 pdx, pdR, pdb, pdh0, act, ract);
  }
  return py::make_tuple(dxp, dR, dbrec, dh0);
}

py::tuple simple_rnn_forward_py(farr xp, farr R, py::object h0, py::object mask, py::object rmask,
                                int act, bool zero_output) {
  const char* op = "simple_rnn_forward";
  if (xp.ndim() != 3 || R.ndim() != 2) throw py::value_error("simple_rnn_forward: xp 3-D, R 2-D");
  const int64_t N = xp.shape(0), T = xp.shape(1), U = R.shape(0);
  if (U < 1 || act < 0 || act > 2) throw py::value_error("simple_rnn_forward: units / act");
  check(xp, {N, T, U}, op, "xp");
  check(R, {U, U}, op, "R");
  farr h = opt<farr>(h0, {N, U}, op, "h0");
  barr m = opt<barr>(mask, {N, T}, op, "mask");
  farr rm = opt<farr>(rmask, {1, N, U}, op, "rmask");
  farr hs({N, T, U});
  float* pys;
  py::object ys_obj = outputs_if(m.ptr() != nullptr, N, T, U, pys);
  float* phs = hs.mutable_data();
  const float *px = xp.data(), *pR = R.data(), *ph = ptr(h), *prm = ptr(rm);
  const uint8_t* pm = ptr(m);
  {
    py::gil_scoped_release nogil;
    std::memcpy(phs, px, sizeof(float) * static_cast<size_t>(N * T * U));
    simple_rnn_forward(N, T, U, act, pR, ph, pm, prm, zero_output, phs, pys);
  }
  return py::make_tuple(hs, ys_obj);
}

py::tuple simple_rnn_backward_py(farr hs, farr R, py::object h0, py::object mask,
                                 py::object rmask, int act, bool zero_output, py::object dy_seq,
                                 py::object dy_last, py::object dh_T) {
  const char* op = "simple_rnn_backward";
  if (hs.ndim() != 3 || R.ndim() != 2) throw py::value_error("simple_rnn_backward: hs 3-D, R 2-D");
  const int64_t N = hs.shape(0), T = hs.shape(1), U = R.shape(0);
  if (U < 1 || act < 0 || act > 2) throw py::value_error("simple_rnn_backward: units / act");
  check(hs, {N, T, U}, op, "hs");
  check(R, {U, U}, op, "R");
  farr h = opt<farr>(h0, {N, U}, op, "h0");
  barr m = opt<barr>(mask, {N, T}, op, "mask");
  farr rm = opt<farr>(rmask, {1, N, U}, op, "rmask");
  farr dys = opt<farr>(dy_seq, {N, T, U}, op, "dy_seq");
  farr dyl = opt<farr>(dy_last, {N, U}, op, "dy_last");
  farr dhT = opt<farr>(dh_T, {N, U}, op, "dh_T");
  farr dxp({N, T, U}), dR({U, U}), dh0({N, U});
  const float *phs = hs.data(), *pR = R.data(), *ph = ptr(h), *prm = ptr(rm), *pdys = ptr(dys),
              *pdyl = ptr(dyl), *pdh = ptr(dhT);
  const uint8_t* pm = ptr(m);
  float *pdx = dxp.mutable_data(), *pdR = dR.mutable_data(), *pdh0 = dh0.mutable_data();
  {
    py::gil_scoped_release nogil;
    simple_rnn_backward(N, T, U, act, phs, pR, ph, pm, prm, zero_output, pdys, pdyl, pdh, pdx,
                        pdR, pdh0);
  }
  return py::make_tuple(dxp, dR, dh0);
}

}  // namespace

void bind_rnn(py::module_& m) {
  m.def("gru_forward", &gru_forward_py, py::arg("xp").noconvert(), py::arg("R").noconvert(),
        py::arg("brec"), py::arg("h0"), py::arg("mask"), py::arg("rmask"), py::arg("reset_after"),
        py::arg("zero_output"), py::arg("act") = 0, py::arg("ract") = 1,
        "GRU recurrence over (N, T, 3U) x-projections -> (gates, aux, hs, ys or None).");
  m.def("gru_backward", &gru_backward_py, py::arg("gates").noconvert(), py::arg("aux").noconvert(),
        py::arg("hs").noconvert(), py::arg("R").noconvert(), py::arg("h0"), py::arg("mask"),
        py::arg("rmask"), py::arg("reset_after"), py::arg("zero_output"), py::arg("dy_seq"),
        py::arg("dy_last"), py::arg("dh_T"), py::arg("act") = 0, py::arg("ract") = 1,
        "GRU backward through time -> (dxp, dR, dbrec, dh0).");
  m.def("simple_rnn_forward", &simple_rnn_forward_py, py::arg("xp").noconvert(),
        py::arg("R").noconvert(), py::arg("h0"), py::arg("mask"), py::arg("rmask"),
        py::arg("act"), py::arg("zero_output"),
        "SimpleRNN recurrence over (N, T, U) x-projections -> (hs, ys or None).");
  m.def("simple_rnn_backward", &simple_rnn_backward_py, py::arg("hs").noconvert(),
        py::arg("R").noconvert(), py::arg("h0"), py::arg("mask"), py::arg("rmask"),
        py::arg("act"), py::arg("zero_output"), py::arg("dy_seq"), py::arg("dy_last"),
        py::arg("dh_T"), "SimpleRNN backward through time -> (dxp, dR, dh0).");
}

}  // namespace pyfapi
