"""Recurrent layers."""
from pyfapi.layers.rnn.lstm import LSTM
