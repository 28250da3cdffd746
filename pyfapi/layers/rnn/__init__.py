"""Recurrent layers and the RNN wrappers."""
from pyfapi.layers.rnn.bidirectional import Bidirectional
from pyfapi.layers.rnn.gru import GRU
from pyfapi.layers.rnn.lstm import LSTM
from pyfapi.layers.rnn.simple_rnn import SimpleRNN
from pyfapi.layers.rnn.time_distributed import TimeDistributed

__all__ = ["GRU", "LSTM", "Bidirectional", "SimpleRNN", "TimeDistributed"]
