// pybind11 binding of the batched SGEMM (python face: pyfapi.kernels.gemm.batched_matmul, which
// validates, lays out and allocates first; the checks here are a last guard that raises before
// any memory is touched, nothing is converted).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <string>

#include "gemm/batched_gemm.h"

namespace py = pybind11;

namespace pyfapi {
namespace {

// (ld, trans) of a matrix view (the last two axes of `a`, logical shape r x c): unit stride along
// its columns (ld = row stride) or along its rows (trans; ld = column stride). False: neither.
bool bg_layout(const py::array& a, int64_t& ld, bool& trans) {
  const int nd = static_cast<int>(a.ndim());
  const int64_t r = a.shape(nd - 2), c = a.shape(nd - 1);
  const int64_t b0 = a.strides(nd - 2), b1 = a.strides(nd - 1);
  if (b0 < 0 || b1 < 0 || b0 % 4 || b1 % 4) return false;
  const int64_t s0 = b0 / 4, s1 = b1 / 4;
  if ((c <= 1 || s1 == 1) && (r <= 1 || s0 >= c)) {
    trans = false;
    ld = r <= 1 ? std::max<int64_t>(c, 1) : s0;
    return true;
  }
  if ((r <= 1 || s0 == 1) && (c <= 1 || s1 >= r)) {
    trans = true;
    ld = c <= 1 ? std::max<int64_t>(r, 1) : s1;
    return true;
  }
  return false;
}

void bg_fail(const std::string& what) { throw py::value_error("gemm_batched: " + what); }

void gemm_batched_py(py::array a, py::array b, py::array c) {
  const auto f32 = py::dtype::of<float>();
  if (!a.dtype().is(f32) || !b.dtype().is(f32) || !c.dtype().is(f32))
    bg_fail("a, b and out must be float32 arrays");
  const int nd = static_cast<int>(c.ndim());
  if (nd < 2 || a.ndim() != nd || b.ndim() != nd) bg_fail("a, b and out must have one rank >= 2");
  if (nd - 2 > kBatchedGemmMaxDims) bg_fail("at most 8 batch axes");
  const int64_t M = a.shape(nd - 2), K = a.shape(nd - 1), N = b.shape(nd - 1);
  if (b.shape(nd - 2) != K || c.shape(nd - 2) != M || c.shape(nd - 1) != N)
    bg_fail("shapes do not chain: a (..., M, K), b (..., K, N), out (..., M, N)");
  if (!c.writeable()) bg_fail("out must be writable");
  BatchLayout bl;
  bl.ndim = nd - 2;
  for (int d = 0; d < nd - 2; ++d) {
    if (a.shape(d) != c.shape(d) || b.shape(d) != c.shape(d))
      bg_fail("batch axes differ (broadcast them first)");
    const int64_t s[3] = {a.strides(d), b.strides(d), c.strides(d)};
    for (int64_t v : s)
      if (v < 0 || v % 4) bg_fail("batch strides must be non-negative multiples of 4 bytes");
    bl.dims[d] = c.shape(d);
    bl.sa[d] = s[0] / 4;
    bl.sb[d] = s[1] / 4;
    bl.sc[d] = s[2] / 4;
  }
  int64_t lda, ldb, ldc;
  bool ta, tb, tc;
  if (!bg_layout(a, lda, ta) || !bg_layout(b, ldb, tb)) bg_fail("a or b has no unit-stride axis");
  if (!bg_layout(c, ldc, tc) || tc) bg_fail("out rows must be unit-stride");
  const float* pa = static_cast<const float*>(a.data());
  const float* pb = static_cast<const float*>(b.data());
  float* pc = static_cast<float*>(c.mutable_data());
  py::gil_scoped_release nogil;
  sgemm_batched(bl, ta, tb, M, N, K, pa, lda, pb, ldb, pc, ldc);
}

}  // namespace

void bind_gemm_batched(py::module_& m) {
  m.def("gemm_batched", &gemm_batched_py, py::arg("a"), py::arg("b"), py::arg("out"),
        "out[...] = a[...] @ b[...] over the leading (batch) axes of float32 views: each matrix "
        "unit-stride along one axis, out rows unit-stride, batch axes equal (strides free).");
}

}  // namespace pyfapi
