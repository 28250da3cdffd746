// The pybind11 module pyfapi._C: argument unpacking only; kernels live in their families.
// Arrays arrive already validated by pyfapi/kernels.py; the checks here are a last guard that
// raises instead of touching memory (no silent conversion: arguments are noconvert()).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <utility>
#include <string>

#include "batchnorm/batchnorm.h"  // rnn family (kept apart from the other families' includes)
#include "embedding/embedding.h"
#include "lstm/lstm.h"
#include "rnn/rnn_py.h"

#include "common/allocator.h"
#include "common/cpu_features.h"
#include "common/threads.h"
#include "conv/conv.h"
#include "elementwise/bias_act_backward.h"
#include "gemm/gemm.h"
#include "optim/optim.h"  // optimizers family
#include "pool/pool.h"

namespace py = pybind11;
using namespace pyfapi;

namespace pyfapi {
void bind_layernorm(pybind11::module_& m);  // csrc/layernorm/bindings_layernorm.cpp
void bind_softmax(pybind11::module_& m);  // csrc/softmax/bindings_softmax.cpp
void bind_gemm_batched(pybind11::module_& m);  // csrc/gemm/bindings_gemm_batched.cpp
void bind_attention(pybind11::module_& m);  // csrc/attention/bindings_attention.cpp
void bind_dropout(pybind11::module_& m);  // csrc/dropout/bindings_dropout.cpp
}

namespace {

using farr = py::array_t<float, 0>;  // no forcecast: float32 only, any strides

// ---- gemm: the one C entry of pyfapi.kernels.gemm (METH_FASTCALL, no pybind11 dispatch) ----
// A Dense forward of 128x64 @ 64x32 takes ~2.5 us, so the call itself must be cheap: this entry
// reads the arrays' numpy headers directly and runs the kernel ONLY for the plain case: exact
// ndarrays, native float32, aligned, 2-D with unit-stride rows, matching shapes, out (if given)
// writable with non-overlapping rows and not overlapping a, b or bias, bias None or a contiguous
// float32 vector of length N, activation None / "linear" / "relu", bools and Python floats/ints
// within float32 range. Only a failure to allocate the result raises (numpy's error). Anything
// else returns None WITHOUT touching memory. pyfapi.kernels.gemm calls it first with the caller's
// arguments; on None it validates, converts or copies (every ValueError/TypeError message lives
// there) and calls it again.
namespace fastcall {

namespace npd = py::detail;

// Exact numpy.ndarray of native-endian float32 with `nd` dims, aligned; else nullptr.
npd::PyArray_Proxy* f32_array(PyObject* o, int nd) {
  const auto& api = npd::npy_api::get();
  if (Py_TYPE(o) != api.PyArray_Type_) return nullptr;
  auto* a = npd::array_proxy(o);
  if (a->nd != nd || !(a->flags & npd::npy_api::NPY_ARRAY_ALIGNED_)) return nullptr;
  const auto* d = npd::array_descriptor_proxy(a->descr);
  if (d->type_num != npd::npy_api::NPY_FLOAT_ || d->byteorder == '>') return nullptr;
  return a;
}

// Row stride in elements of a 2-D array with unit-stride rows, or -1. Empty or one row: the
// stride is meaningless, the row length is used; several rows: the real stride (0 for broadcast
// rows).
int64_t rows_ld(const npd::PyArray_Proxy* a) {
  const ssize_t r = a->dimensions[0], c = a->dimensions[1], s0 = a->strides[0];
  if (r == 0 || c == 0) return std::max<int64_t>(c, 1);  // empty: never read
  if (c > 1 && a->strides[1] != static_cast<ssize_t>(sizeof(float))) return -1;
  if (r <= 1) return std::max<int64_t>(c, 1);
  if (s0 < 0 || s0 % static_cast<ssize_t>(sizeof(float))) return -1;
  return s0 / static_cast<ssize_t>(sizeof(float));
}

bool as_flag(PyObject* o, bool* v) {
  if (o == Py_True || o == Py_False) {
    *v = o == Py_True;
    return true;
  }
  return false;
}

bool as_scalar(PyObject* o, float* v) {
  if (PyFloat_CheckExact(o)) {
    const double d = PyFloat_AS_DOUBLE(o);
    if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max())
      return false;  // out of float range: the checked path decides
    *v = static_cast<float>(d);
    return true;
  }
  if (PyLong_CheckExact(o)) {
    int overflow = 0;
    long x = PyLong_AsLongAndOverflow(o, &overflow);
    if (overflow || (x == -1 && PyErr_Occurred())) {
      PyErr_Clear();
      return false;
    }
    *v = static_cast<float>(x);
    return true;
  }
  return false;
}

// Byte range [lo, hi) of a non-empty 2-D array with non-negative strides.
std::pair<uintptr_t, uintptr_t> span(const npd::PyArray_Proxy* a) {
  auto lo = reinterpret_cast<uintptr_t>(a->data);
  return {lo, lo + (a->dimensions[0] - 1) * a->strides[0] +
                  (a->dimensions[1] - 1) * a->strides[1] + sizeof(float)};
}

bool disjoint(const npd::PyArray_Proxy* x, const npd::PyArray_Proxy* y) {
  auto rx = span(x), ry = span(y);
  return !(rx.first < ry.second && ry.first < rx.second);
}

// gemm_fast(a, b, out, trans_a, trans_b, alpha, beta, bias, activation) -> out, or None.
PyObject* gemm_fast(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 9) {
    PyErr_SetString(PyExc_TypeError, "gemm_fast expects 9 positional arguments");
    return nullptr;
  }
  PyObject *oa = args[0], *ob = args[1], *oc = args[2], *obias = args[7], *oact = args[8];
  bool ta, tb;
  float alpha, beta;
  if (!as_flag(args[3], &ta) || !as_flag(args[4], &tb) || !as_scalar(args[5], &alpha) ||
      !as_scalar(args[6], &beta))
    Py_RETURN_NONE;
  int act;
  if (oact == Py_None) {
    act = 0;
  } else if (PyUnicode_CheckExact(oact) && PyUnicode_CompareWithASCIIString(oact, "relu") == 0) {
    act = 1;
  } else if (PyUnicode_CheckExact(oact) &&
             PyUnicode_CompareWithASCIIString(oact, "linear") == 0) {
    act = 0;
  } else {
    Py_RETURN_NONE;
  }
  auto *a = f32_array(oa, 2), *b = f32_array(ob, 2);
  if (!a || !b) Py_RETURN_NONE;
  const int64_t lda = rows_ld(a), ldb = rows_ld(b);
  if (lda < 0 || ldb < 0) Py_RETURN_NONE;
  const int64_t M = a->dimensions[ta ? 1 : 0], K = a->dimensions[ta ? 0 : 1];
  const int64_t N = b->dimensions[tb ? 0 : 1];
  if (b->dimensions[tb ? 1 : 0] != K || M == 0 || N == 0) Py_RETURN_NONE;
  const float* bias = nullptr;
  if (obias != Py_None) {
    auto* v = f32_array(obias, 1);
    if (!v || v->dimensions[0] != N || (N > 1 && v->strides[0] != static_cast<ssize_t>(sizeof(float))))
      Py_RETURN_NONE;
    bias = reinterpret_cast<const float*>(v->data);
  }
  py::object result;
  npd::PyArray_Proxy* c;
  if (oc == Py_None) {
    try {
      result = py::array_t<float>({M, N});  // C-ordered, so never overlapping a, b or bias
    } catch (py::error_already_set& e) {  // MemoryError / ValueError from numpy
      e.restore();
      return nullptr;
    } catch (const std::bad_alloc&) {
      return PyErr_NoMemory();
    }
    c = npd::array_proxy(result.ptr());
    beta = 0.f;
  } else {
    c = f32_array(oc, 2);
    if (!c || !(c->flags & npd::npy_api::NPY_ARRAY_WRITEABLE_) || c->dimensions[0] != M ||
        c->dimensions[1] != N)
      Py_RETURN_NONE;
    const int64_t ldc = rows_ld(c);
    if (ldc < 0 || (M > 1 && ldc < N)) Py_RETURN_NONE;  // overlapping rows
    if ((K > 0 && (!disjoint(c, a) || !disjoint(c, b)))) Py_RETURN_NONE;
    if (bias) {  // a bias vector inside out would be overwritten before it is read
      const auto lo = reinterpret_cast<uintptr_t>(bias), hi = lo + N * sizeof(float);
      const auto rc = span(c);
      if (lo < rc.second && rc.first < hi) Py_RETURN_NONE;
    }
    result = py::reinterpret_borrow<py::object>(oc);
  }
  const int64_t ldc = rows_ld(c);
  const auto* pa = reinterpret_cast<const float*>(a->data);
  const auto* pb = reinterpret_cast<const float*>(b->data);
  auto* pc = reinterpret_cast<float*>(c->data);
  int failed = 0;
  Py_BEGIN_ALLOW_THREADS
  try {
    sgemm(ta, tb, M, N, K, alpha, pa, lda, pb, ldb, beta, pc, ldc, bias, static_cast<Act>(act));
  } catch (const std::bad_alloc&) {
    failed = 1;
  } catch (...) {
    failed = 2;
  }
  Py_END_ALLOW_THREADS
  if (failed == 1) return PyErr_NoMemory();
  if (failed == 2) {
    PyErr_SetString(PyExc_RuntimeError, "gemm: the kernel failed");
    return nullptr;
  }
  return result.release().ptr();
}

PyMethodDef gemm_fast_def = {
    "gemm_fast", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(gemm_fast)),
    METH_FASTCALL,
    "gemm_fast(a, b, out, trans_a, trans_b, alpha, beta, bias, activation) -> out or None.\n"
    "Unchecked-call fast path of pyfapi.kernels.gemm: None means 'take the checked path'."};

}  // namespace fastcall

// ---- conv / depthwise / pool (csrc/conv, csrc/pool) helpers above this line ----

// Last guard for the conv / pool wrappers: rank and C-contiguity (pyfapi/kernels/conv.py and
// pool.py validate and convert first; nothing is converted here).
void need_c(const farr& a, py::ssize_t ndim, const char* op, const char* name) {
  if (a.ndim() != ndim)
    throw py::value_error(std::string(op) + ": " + name + " must be " + std::to_string(ndim) +
                          "-D, got " + std::to_string(a.ndim()) + "-D");
  if (!(a.flags() & py::array::c_style))
    throw py::value_error(std::string(op) + ": " + name + " must be C-contiguous");
}

void need_geometry(const char* op, int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t pt,
                   int64_t pl) {
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1 || pt < 0 || pl < 0)
    throw py::value_error(std::string(op) + ": strides and dilations must be >= 1, padding >= 0");
}

void need_writeable(const farr& a, const char* op) {
  if (!a.writeable()) throw py::value_error(std::string(op) + ": output array is read-only");
}

// x (N,H,W,C), kernel (KH,KW,C,CO) or (KH,KW,C,DM), y (N,HO,WO,CO): checked, then a ConvGeom.
ConvGeom conv_geom(const char* op, const farr& x, const farr& k, const farr& y, bool depthwise,
                   int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t pt, int64_t pl) {
  need_c(x, 4, op, "input");
  need_c(k, 4, op, "kernel");
  need_c(y, 4, op, "output");
  need_geometry(op, sh, sw, dh, dw, pt, pl);
  const int64_t co = depthwise ? k.shape(2) * k.shape(3) : k.shape(3);
  if (k.shape(2) != x.shape(3) || y.shape(0) != x.shape(0) || y.shape(3) != co)
    throw py::value_error(std::string(op) + ": inconsistent input / kernel / output shapes");
  return ConvGeom{x.shape(0), x.shape(1), x.shape(2), x.shape(3), k.shape(0), k.shape(1), co,
                  y.shape(1), y.shape(2), sh, sw, dh, dw, pt, pl};
}

void conv2d_forward_py(farr x, farr k, farr y, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                       int64_t pt, int64_t pl, py::object bias, int act) {
  const char* op = "conv_forward";
  ConvGeom g = conv_geom(op, x, k, y, false, sh, sw, dh, dw, pt, pl);
  need_writeable(y, op);
  const float* bp = nullptr;
  farr b;
  if (!bias.is_none()) {
    b = bias.cast<farr>();
    if (b.ndim() != 1 || b.shape(0) != g.CO || !(b.flags() & py::array::c_style))
      throw py::value_error("conv_forward: bias must be contiguous of length CO");
    bp = b.data();
  }
  if (act < 0 || act > 1) throw py::value_error("conv_forward: unknown activation code");
  const float* px = x.data();
  const float* pk = k.data();
  float* py_ = y.mutable_data();
  py::gil_scoped_release nogil;
  conv2d_forward(g, px, pk, bp, static_cast<Act>(act), py_);
}

// One pass of a convolution without bias/activation: fn(g, a, b, out). x_shaped / k_shaped /
// y_shaped name which of a, b, out has the input, kernel and output shape (for the geometry).
using ConvPass = void (*)(const ConvGeom&, const float*, const float*, float*);

void run_conv_pass(const char* op, bool depthwise, ConvPass fn, const farr& a, const farr& b,
                   farr& out, const farr& x_shaped, const farr& k_shaped, const farr& y_shaped,
                   int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t pt, int64_t pl) {
  ConvGeom g = conv_geom(op, x_shaped, k_shaped, y_shaped, depthwise, sh, sw, dh, dw, pt, pl);
  need_writeable(out, op);
  const float* pa = a.data();
  const float* pb = b.data();
  float* po = out.mutable_data();
  py::gil_scoped_release nogil;
  fn(g, pa, pb, po);
}

void conv2d_backward_input_py(farr dy, farr k, farr dx, int64_t sh, int64_t sw, int64_t dh,
                              int64_t dw, int64_t pt, int64_t pl) {
  run_conv_pass("conv_backward_input", false, conv2d_backward_input, dy, k, dx, dx, k, dy, sh, sw,
                dh, dw, pt, pl);
}

void conv2d_backward_kernel_py(farr x, farr dy, farr dk, int64_t sh, int64_t sw, int64_t dh,
                               int64_t dw, int64_t pt, int64_t pl) {
  run_conv_pass("conv_backward_kernel", false, conv2d_backward_kernel, x, dy, dk, x, dk, dy, sh,
                sw, dh, dw, pt, pl);
}

void depthwise_forward_py(farr x, farr k, farr y, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                          int64_t pt, int64_t pl) {
  run_conv_pass("depthwise_conv_forward", true, depthwise_forward, x, k, y, x, k, y, sh, sw, dh,
                dw, pt, pl);
}

void depthwise_backward_input_py(farr dy, farr k, farr dx, int64_t sh, int64_t sw, int64_t dh,
                                 int64_t dw, int64_t pt, int64_t pl) {
  run_conv_pass("depthwise_conv_backward_input", true, depthwise_backward_input, dy, k, dx, dx, k,
                dy, sh, sw, dh, dw, pt, pl);
}

void depthwise_backward_kernel_py(farr x, farr dy, farr dk, int64_t sh, int64_t sw, int64_t dh,
                                  int64_t dw, int64_t pt, int64_t pl) {
  run_conv_pass("depthwise_conv_backward_kernel", true, depthwise_backward_kernel, x, dy, dk, x, dk,
                dy, sh, sw, dh, dw, pt, pl);
}

// x (N,H,W,C), y (N,HO,WO,C).
PoolGeom pool_geom(const char* op, const farr& x, const farr& y, int64_t kh, int64_t kw,
                   int64_t sh, int64_t sw, int64_t pt, int64_t pl) {
  need_c(x, 4, op, "input");
  need_c(y, 4, op, "output");
  need_geometry(op, sh, sw, 1, 1, pt, pl);
  if (kh < 1 || kw < 1) throw py::value_error(std::string(op) + ": pool_size must be >= 1");
  if (y.shape(0) != x.shape(0) || y.shape(3) != x.shape(3))
    throw py::value_error(std::string(op) + ": inconsistent input / output shapes");
  return PoolGeom{x.shape(0), x.shape(1), x.shape(2), x.shape(3), kh, kw,
                  y.shape(1), y.shape(2), sh, sw, pt, pl};
}

void pool_forward_py(bool is_max, farr x, farr y, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                     int64_t pt, int64_t pl) {
  const char* op = is_max ? "max_pool_forward" : "avg_pool_forward";
  PoolGeom g = pool_geom(op, x, y, kh, kw, sh, sw, pt, pl);
  need_writeable(y, op);
  const float* px = x.data();
  float* py_ = y.mutable_data();
  py::gil_scoped_release nogil;
  if (is_max)
    max_pool_forward(g, px, py_);
  else
    avg_pool_forward(g, px, py_);
}

void max_pool_backward_py(farr x, farr dy, farr dx, int64_t kh, int64_t kw, int64_t sh,
                          int64_t sw, int64_t pt, int64_t pl) {
  const char* op = "max_pool_backward";
  PoolGeom g = pool_geom(op, x, dy, kh, kw, sh, sw, pt, pl);
  need_c(dx, 4, op, "dx");
  need_writeable(dx, op);
  for (int i = 0; i < 4; ++i)
    if (dx.shape(i) != x.shape(i)) throw py::value_error("max_pool_backward: dx shape != x shape");
  const float* px = x.data();
  const float* pdy = dy.data();
  float* pdx = dx.mutable_data();
  py::gil_scoped_release nogil;
  max_pool_backward(g, px, pdy, pdx);
}

void avg_pool_backward_py(farr dy, farr dx, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                          int64_t pt, int64_t pl) {
  const char* op = "avg_pool_backward";
  PoolGeom g = pool_geom(op, dx, dy, kh, kw, sh, sw, pt, pl);
  need_writeable(dx, op);
  const float* pdy = dy.data();
  float* pdx = dx.mutable_data();
  py::gil_scoped_release nogil;
  avg_pool_backward(g, pdy, pdx);
}



// ---- lstm / embedding / batchnorm (csrc/lstm, csrc/embedding, csrc/batchnorm) helpers ----

using i32arr = py::array_t<int32_t, 0>;
using i64arr = py::array_t<int64_t, 0>;

// Last guards (pyfapi/kernels/* already checked): csrc/rnn/rnn_py.h.
constexpr auto rnn_check = rnn_py::check;
farr rnn_opt(const py::object& o, std::initializer_list<int64_t> shape, const char* op,
             const char* name) {
  return rnn_py::opt<farr>(o, shape, op, name);
}
const float* rnn_ptr(const farr& a) { return rnn_py::ptr(a); }

// n floats of scratch: a grow-only per-thread buffer reused across calls (no per-call page
// faults) up to 64 M floats (256 MB); above that a one-off allocation owned by `big`.
float* rnn_scratch(size_t n, std::unique_ptr<float[]>& big) {
  constexpr size_t kMaxCached = size_t(1) << 26;
  if (n > kMaxCached) {
    big.reset(new float[n]);
    return big.get();
  }
  thread_local std::vector<float> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// An optional (N, T) uint8 time mask: None -> nullptr, else checked.
const uint8_t* rnn_mask_ptr(const py::object& o, int64_t N, int64_t T, const char* op,
                            py::array_t<uint8_t, 0>& keep) {
  keep = rnn_py::opt<rnn_py::barr>(o, {N, T}, op, "mask");
  return rnn_py::ptr(keep);
}

// W None: x is the input projection (N, T, 4U). rmask (4, N, U) float32 or None.
py::tuple lstm_forward_py(farr x, py::object W_obj, farr R, py::object b, py::object h0,
                          py::object c0, py::object mask, bool zero_output, py::object rmask,
                          int act, int ract) {
  if (act < 0 || act > 4 || ract < 0 || ract > 4)
    throw py::value_error("lstm_forward: activation codes must be in [0, 4]");
  if (x.ndim() != 3 || R.ndim() != 2) throw py::value_error("lstm_forward: x must be 3-D, R 2-D");
  const int64_t N = x.shape(0), T = x.shape(1), D = x.shape(2), U = R.shape(0), G = 4 * U;
  if (T < 1 || U < 1) throw py::value_error("lstm_forward: need T >= 1, units >= 1");
  if (W_obj.is_none() && D != G) throw py::value_error("lstm_forward: projected x needs 4u features");
  rnn_check(x, {N, T, D}, "lstm_forward", "x");
  farr W = rnn_opt(W_obj, {D, G}, "lstm_forward", "W");
  rnn_check(R, {U, G}, "lstm_forward", "R");
  farr bb = rnn_opt(b, {G}, "lstm_forward", "b");
  farr hh = rnn_opt(h0, {N, U}, "lstm_forward", "h0");
  farr cc = rnn_opt(c0, {N, U}, "lstm_forward", "c0");
  farr rm = rnn_opt(rmask, {4, N, U}, "lstm_forward", "rmask");
  py::array_t<uint8_t, 0> mkeep;
  const uint8_t* pm = rnn_mask_ptr(mask, N, T, "lstm_forward", mkeep);
  farr gates({N, T, G}), hs({N, T, U}), cs({N, T, U});
  float* pys;
  py::object ys_obj = rnn_py::outputs_if(pm != nullptr, N, T, U, pys);
  const float *px = x.data(), *pW = rnn_ptr(W), *pR = R.data(), *pb = rnn_ptr(bb),
              *ph = rnn_ptr(hh), *pc = rnn_ptr(cc), *prm = rnn_ptr(rm);
  float *pg = gates.mutable_data(), *phs = hs.mutable_data(), *pcs = cs.mutable_data();
  {
    py::gil_scoped_release nogil;
    lstm_forward(N, T, D, U, px, pW, pR, pb, ph, pc, pg, phs, pcs, pm, zero_output, pys, prm, act,
                 ract);
  }
  return py::make_tuple(gates, hs, cs, ys_obj);
}

py::tuple lstm_backward_py(farr x, py::object W_obj, farr R, py::object h0, py::object c0,
                           farr gates, farr hs, farr cs, py::object dy_seq, py::object dh_T,
                           py::object dc_T, bool need_dx, py::object mask, bool zero_output,
                           py::object dy_last, py::object rmask, int act, int ract) {
  if (act < 0 || act > 4 || ract < 0 || ract > 4)
    throw py::value_error("lstm_backward: activation codes must be in [0, 4]");
  if (x.ndim() != 3 || R.ndim() != 2) throw py::value_error("lstm_backward: x must be 3-D, R 2-D");
  const int64_t N = x.shape(0), T = x.shape(1), D = x.shape(2), U = R.shape(0), G = 4 * U;
  if (T < 1 || U < 1) throw py::value_error("lstm_backward: need T >= 1, units >= 1");
  const char* op = "lstm_backward";
  const bool projected = W_obj.is_none();
  if (projected && D != G) throw py::value_error("lstm_backward: projected x needs 4u features");
  rnn_check(x, {N, T, D}, op, "x");
  farr W = rnn_opt(W_obj, {D, G}, op, "W");
  rnn_check(R, {U, G}, op, "R");
  farr rm = rnn_opt(rmask, {4, N, U}, op, "rmask");
  rnn_check(gates, {N, T, G}, op, "gates");
  rnn_check(hs, {N, T, U}, op, "hs");
  rnn_check(cs, {N, T, U}, op, "cs");
  farr hh = rnn_opt(h0, {N, U}, op, "h0");
  farr cc = rnn_opt(c0, {N, U}, op, "c0");
  farr dys = rnn_opt(dy_seq, {N, T, U}, op, "dy_seq");
  farr dh = rnn_opt(dh_T, {N, U}, op, "dh_T");
  farr dc = rnn_opt(dc_T, {N, U}, op, "dc_T");
  farr dyl = rnn_opt(dy_last, {N, U}, op, "dy_last");
  py::array_t<uint8_t, 0> mkeep;
  const uint8_t* pm = rnn_mask_ptr(mask, N, T, op, mkeep);
  const float* pdyl = rnn_ptr(dyl);
  farr dW({projected ? 0 : D, G}), dR({U, G}), db({G}), dh0({N, U}), dc0({N, U});
  py::object dx_obj = py::none();
  float* pdx = nullptr;
  if (need_dx) {
    farr dx({N, T, D});
    pdx = dx.mutable_data();
    dx_obj = dx;
  }
  // Scratch dz (fully written by lstm_backward before being read): a per-thread buffer reused
  // across calls, so a training loop does not page-fault ~10 MB of fresh memory per step; with
  // a projected x, dx itself (dx = dz).
  const size_t n_dz = static_cast<size_t>(N * T * G);
  std::unique_ptr<float[]> big;
  float* scratch = projected && pdx ? pdx : rnn_scratch(n_dz, big);
  const float *px = x.data(), *pW = rnn_ptr(W), *pR = R.data(), *ph0 = rnn_ptr(hh),
              *pc0 = rnn_ptr(cc), *pg = gates.data(), *phs = hs.data(), *pcs = cs.data(),
              *pdy = rnn_ptr(dys), *pdh = rnn_ptr(dh), *pdc = rnn_ptr(dc), *prm = rnn_ptr(rm);
  float *pdW = dW.mutable_data(), *pdR = dR.mutable_data(),
        *pdb = db.mutable_data(), *pdh0 = dh0.mutable_data(), *pdc0 = dc0.mutable_data();
  {
    py::gil_scoped_release nogil;
    lstm_backward(N, T, D, U, px, pW, pR, ph0, pc0, pg, phs, pcs, pdy, pdh, pdc, pdx, pdW, pdR,
                  pdb, pdh0, pdc0, scratch, pm, zero_output, pdyl, prm, act, ract);
  }
  return py::make_tuple(dx_obj, dW, dR, db, dh0, dc0);
}

template <typename I>
int64_t embedding_check_py(py::array_t<I, 0> idx, int64_t V) {
  if (!(idx.flags() & py::array::c_style))
    throw py::value_error("embedding_first_bad_index: indices must be C-contiguous");
  const I* p = idx.data();
  const int64_t n = idx.size();
  py::gil_scoped_release nogil;
  return embedding_first_bad_index<I>(p, n, V);
}

// Gather with the bounds check fused in C++ (GIL released): returns (first_bad, out), out None
// when an index is outside [0, V) (the rows read are only valid ones; the partial buffer is
// dropped); the Python face raises the IndexError.
template <typename I>
py::tuple embedding_gather_py(farr table, py::array_t<I, 0> idx) {
  if (table.ndim() != 2) throw py::value_error("embedding_gather: table must be 2-D");
  const int64_t V = table.shape(0), E = table.shape(1);
  rnn_check(table, {V, E}, "embedding_gather", "table");
  if (!(idx.flags() & py::array::c_style))
    throw py::value_error("embedding_gather: indices must be C-contiguous");
  const int64_t n = idx.size();
  const I* pi = idx.data();
  farr out({n, E});
  const float* pt = table.data();
  float* po = out.mutable_data();
  int64_t bad;
  {
    py::gil_scoped_release nogil;
    bad = embedding_gather<I>(pt, V, E, pi, n, po);
  }
  if (bad >= 0) return py::make_tuple(bad, py::none());
  return py::make_tuple(bad, out);
}

// Scatter-add with the bounds check fused: returns (first_bad, dtable) as embedding_gather_py.
template <typename I>
py::tuple embedding_scatter_add_py(farr dy, py::array_t<I, 0> idx, int64_t V) {
  if (dy.ndim() != 2) throw py::value_error("embedding_scatter_add: dy must be 2-D (n, E)");
  const int64_t n = dy.shape(0), E = dy.shape(1);
  rnn_check(dy, {n, E}, "embedding_scatter_add", "dy");
  if (!(idx.flags() & py::array::c_style) || idx.size() != n)
    throw py::value_error("embedding_scatter_add: indices must be C-contiguous with n elements");
  if (V < 0) throw py::value_error("embedding_scatter_add: input_dim must be >= 0");
  const I* pi = idx.data();
  farr out({V, E});
  const float* pd = dy.data();
  float* po = out.mutable_data();
  int64_t bad;
  {
    py::gil_scoped_release nogil;
    bad = embedding_scatter_add<I>(pd, n, pi, V, E, po);
  }
  if (bad >= 0) return py::make_tuple(bad, py::none());
  return py::make_tuple(bad, out);
}

py::tuple batchnorm_train_forward_py(farr x, py::object gamma, py::object beta, float eps) {
  if (x.ndim() != 2) throw py::value_error("batchnorm_train_forward: x must be 2-D (M, C)");
  const int64_t M = x.shape(0), C = x.shape(1);
  const char* op = "batchnorm_train_forward";
  rnn_check(x, {M, C}, op, "x");
  farr g = rnn_opt(gamma, {C}, op, "gamma"), b = rnn_opt(beta, {C}, op, "beta");
  farr y({M, C}), mean({C}), var({C}), inv({C});
  const float *px = x.data(), *pg = rnn_ptr(g), *pb = rnn_ptr(b);
  float *py_ = y.mutable_data(), *pm = mean.mutable_data(), *pv = var.mutable_data(),
        *pi = inv.mutable_data();
  {
    py::gil_scoped_release nogil;
    batchnorm_train_forward(px, M, C, pg, pb, eps, py_, pm, pv, pi);
  }
  return py::make_tuple(y, mean, var, inv);
}

farr batchnorm_infer_forward_py(farr x, farr mean, farr var, py::object gamma, py::object beta,
                                float eps) {
  if (x.ndim() != 2) throw py::value_error("batchnorm_infer_forward: x must be 2-D (M, C)");
  const int64_t M = x.shape(0), C = x.shape(1);
  const char* op = "batchnorm_infer_forward";
  rnn_check(x, {M, C}, op, "x");
  rnn_check(mean, {C}, op, "mean");
  rnn_check(var, {C}, op, "var");
  farr g = rnn_opt(gamma, {C}, op, "gamma"), b = rnn_opt(beta, {C}, op, "beta");
  farr y({M, C});
  const float *px = x.data(), *pm = mean.data(), *pv = var.data(), *pg = rnn_ptr(g),
              *pb = rnn_ptr(b);
  float* py_ = y.mutable_data();
  {
    py::gil_scoped_release nogil;
    batchnorm_infer_forward(px, M, C, pm, pv, pg, pb, eps, py_);
  }
  return y;
}

py::tuple batchnorm_train_backward_py(farr dy, farr x, farr mean, farr inv_std, py::object gamma) {
  if (x.ndim() != 2) throw py::value_error("batchnorm_train_backward: x must be 2-D (M, C)");
  const int64_t M = x.shape(0), C = x.shape(1);
  const char* op = "batchnorm_train_backward";
  rnn_check(x, {M, C}, op, "x");
  rnn_check(dy, {M, C}, op, "dy");
  rnn_check(mean, {C}, op, "mean");
  rnn_check(inv_std, {C}, op, "inv_std");
  farr g = rnn_opt(gamma, {C}, op, "gamma");
  farr dx({M, C}), dg({C}), db({C});
  const float *pdy = dy.data(), *px = x.data(), *pm = mean.data(), *pi = inv_std.data(),
              *pg = rnn_ptr(g);
  float *pdx = dx.mutable_data(), *pdg = dg.mutable_data(), *pdb = db.mutable_data();
  {
    py::gil_scoped_release nogil;
    batchnorm_train_backward(pdy, px, M, C, pm, pi, pg, pdx, pdg, pdb);
  }
  return py::make_tuple(dx, dg, db);
}

py::tuple batchnorm_infer_backward_py(farr dy, farr x, farr mean, farr var, py::object gamma,
                                      float eps) {
  if (x.ndim() != 2) throw py::value_error("batchnorm_infer_backward: x must be 2-D (M, C)");
  const int64_t M = x.shape(0), C = x.shape(1);
  const char* op = "batchnorm_infer_backward";
  rnn_check(x, {M, C}, op, "x");
  rnn_check(dy, {M, C}, op, "dy");
  rnn_check(mean, {C}, op, "mean");
  rnn_check(var, {C}, op, "var");
  farr g = rnn_opt(gamma, {C}, op, "gamma");
  farr dx({M, C}), dg({C}), db({C}), dm({C}), dv({C});
  const float *pdy = dy.data(), *px = x.data(), *pm = mean.data(), *pv = var.data(),
              *pg = rnn_ptr(g);
  float *pdx = dx.mutable_data(), *pdg = dg.mutable_data(), *pdb = db.mutable_data(),
        *pdm = dm.mutable_data(), *pdv = dv.mutable_data();
  {
    py::gil_scoped_release nogil;
    batchnorm_infer_backward(pdy, px, M, C, pm, pv, pg, eps, pdx, pdg, pdb, pdm, pdv);
  }
  return py::make_tuple(dx, dg, db, dm, dv);
}



// ---- elementwise (csrc/elementwise) helpers ----

// An optional float32 C-contiguous argument of exactly `shape`: None -> nullptr.
float* ew_opt(const py::object& o, std::initializer_list<int64_t> shape, const char* op,
              const char* name, bool writeable) {
  if (o.is_none()) return nullptr;
  if (!py::isinstance<farr>(o))
    throw py::type_error(std::string(op) + ": " + name + " must be a float32 numpy array or None");
  farr a = py::reinterpret_borrow<farr>(o);
  bool ok = static_cast<size_t>(a.ndim()) == shape.size() && (a.flags() & py::array::c_style);
  size_t k = 0;
  for (int64_t d : shape) ok = ok && a.shape(k++) == d;
  if (!ok) throw py::value_error(std::string(op) + ": " + name + " has the wrong shape or is not C-contiguous");
  if (writeable && !a.writeable()) throw py::value_error(std::string(op) + ": " + name + " is read-only");
  return const_cast<float*>(a.data());
}

void bias_act_backward_py(farr g, py::object y, py::object gout, py::object dbias) {
  const char* op = "bias_act_backward";
  if (g.ndim() != 2 || !(g.flags() & py::array::c_style))
    throw py::value_error("bias_act_backward: g must be a C-contiguous 2-D array");
  const int64_t M = g.shape(0), N = g.shape(1);
  const float* py_ = ew_opt(y, {M, N}, op, "y", false);
  float* po = ew_opt(gout, {M, N}, op, "gout", true);
  float* pb = ew_opt(dbias, {N}, op, "dbias", true);
  if (!po && py_) throw py::value_error("bias_act_backward: a relu mask (y) needs gout");
  const float* pg = g.data();
  py::gil_scoped_release nogil;
  bias_act_backward(pg, py_, M, N, po, pb);
}

// ---- elementwise helpers above this line ----

// ---- optimizers (csrc/optim) helpers ----
// Last guard for pyfapi/kernels/optim.py (which validates everything first): every array a
// C-contiguous float32 ndarray of the variable's size, variables and slots writeable, the slot
// count the optimizer kind needs. Nothing is converted; a ValueError before any memory is written.
float* optim_array(py::handle h, int64_t n, bool write, const char* what, size_t k) {
  if (!py::isinstance<farr>(h))
    throw py::value_error(std::string("optimizer_step: ") + what + "[" + std::to_string(k) +
                          "] must be a float32 numpy array");
  auto a = py::reinterpret_borrow<farr>(h);
  if (!(a.flags() & py::array::c_style) || (n >= 0 && a.size() != n) ||
      (write && !a.writeable()))
    throw py::value_error(std::string("optimizer_step: ") + what + "[" + std::to_string(k) +
                          "] must be C-contiguous, " + (write ? "writeable, " : "") +
                          "of its variable's size");
  return write ? a.mutable_data() : const_cast<float*>(a.data());
}

void optimizer_step_py(int kind, py::list params, py::list grads, py::list slots, int nslots,
                       py::object gscale, float lr, float wd_lr, bool decay, float clipvalue,
                       bool clip, float c0, float c1, float c2, float c3, bool flag0,
                       bool flag1, float c4, float c5) {
  if (kind < 0 || kind > 8) throw py::value_error("optimizer_step: unknown optimizer kind");
  // kinds 4-8 (Adamax, Nadam, Adadelta, Ftrl: 2 slots; Lion: 1)
  const int need = kind == 0 ? (flag1 ? 1 : 0)
                 : kind == 1 ? 1 + (flag1 ? 1 : 0) + (flag0 ? 1 : 0)
                 : kind == 2 ? (flag0 ? 3 : 2)
                 : (kind == 3 || kind == 7) ? 1 : 2;
  const size_t nv = params.size();
  if (nslots != need || grads.size() != nv || slots.size() != nv * static_cast<size_t>(need))
    throw py::value_error("optimizer_step: inconsistent numbers of variables, gradients, slots");
  const float* scales = nullptr;
  farr sc;
  if (!gscale.is_none()) {
    if (!py::isinstance<farr>(gscale)) throw py::value_error("optimizer_step: bad gscale");
    sc = py::reinterpret_borrow<farr>(gscale);
    if (sc.ndim() != 1 || sc.shape(0) != static_cast<py::ssize_t>(nv) ||
        !(sc.flags() & py::array::c_style))
      throw py::value_error("optimizer_step: gscale must hold one float32 per variable");
    scales = sc.data();
  }
  optim::Hyper h;
  h.lr = lr; h.wd_lr = wd_lr; h.decay = decay; h.clipvalue = clipvalue; h.clip = clip;
  h.c0 = c0; h.c1 = c1; h.c2 = c2; h.c3 = c3; h.c4 = c4; h.c5 = c5;
  h.flag0 = flag0; h.flag1 = flag1;
  std::vector<optim::Item> items(nv);
  for (size_t k = 0; k < nv; ++k) {
    optim::Item& it = items[k];
    py::handle w = params[k];
    if (!py::isinstance<farr>(w))
      throw py::value_error("optimizer_step: params[" + std::to_string(k) +
                            "] must be a float32 numpy array");
    it.n = static_cast<int64_t>(py::reinterpret_borrow<py::array>(w).size());
    it.w = optim_array(w, -1, true, "params", k);
    it.g = optim_array(grads[k], it.n, false, "grads", k);
    for (int j = 0; j < 3; ++j)
      it.s[j] = j < need ? optim_array(slots[k * need + j], it.n, true, "slots", k * need + j)
                         : nullptr;
    if (it.g == it.w)
      throw py::value_error("optimizer_step: a gradient shares its variable's memory");
    it.gscale = scales ? scales[k] : 1.0f;
    it.scale = scales != nullptr;
  }
  py::gil_scoped_release nogil;
  optim::step(static_cast<optim::Kind>(kind), h, items);
}
// ---- end optimizers helpers ----

}  // namespace

namespace pyfapi { void bind_image(pybind11::module_& m); }  // csrc/image
namespace pyfapi { void bind_preprocessing(pybind11::module_& m); }  // csrc/preprocessing
namespace pyfapi { void bind_memory(pybind11::module_& m); }  // csrc/memory
namespace pyfapi {
void bind_rnn(pybind11::module_& m);  // csrc/rnn/bindings_rnn.cpp
}

PYBIND11_MODULE(_C, m) {
  pyfapi::bind_image(m);
  pyfapi::bind_preprocessing(m);
  pyfapi::bind_memory(m);
  m.doc() = "pyfapi C++ kernels";
  pyfapi::bind_rnn(m);
#ifdef PYFAPI_VERSION
  m.attr("__version__") = PYFAPI_VERSION;
#endif
  m.attr("compiler") =
#if defined(__clang__)
      "clang " __clang_version__;
#elif defined(__GNUC__)
      "gcc " __VERSION__;
#else
      "unknown";
#endif
  m.attr("allocator") = tune_allocator();
  m.def("pin_worker_threads", &pin_worker_threads,
        "Bind the OpenMP pool workers to one CPU each (see csrc/common/threads.h); returns how many.");
  m.def("pinned_workers", &pinned_workers, "Workers bound by the last pin_worker_threads().");
  m.def("pin_pending", &pin_pending, "True until the next parallel region binds the workers.");
  m.def("forked_single_threaded", &forked_single_threaded,
        "True in a child forked after a parallel region: kernels run on one thread there.");
  m.def("set_num_threads", &set_num_threads, py::arg("n"));
  m.def("get_num_threads", &get_num_threads);
  m.def("openmp_enabled", &openmp_enabled);
  m.def("_set_force_threads", &set_force_threads, py::arg("on"),
        "Tests only: open parallel regions even for tiny work (get_num_threads() threads).");
  m.def("_force_threads", &force_threads);
  m.def("detected_isa", [] { return std::string(detected_path_name()); });
  m.def("active_isa", [] { return std::string(active_path_name()); });
  m.def("set_isa", [](const std::string& name) {
    const bool bf16 = name == "avx512_bf16";
    Isa isa = name == "avx512" || bf16 ? Isa::Avx512 : name == "avx2" ? Isa::Avx2 : Isa::Generic;
    if (name != "avx512" && name != "avx2" && name != "generic" && !bf16)
      throw py::value_error("set_isa: expected 'generic', 'avx2', 'avx512' or 'avx512_bf16', got '" +
                            name + "'");
    return set_isa(isa, bf16);
  });
  m.def("set_gemm_precision", [](int p) {
    if (p != 0 && p != 1) throw py::value_error("set_gemm_precision: expected 0 (float32) or 1 (bfloat16)");
    const int old = static_cast<int>(gemm_precision());
    set_gemm_precision(static_cast<Precision>(p));
    return old;
  }, py::arg("precision"),
  "Sets the calling thread's GEMM precision (0 float32, 1 bfloat16); returns the old one.");
  m.def("gemm_precision", [] { return static_cast<int>(gemm_precision()); });

  m.add_object("gemm_fast", py::reinterpret_steal<py::object>(
                                PyCFunction_NewEx(&fastcall::gemm_fast_def, nullptr, nullptr)));

  // ---- conv / depthwise / pool bindings ----
  // Geometry ints: strides (sh, sw), dilations (dh, dw), padding before (pt, pl); the output
  // array's shape gives the output size. Arrays: float32, C-contiguous, never converted.
  m.def("conv2d_forward", &conv2d_forward_py, py::arg("x").noconvert(),
        py::arg("kernel").noconvert(), py::arg("out").noconvert(), py::arg("sh"), py::arg("sw"),
        py::arg("dh"), py::arg("dw"), py::arg("pt"), py::arg("pl"), py::arg("bias"),
        py::arg("act"));
  m.def("conv2d_backward_input", &conv2d_backward_input_py, py::arg("dy").noconvert(),
        py::arg("kernel").noconvert(), py::arg("dx").noconvert(), py::arg("sh"), py::arg("sw"),
        py::arg("dh"), py::arg("dw"), py::arg("pt"), py::arg("pl"));
  m.def("conv2d_backward_kernel", &conv2d_backward_kernel_py, py::arg("x").noconvert(),
        py::arg("dy").noconvert(), py::arg("dkernel").noconvert(), py::arg("sh"), py::arg("sw"),
        py::arg("dh"), py::arg("dw"), py::arg("pt"), py::arg("pl"));
  m.def("depthwise_forward", &depthwise_forward_py, py::arg("x").noconvert(),
        py::arg("kernel").noconvert(), py::arg("out").noconvert(), py::arg("sh"), py::arg("sw"),
        py::arg("dh"), py::arg("dw"), py::arg("pt"), py::arg("pl"));
  m.def("depthwise_backward_input", &depthwise_backward_input_py, py::arg("dy").noconvert(),
        py::arg("kernel").noconvert(), py::arg("dx").noconvert(), py::arg("sh"), py::arg("sw"),
        py::arg("dh"), py::arg("dw"), py::arg("pt"), py::arg("pl"));
  m.def("depthwise_backward_kernel", &depthwise_backward_kernel_py, py::arg("x").noconvert(),
        py::arg("dy").noconvert(), py::arg("dkernel").noconvert(), py::arg("sh"), py::arg("sw"),
        py::arg("dh"), py::arg("dw"), py::arg("pt"), py::arg("pl"));
  m.def("max_pool_forward",
        [](farr x, farr y, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t pt,
           int64_t pl) { pool_forward_py(true, x, y, kh, kw, sh, sw, pt, pl); },
        py::arg("x").noconvert(), py::arg("out").noconvert(), py::arg("kh"), py::arg("kw"),
        py::arg("sh"), py::arg("sw"), py::arg("pt"), py::arg("pl"));
  m.def("avg_pool_forward",
        [](farr x, farr y, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t pt,
           int64_t pl) { pool_forward_py(false, x, y, kh, kw, sh, sw, pt, pl); },
        py::arg("x").noconvert(), py::arg("out").noconvert(), py::arg("kh"), py::arg("kw"),
        py::arg("sh"), py::arg("sw"), py::arg("pt"), py::arg("pl"));
  m.def("max_pool_backward", &max_pool_backward_py, py::arg("x").noconvert(),
        py::arg("dy").noconvert(), py::arg("dx").noconvert(), py::arg("kh"), py::arg("kw"),
        py::arg("sh"), py::arg("sw"), py::arg("pt"), py::arg("pl"));
  m.def("avg_pool_backward", &avg_pool_backward_py, py::arg("dy").noconvert(),
        py::arg("dx").noconvert(), py::arg("kh"), py::arg("kw"), py::arg("sh"), py::arg("sw"),
        py::arg("pt"), py::arg("pl"));



  // ---- lstm / embedding / batchnorm bindings ----
  m.def("lstm_forward", &lstm_forward_py, py::arg("x").noconvert(), py::arg("W"),
        py::arg("R").noconvert(), py::arg("b"), py::arg("h0"), py::arg("c0"),
        py::arg("mask") = py::none(), py::arg("zero_output") = false,
        py::arg("rmask") = py::none(), py::arg("act") = 0, py::arg("ract") = 1);
  m.def("lstm_backward", &lstm_backward_py, py::arg("x").noconvert(), py::arg("W"),
        py::arg("R").noconvert(), py::arg("h0"), py::arg("c0"), py::arg("gates").noconvert(),
        py::arg("hs").noconvert(), py::arg("cs").noconvert(), py::arg("dy_seq"),
        py::arg("dh_T"), py::arg("dc_T"), py::arg("need_dx") = true,
        py::arg("mask") = py::none(), py::arg("zero_output") = false,
        py::arg("dy_last") = py::none(), py::arg("rmask") = py::none(), py::arg("act") = 0,
        py::arg("ract") = 1);
  m.def("embedding_first_bad_index", &embedding_check_py<int32_t>, py::arg("indices").noconvert(),
        py::arg("input_dim"));
  m.def("embedding_first_bad_index", &embedding_check_py<int64_t>, py::arg("indices").noconvert(),
        py::arg("input_dim"));
  m.def("embedding_gather", &embedding_gather_py<int32_t>, py::arg("table").noconvert(),
        py::arg("indices").noconvert());
  m.def("embedding_gather", &embedding_gather_py<int64_t>, py::arg("table").noconvert(),
        py::arg("indices").noconvert());
  m.def("embedding_scatter_add", &embedding_scatter_add_py<int32_t>, py::arg("dy").noconvert(),
        py::arg("indices").noconvert(), py::arg("input_dim"));
  m.def("embedding_scatter_add", &embedding_scatter_add_py<int64_t>, py::arg("dy").noconvert(),
        py::arg("indices").noconvert(), py::arg("input_dim"));
  // ---- elementwise
  m.def("bias_act_backward", &bias_act_backward_py, py::arg("g").noconvert(), py::arg("y"),
        py::arg("gout"), py::arg("dbias"));
  m.def("batchnorm_train_forward", &batchnorm_train_forward_py, py::arg("x").noconvert(),
        py::arg("gamma"), py::arg("beta"), py::arg("epsilon"));
  m.def("batchnorm_infer_forward", &batchnorm_infer_forward_py, py::arg("x").noconvert(),
        py::arg("mean").noconvert(), py::arg("variance").noconvert(), py::arg("gamma"),
        py::arg("beta"), py::arg("epsilon"));
  m.def("batchnorm_train_backward", &batchnorm_train_backward_py, py::arg("dy").noconvert(),
        py::arg("x").noconvert(), py::arg("mean").noconvert(), py::arg("inv_std").noconvert(),
        py::arg("gamma"));
  m.def("batchnorm_infer_backward", &batchnorm_infer_backward_py, py::arg("dy").noconvert(),
        py::arg("x").noconvert(), py::arg("mean").noconvert(), py::arg("variance").noconvert(),
        py::arg("gamma"), py::arg("epsilon"));

  // ---- optimizers bindings (csrc/optim; python face pyfapi/kernels/optim.py) ----
  m.def("optimizer_step", &optimizer_step_py, py::arg("kind"), py::arg("params"),
        py::arg("grads"), py::arg("slots"), py::arg("nslots"), py::arg("gscale"), py::arg("lr"),
        py::arg("wd_lr"), py::arg("decay"), py::arg("clipvalue"), py::arg("clip"), py::arg("c0"),
        py::arg("c1"), py::arg("c2"), py::arg("c3"), py::arg("flag0"), py::arg("flag1"),
        py::arg("c4") = 0.f, py::arg("c5") = 0.f);
  // ---- end optimizers bindings ----
  bind_layernorm(m);
  bind_softmax(m);
  bind_gemm_batched(m);
  bind_attention(m);
  bind_dropout(m);
}
