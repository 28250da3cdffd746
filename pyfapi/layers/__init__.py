"""pyfapi.layers: the Keras 3 layers of the functional API.

``from pyfapi import layers`` then ``layers.Dense(32, activation="relu")(x)`` exactly as with
``keras.layers``. :mod:`.base` holds Layer; the layers are arranged by family as Keras 3 arranges
them, one module per layer: :mod:`.core` (Dense, Embedding, Input / InputLayer, Lambda),
:mod:`.activations`, :mod:`.convolutional`, :mod:`.pooling`, :mod:`.rnn`, :mod:`.normalization`,
:mod:`.regularization`, :mod:`.reshaping`, :mod:`.merging` (layers and their functional forms), :mod:`.attention`,
:mod:`.preprocessing`.
"""
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.activations import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax
from pyfapi.layers.attention import AdditiveAttention, Attention, MultiHeadAttention
from pyfapi.layers.base import Layer
from pyfapi.layers.convolutional import (Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose,
                                         DepthwiseConv2D, SeparableConv2D)
from pyfapi.layers.core import (Dense, EinsumDense, Embedding, Identity, Input, InputLayer,
                                Lambda, Masking)
from pyfapi.layers.merging import (Add, Average, Concatenate, Maximum, Minimum, Multiply,
                                   Subtract, add, average, concatenate, maximum, minimum,
                                   multiply, subtract)
from pyfapi.layers.merging.dot import Dot, dot
from pyfapi.layers.normalization import (BatchNormalization, GroupNormalization,
                                         LayerNormalization, UnitNormalization)
from pyfapi.layers.preprocessing import *  # noqa: F401,F403
from pyfapi.layers.preprocessing import __all__ as _preprocessing_all
from pyfapi.layers.pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D,
                                   GlobalAveragePooling2D, GlobalMaxPooling1D,
                                   GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
from pyfapi.layers.regularization import (ActivityRegularization, AlphaDropout, Dropout,
                                          GaussianDropout, GaussianNoise, SpatialDropout1D,
                                          SpatialDropout2D)
from pyfapi.layers.reshaping import (Cropping1D, Cropping2D, Flatten, Permute, RepeatVector,
                                     Reshape, UpSampling1D, UpSampling2D, ZeroPadding1D,
                                     ZeroPadding2D)
from pyfapi.layers.rnn import GRU, LSTM, Bidirectional, SimpleRNN, TimeDistributed

# Keras aliases
Convolution1D, Convolution2D = Conv1D, Conv2D
SeparableConvolution2D = SeparableConv2D
Convolution1DTranspose, Convolution2DTranspose = Conv1DTranspose, Conv2DTranspose
MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
GlobalMaxPool1D, GlobalMaxPool2D = GlobalMaxPooling1D, GlobalMaxPooling2D
GlobalAvgPool1D, GlobalAvgPool2D = GlobalAveragePooling1D, GlobalAveragePooling2D

__all__ = [
    "Layer", "InputSpec", "Input", "InputLayer",
    "Dense", "Activation", "Dropout", "Flatten", "Reshape", "Embedding", "Lambda",
    "Conv1D", "Conv2D", "SeparableConv2D", "DepthwiseConv2D",
    "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "LSTM", "BatchNormalization", "LayerNormalization",
    "Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
    "concatenate", "add", "subtract", "multiply", "average", "maximum", "minimum", "Dot", "dot",
    "Convolution1D", "Convolution2D", "SeparableConvolution2D", "MaxPool1D", "MaxPool2D",
    "AvgPool1D", "AvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GRU", "SimpleRNN", "Masking", "Bidirectional", "TimeDistributed", "RepeatVector",
    *_preprocessing_all,
    "EinsumDense", "MultiHeadAttention", "Attention", "AdditiveAttention",
    "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "Conv1DTranspose", "Conv2DTranspose",
    "Convolution1DTranspose", "Convolution2DTranspose",
    "UpSampling1D", "UpSampling2D", "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D",
    "Permute", "Identity", "GroupNormalization", "UnitNormalization", "GaussianNoise",
    "GaussianDropout", "AlphaDropout", "SpatialDropout1D", "SpatialDropout2D",
    "ActivityRegularization",
]
