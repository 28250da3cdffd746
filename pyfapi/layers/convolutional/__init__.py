"""Convolution layers (channels_last)."""
from pyfapi.layers.convolutional.conv1d import Conv1D
from pyfapi.layers.convolutional.conv2d import Conv2D
from pyfapi.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from pyfapi.layers.convolutional.separable_conv2d import SeparableConv2D
from pyfapi.layers.convolutional.conv1d_transpose import Conv1DTranspose
from pyfapi.layers.convolutional.conv2d_transpose import Conv2DTranspose
