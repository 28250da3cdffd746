"""Reshaping layers."""
from pyfapi.layers.reshaping.flatten import Flatten
from pyfapi.layers.reshaping.reshape import Reshape
