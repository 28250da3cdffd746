"""Reshaping layers."""
from pyfapi.layers.reshaping.flatten import Flatten
from pyfapi.layers.reshaping.reshape import Reshape
from pyfapi.layers.reshaping.repeat_vector import RepeatVector
from pyfapi.layers.reshaping.cropping1d import Cropping1D
from pyfapi.layers.reshaping.cropping2d import Cropping2D
from pyfapi.layers.reshaping.permute import Permute
from pyfapi.layers.reshaping.up_sampling1d import UpSampling1D
from pyfapi.layers.reshaping.up_sampling2d import UpSampling2D
from pyfapi.layers.reshaping.zero_padding1d import ZeroPadding1D
from pyfapi.layers.reshaping.zero_padding2d import ZeroPadding2D
