"""Reshaping layers."""
from pyfapi.layers.reshaping.flatten import Flatten
from pyfapi.layers.reshaping.reshape import Reshape
from pyfapi.layers.reshaping.repeat_vector import RepeatVector
