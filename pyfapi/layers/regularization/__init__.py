"""Regularization layers."""
from pyfapi.layers.regularization.dropout import Dropout
