// pybind11 bindings of the array cache (csrc/memory/array_cache.h): installs it as numpy's data
// memory handler (NEP 49) for the calling thread's context. Python face: pyfapi/kernels/memory.py.
//
// numpy's C-API table is reached at run time through numpy._core._multiarray_umath._ARRAY_API
// (what import_array() does), so the build needs no numpy headers: the two entries used, and the
// handler struct layout below, are part of numpy's stable ABI since 1.22 (C-API feature version
// 0x0f; numpy/__multiarray_api.h: PyDataMem_SetHandler = [304], PyDataMem_GetHandler = [305],
// PyArray_GetNDArrayCFeatureVersion = [211]; numpy/ndarraytypes.h: PyDataMem_Handler).
#include <pybind11/pybind11.h>

#include <cstdint>
#include <cstring>

#include "memory/array_cache.h"

namespace py = pybind11;

namespace pyfapi {
namespace {

struct NpyAllocator {  // PyDataMemAllocator (version 1)
  void* ctx;
  void* (*malloc)(void* ctx, size_t size);
  void* (*calloc)(void* ctx, size_t nelem, size_t elsize);
  void* (*realloc)(void* ctx, void* ptr, size_t new_size);
  void (*free)(void* ctx, void* ptr, size_t size);
};
struct NpyHandler {  // PyDataMem_Handler
  char name[127];
  uint8_t version;
  NpyAllocator allocator;
};

void* h_malloc(void*, size_t n) { return array_cache::alloc(n); }
void* h_calloc(void*, size_t nelem, size_t elsize) {
  if (elsize != 0 && nelem > SIZE_MAX / elsize) return nullptr;
  return array_cache::alloc_zeroed(nelem * elsize);
}
void* h_realloc(void*, void* p, size_t n) { return array_cache::realloc_block(p, n); }
void h_free(void*, void* p, size_t n) { array_cache::release(p, n); }

NpyHandler g_handler = {"pyfapi_array_cache", 1,
                        {nullptr, &h_malloc, &h_calloc, &h_realloc, &h_free}};

void** numpy_api() {
  py::module_ mu;
  try {
    mu = py::module_::import("numpy._core._multiarray_umath");
  } catch (py::error_already_set&) {
    mu = py::module_::import("numpy.core._multiarray_umath");
  }
  py::object cap = mu.attr("_ARRAY_API");
  void* p = PyCapsule_GetPointer(cap.ptr(), nullptr);
  if (!p) throw py::error_already_set();
  return static_cast<void**>(p);
}

// Installs (true) or removes (false) the cache as the current context's numpy data handler.
// Returns the name of the handler that was active before. Raises RuntimeError when numpy's
// C API is older than 1.22 (no NEP 49 handlers).
std::string set_numpy_handler(bool on) {
  void** api = numpy_api();
  auto feature = reinterpret_cast<unsigned (*)()>(api[211]);
  if (feature() < 0x0f)
    throw std::runtime_error("array cache: numpy's C API predates memory handlers (NEP 49, 1.22)");
  auto get_handler = reinterpret_cast<PyObject* (*)()>(api[305]);
  auto set_handler = reinterpret_cast<PyObject* (*)(PyObject*)>(api[304]);
  py::object cur = py::reinterpret_steal<py::object>(get_handler());
  if (!cur || !PyCapsule_IsValid(cur.ptr(), "mem_handler"))
    throw std::runtime_error("array cache: numpy's current memory handler is not a capsule");
  auto* cur_h = static_cast<NpyHandler*>(PyCapsule_GetPointer(cur.ptr(), "mem_handler"));
  const std::string before(cur_h->name, strnlen(cur_h->name, sizeof cur_h->name));
  // The previous handler, restored by set_numpy_handler(false); kept alive for good (arrays
  // hold their handler capsule, so neither capsule may go away while any array lives).
  static PyObject* previous = nullptr;
  static PyObject* ours = nullptr;
  if (on) {
    if (cur_h == &g_handler) return before;
    if (!ours) ours = PyCapsule_New(&g_handler, "mem_handler", nullptr);
    if (!ours) throw py::error_already_set();
    PyObject* old = set_handler(ours);
    if (!old) throw py::error_already_set();
    Py_XDECREF(previous);
    previous = old;  // owned
  } else {
    if (cur_h != &g_handler || !previous) return before;
    PyObject* old = set_handler(previous);
    if (!old) throw py::error_already_set();
    Py_DECREF(old);  // ours: still referenced by `ours`
  }
  return before;
}

}  // namespace

void bind_memory(py::module_& m) {
  m.def("array_cache_set_handler", &set_numpy_handler, py::arg("on"),
        "Install (True) / remove (False) the array cache as this context's numpy memory "
        "handler; returns the previous handler's name.");
  m.def("array_cache_set_limit", [](size_t b) { array_cache::set_limit(b); }, py::arg("bytes"));
  m.def("array_cache_clear", &array_cache::clear);
  m.def("array_cache_stats", [] {
    const auto s = array_cache::stats();
    py::dict d;
    d["limit"] = s.limit;
    d["cached_bytes"] = s.cached_bytes;
    d["cached_blocks"] = s.cached_blocks;
    d["live_bytes"] = s.live_bytes;
    d["live_blocks"] = s.live_blocks;
    d["hits"] = s.hits;
    d["misses"] = s.misses;
    return d;
  });
  m.attr("array_cache_min_bytes") = array_cache::kMinBytes;
}

}  // namespace pyfapi
