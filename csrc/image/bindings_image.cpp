// pybind11 bindings of the image family (csrc/image): last-guard checks only; the Python face
// pyfapi/kernels/image.py validates and converts first.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

#include "image/image.h"

namespace py = pybind11;

namespace pyfapi {
namespace {

using farr = py::array_t<float, py::array::c_style>;
using iarr = py::array_t<int32_t, py::array::c_style>;

void need(bool ok, const char* msg) {
  if (!ok) throw py::value_error(msg);
}

void resize_py(farr x, farr out, iarr yi, farr wy, iarr xi, farr wx) {
  need(x.ndim() == 4 && out.ndim() == 4, "image_resize: x and out must be 4-D (N, H, W, C)");
  need(yi.ndim() == 2 && wy.ndim() == 2 && xi.ndim() == 2 && wx.ndim() == 2,
       "image_resize: index / weight tables must be 2-D");
  ResizeGeom g{x.shape(0), x.shape(1), x.shape(2), x.shape(3), out.shape(1), out.shape(2),
               yi.shape(1), xi.shape(1)};
  need(out.shape(0) == g.N && out.shape(3) == g.C, "image_resize: out batch/channels differ");
  need(yi.shape(0) == g.OH && wy.shape(0) == g.OH && wy.shape(1) == g.KY,
       "image_resize: vertical table shape");
  need(xi.shape(0) == g.OW && wx.shape(0) == g.OW && wx.shape(1) == g.KX,
       "image_resize: horizontal table shape");
  const int32_t* pyi = yi.data();
  const int32_t* pxi = xi.data();
  for (int64_t i = 0; i < yi.size(); ++i)
    need(pyi[i] >= 0 && pyi[i] < (g.H > 0 ? g.H : 1), "image_resize: row index out of range");
  for (int64_t i = 0; i < xi.size(); ++i)
    need(pxi[i] >= 0 && pxi[i] < (g.W > 0 ? g.W : 1), "image_resize: column index out of range");
  need(g.H > 0 || g.N * g.OH == 0, "image_resize: empty input height");
  need(g.W > 0 || g.N * g.OH * g.OW == 0, "image_resize: empty input width");
  const float* px = x.data();
  float* po = out.mutable_data();
  const float* pwy = wy.data();
  const float* pwx = wx.data();
  py::gil_scoped_release nogil;
  resize_separable(g, px, pyi, pwy, pxi, pwx, po);
}

void affine_py(farr x, farr transforms, farr out, int order, int fill_mode, float fill_value) {
  need(x.ndim() == 4 && out.ndim() == 4, "image_affine_transform: x and out must be 4-D");
  need(transforms.ndim() == 2 && transforms.shape(1) == 8 && transforms.shape(0) == x.shape(0),
       "image_affine_transform: transforms must be (N, 8)");
  need(out.shape(0) == x.shape(0) && out.shape(3) == x.shape(3),
       "image_affine_transform: out batch/channels differ");
  need(order == 0 || order == 1, "image_affine_transform: order must be 0 or 1");
  need(fill_mode >= 0 && fill_mode <= 4, "image_affine_transform: bad fill mode");
  AffineGeom g{x.shape(0), x.shape(1), x.shape(2), x.shape(3), out.shape(1), out.shape(2),
               order, fill_mode, fill_value};
  const float* px = x.data();
  const float* pt = transforms.data();
  float* po = out.mutable_data();
  py::gil_scoped_release nogil;
  affine_transform(g, px, pt, po);
}

}  // namespace

void bind_image(py::module_& m) {
  m.def("image_resize", &resize_py, py::arg("x").noconvert(), py::arg("out").noconvert(),
        py::arg("yi").noconvert(), py::arg("wy").noconvert(), py::arg("xi").noconvert(),
        py::arg("wx").noconvert(),
        "Separable resampling of NHWC float32 images with precomputed taps (csrc/image).");
  m.def("image_affine_transform", &affine_py, py::arg("x").noconvert(),
        py::arg("transforms").noconvert(), py::arg("out").noconvert(), py::arg("order"),
        py::arg("fill_mode"), py::arg("fill_value"),
        "Affine / projective warp of NHWC float32 images (csrc/image).");
}

}  // namespace pyfapi
