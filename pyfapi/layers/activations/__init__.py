"""Activation layers."""
from pyfapi.layers.activations.activation import Activation
from pyfapi.layers.activations.elu import ELU
from pyfapi.layers.activations.leaky_relu import LeakyReLU
from pyfapi.layers.activations.prelu import PReLU
from pyfapi.layers.activations.relu import ReLU
from pyfapi.layers.activations.softmax import Softmax
