"""Merge layers and their functional forms."""
from pyfapi.layers.merging.add import Add, add
from pyfapi.layers.merging.average import Average, average
from pyfapi.layers.merging.concatenate import Concatenate, concatenate
from pyfapi.layers.merging.maximum import Maximum, maximum
from pyfapi.layers.merging.minimum import Minimum, minimum
from pyfapi.layers.merging.multiply import Multiply, multiply
from pyfapi.layers.merging.subtract import Subtract, subtract
from pyfapi.layers.merging.dot import Dot, dot
