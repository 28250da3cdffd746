// The pybind11 module pyfapi._C: argument unpacking only; kernels live in their families.
// Arrays arrive already validated by pyfapi/kernels.py; the checks here are a last guard that
// raises instead of touching memory (no silent conversion: arguments are noconvert()).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <stdexcept>
#include <utility>
#include <string>

#include "common/cpu_features.h"
#include "common/threads.h"
#include "gemm/gemm.h"

namespace py = pybind11;
using namespace pyfapi;

namespace {

using farr = py::array_t<float, 0>;  // no forcecast: float32 only, any strides

// Row stride (elements) of a 2-D float32 array whose rows are unit-stride.
int64_t row_stride(const py::array& a, const char* name) {
  if (a.ndim() != 2) throw py::value_error(std::string(name) + " must be 2-D");
  if (a.shape(0) == 0 || a.shape(1) == 0) return std::max<int64_t>(a.shape(1), 1);  // not read
  if (a.shape(1) > 1 && a.strides(1) != static_cast<py::ssize_t>(sizeof(float)))
    throw py::value_error(std::string(name) + " rows must be contiguous (unit inner stride)");
  if (a.strides(0) % static_cast<py::ssize_t>(sizeof(float)) != 0 || a.strides(0) < 0)
    throw py::value_error(std::string(name) + " has an unsupported row stride");
  // One row: the stride is meaningless, use the row length. Several rows: the real stride
  // (0 for broadcast rows is fine for inputs; pyfapi/kernels/gemm.py refuses overlapping out rows).
  if (a.shape(0) <= 1) return std::max<int64_t>(a.shape(1), 1);
  return a.strides(0) / static_cast<py::ssize_t>(sizeof(float));
}

// Byte range [lo, hi) spanned by a 2-D array with non-negative strides (empty: lo == hi).
std::pair<uintptr_t, uintptr_t> byte_range(const py::array& x) {
  auto lo = reinterpret_cast<uintptr_t>(x.data());
  if (x.size() == 0) return {lo, lo};
  uintptr_t span = (x.shape(0) - 1) * x.strides(0) + (x.shape(1) - 1) * x.strides(1) + sizeof(float);
  return {lo, lo + span};
}

bool overlaps(const py::array& x, const py::array& y) {
  auto rx = byte_range(x), ry = byte_range(y);
  return rx.first < ry.second && ry.first < rx.second;
}

// Raises ValueError WITHOUT touching memory when out overlaps a or b in memory (byte ranges,
// like np.may_share_memory); pyfapi/kernels/gemm.py then copies the input and calls again.
void gemm_py(farr a, farr b, farr out, bool trans_a, bool trans_b, float alpha, float beta,
             py::object bias, int act) {
  int64_t lda = row_stride(a, "a"), ldb = row_stride(b, "b"), ldc = row_stride(out, "out");
  int64_t M = trans_a ? a.shape(1) : a.shape(0);
  int64_t K = trans_a ? a.shape(0) : a.shape(1);
  int64_t Kb = trans_b ? b.shape(1) : b.shape(0);
  int64_t N = trans_b ? b.shape(0) : b.shape(1);
  if (K != Kb || out.shape(0) != M || out.shape(1) != N)
    throw py::value_error("gemm: inconsistent shapes");
  if (!out.writeable()) throw py::value_error("gemm: out is read-only");
  const float* bias_ptr = nullptr;
  farr bias_arr;
  if (!bias.is_none()) {
    bias_arr = bias.cast<farr>();
    if (bias_arr.ndim() != 1 || bias_arr.shape(0) != N || bias_arr.strides(0) != sizeof(float))
      throw py::value_error("gemm: bias must be contiguous of length N");
    bias_ptr = bias_arr.data();
  }
  if (act < 0 || act > 1) throw py::value_error("gemm: unknown activation code");
  if (overlaps(out, a) || overlaps(out, b))
    throw py::value_error("gemm: out overlaps a or b in memory");
  const float* pa = a.data();
  const float* pb = b.data();
  float* pc = out.mutable_data();
  py::gil_scoped_release nogil;
  sgemm(trans_a, trans_b, M, N, K, alpha, pa, lda, pb, ldb, beta, pc, ldc, bias_ptr,
        static_cast<Act>(act));
}

// ---- conv / depthwise / pool (csrc/conv, csrc/pool) helpers above this line ----



// ---- lstm / embedding / batchnorm (csrc/lstm, csrc/embedding, csrc/batchnorm) helpers ----



}  // namespace

PYBIND11_MODULE(_C, m) {
  m.doc() = "pyfapi C++ kernels";
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
  m.def("set_num_threads", &set_num_threads, py::arg("n"));
  m.def("get_num_threads", &get_num_threads);
  m.def("openmp_enabled", &openmp_enabled);
  m.def("detected_isa", [] { return std::string(isa_name(detect_isa())); });
  m.def("active_isa", [] { return std::string(isa_name(active_isa())); });
  m.def("set_isa", [](const std::string& name) {
    Isa isa = name == "avx512" ? Isa::Avx512 : name == "avx2" ? Isa::Avx2 : Isa::Generic;
    if (name != "avx512" && name != "avx2" && name != "generic")
      throw py::value_error("set_isa: expected 'generic', 'avx2' or 'avx512', got '" + name + "'");
    return set_isa(isa);
  });

  m.def("gemm", &gemm_py, py::arg("a").noconvert(), py::arg("b").noconvert(),
        py::arg("out").noconvert(), py::arg("trans_a"), py::arg("trans_b"), py::arg("alpha"),
        py::arg("beta"), py::arg("bias"), py::arg("act"));

  // ---- conv / depthwise / pool bindings ----



  // ---- lstm / embedding / batchnorm bindings ----



}
