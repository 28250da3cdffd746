"""Attention layers: MultiHeadAttention, Attention, AdditiveAttention."""
from pyfapi.layers.attention.additive_attention import AdditiveAttention
from pyfapi.layers.attention.attention import Attention
from pyfapi.layers.attention.multi_head_attention import MultiHeadAttention
