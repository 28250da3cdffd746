"""Activation layers."""
from pyfapi.layers.activations.activation import Activation
