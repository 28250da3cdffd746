"""Core layers: Dense, Embedding, Input / InputLayer, Lambda, Masking."""
from pyfapi.layers.core.dense import Dense
from pyfapi.layers.core.embedding import Embedding
from pyfapi.layers.core.input_layer import Input, InputLayer
from pyfapi.layers.core.lambda_layer import Lambda
from pyfapi.layers.core.masking import Masking
from pyfapi.layers.core.einsum_dense import EinsumDense
from pyfapi.layers.core.identity import Identity
from pyfapi.layers.core import symbolic_op as _symbolic_op  # noqa: F401  (binds KerasTensor ops)
