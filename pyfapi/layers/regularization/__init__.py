"""Regularization layers."""
from pyfapi.layers.regularization.dropout import Dropout
from pyfapi.layers.regularization.activity_regularization import ActivityRegularization
from pyfapi.layers.regularization.alpha_dropout import AlphaDropout
from pyfapi.layers.regularization.gaussian_dropout import GaussianDropout
from pyfapi.layers.regularization.gaussian_noise import GaussianNoise
from pyfapi.layers.regularization.spatial_dropout import SpatialDropout1D, SpatialDropout2D
