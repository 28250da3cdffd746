// The softmax mask of a numpy array (pybind11 bindings of csrc/softmax and csrc/attention).
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <vector>

#include "softmax/softmax.h"

namespace pyfapi {

// The mask: None, or an array of x's shape (a broadcast view: strides may be 0) whose last axis
// is unit-stride, bool (keep) or float32 (additive).
inline SoftmaxMask softmax_mask_from_py(const pybind11::object& o, const std::vector<pybind11::ssize_t>& shape, bool uniform) {
  SoftmaxMask m;
  m.uniform_if_all_masked = uniform;
  if (o.is_none()) return m;
  if (!pybind11::isinstance<pybind11::array>(o)) throw pybind11::type_error("softmax: mask must be an array or None");
  pybind11::array a = pybind11::reinterpret_borrow<pybind11::array>(o);
  const bool is_bool = a.dtype().is(pybind11::dtype::of<bool>());
  if (!is_bool && !a.dtype().is(pybind11::dtype::of<float>()))
    throw pybind11::type_error("softmax: mask must be bool or float32");
  const int nd = static_cast<int>(shape.size());
  if (a.ndim() != nd) throw pybind11::value_error("softmax: mask must have x's shape (broadcast view)");
  for (int i = 0; i < nd; ++i)
    if (a.shape(i) != shape[i]) throw pybind11::value_error("softmax: mask must have x's shape");
  if (nd - 1 > kSoftmaxMaxMaskDims)
    throw pybind11::value_error("softmax: a mask supports at most 9 axes");
  for (int i = 0; i < nd; ++i)
    if (shape[i] == 0) return m;  // nothing is read (and numpy's strides of empty arrays vary)
  const pybind11::ssize_t item = a.itemsize();
  if (shape[nd - 1] > 1 && a.strides(nd - 1) != item)
    throw pybind11::value_error("softmax: the mask's last axis must be unit-stride");
  for (int i = 0; i < nd - 1; ++i) {
    if (a.strides(i) < 0 || a.strides(i) % item)
      throw pybind11::value_error("softmax: mask strides must be non-negative multiples of its itemsize");
    m.dims[i] = shape[i];
    m.strides[i] = a.strides(i) / item;
  }
  m.ndim = nd - 1;
  m.boolean = is_bool;
  m.data = a.data();
  return m;
}

}  // namespace pyfapi
