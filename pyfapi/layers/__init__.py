"""pyfapi.layers: the Keras 3 layers of the functional API.

``from pyfapi import layers`` then ``layers.Dense(32, activation="relu")(x)`` exactly as with
``keras.layers``. Modules: :mod:`.base` (Layer), :mod:`.input_layer` (Input, InputLayer),
:mod:`.core` (Dense, Activation, Dropout, Flatten, Reshape, Embedding), :mod:`.conv`,
:mod:`.pooling`, :mod:`.recurrent` (LSTM), :mod:`.normalization` (BatchNormalization),
:mod:`.merging` (Concatenate, Add, ... and the functions concatenate, add, ...),
:mod:`.lambda_layer` (Lambda).
"""
from pyfapi.graph.input_spec import InputSpec
from pyfapi.layers.base import Layer
from pyfapi.layers.conv import Conv1D, Conv2D, DepthwiseConv2D, SeparableConv2D
from pyfapi.layers.core import Activation, Dense, Dropout, Embedding, Flatten, Reshape
from pyfapi.layers.input_layer import Input, InputLayer
from pyfapi.layers.lambda_layer import Lambda
from pyfapi.layers.merging import (Add, Average, Concatenate, Maximum, Minimum, Multiply,
                                   Subtract, add, average, concatenate, maximum, minimum,
                                   multiply, subtract)
from pyfapi.layers.normalization import BatchNormalization
from pyfapi.layers.pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D,
                                   GlobalAveragePooling2D, GlobalMaxPooling1D,
                                   GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
from pyfapi.layers.recurrent import LSTM

# Keras aliases
Convolution1D, Convolution2D = Conv1D, Conv2D
SeparableConvolution2D = SeparableConv2D
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
    "GlobalAveragePooling2D", "LSTM", "BatchNormalization",
    "Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
    "concatenate", "add", "subtract", "multiply", "average", "maximum", "minimum",
    "Convolution1D", "Convolution2D", "SeparableConvolution2D", "MaxPool1D", "MaxPool2D",
    "AvgPool1D", "AvgPool2D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalAvgPool1D",
    "GlobalAvgPool2D",
]
