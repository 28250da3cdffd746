"""model.summary(): Keras 3's text, character for character.

The EXPECTED_* strings below were printed by Keras 3.15.1 (TensorFlow 2.21 CPU backend) with
``model.summary(print_fn=...)`` for the same models built after ``keras.backend.clear_session()``,
on an 80-column console (so the default line length is min(88 or 108, 80 - 4) = 76).
"""
import pytest

from notebook_models import build_mlp_twins

from pyfapi import layers
from pyfapi.layers.core.input_layer import Input
from pyfapi.models import Model, Sequential
from pyfapi.models.summary import readable_memory_size, summary_text
from pyfapi.utils import naming


@pytest.fixture(autouse=True)
def _fresh_names_80_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    naming.reset_names()
    yield
    naming.reset_names()


def capture(model, **kwargs):
    calls = []
    model.summary(print_fn=calls.append, **kwargs)
    assert len(calls) == 1  # Keras 3 calls print_fn once with the whole text
    return calls[0]


EXPECTED_CELL1_SEQ = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 32)             │         2,080 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 32)             │         1,056 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_2 (Dense)                 │ (None, 10)             │           330 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 3,466 (13.54 KB)
 Trainable params: 3,466 (13.54 KB)
 Non-trainable params: 0 (0.00 B)
"""

EXPECTED_CELL1_FUN = """\
Model: "functional_3"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ input_layer_1 (InputLayer)      │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_3 (Dense)                 │ (None, 32)             │         2,080 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_4 (Dense)                 │ (None, 32)             │         1,056 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_5 (Dense)                 │ (None, 10)             │           330 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 3,466 (13.54 KB)
 Trainable params: 3,466 (13.54 KB)
 Non-trainable params: 0 (0.00 B)
"""

EXPECTED_QA = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ text (InputLayer)   │ (None, None)      │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ question            │ (None, None)      │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ embedding           │ (None, None, 64)  │    640,000 │ text[0][0]        │
│ (Embedding)         │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ embedding_1         │ (None, None, 32)  │    320,000 │ question[0][0]    │
│ (Embedding)         │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ lstm (LSTM)         │ (None, 32)        │     12,416 │ embedding[0][0]   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ lstm_1 (LSTM)       │ (None, 16)        │      3,136 │ embedding_1[0][0] │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ concatenate         │ (None, 48)        │          0 │ lstm[0][0],       │
│ (Concatenate)       │                   │            │ lstm_1[0][0]      │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense (Dense)       │ (None, 500)       │     24,500 │ concatenate[0][0] │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 1,000,052 (3.81 MB)
 Trainable params: 1,000,052 (3.81 MB)
 Non-trainable params: 0 (0.00 B)
"""

EXPECTED_QA_SEED = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━
┃ Layer (type)                      ┃ Output Shape                 ┃           P
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━
│ text (InputLayer)                 │ (None, None)                 │            
├───────────────────────────────────┼──────────────────────────────┼────────────
│ question (InputLayer)             │ (None, None)                 │            
├───────────────────────────────────┼──────────────────────────────┼────────────
│ embedding (Embedding)             │ (None, None, 10000)          │           6
├───────────────────────────────────┼──────────────────────────────┼────────────
│ embedding_1 (Embedding)           │ (None, None, 10000)          │           3
├───────────────────────────────────┼──────────────────────────────┼────────────
│ lstm (LSTM)                       │ (None, 32)                   │         1,2
├───────────────────────────────────┼──────────────────────────────┼────────────
│ lstm_1 (LSTM)                     │ (None, 16)                   │           6
├───────────────────────────────────┼──────────────────────────────┼────────────
│ concatenate (Concatenate)         │ (None, 48)                   │            
├───────────────────────────────────┼──────────────────────────────┼────────────
│ dense (Dense)                     │ (None, 500)                  │            
└───────────────────────────────────┴──────────────────────────────┴────────────
 Total params: 2,909,812 (11.10 MB)
 Trainable params: 2,909,812 (11.10 MB)
 Non-trainable params: 0 (0.00 B)
"""

EXPECTED_SHARED = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ input_layer         │ (None, None, 128) │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ input_layer_1       │ (None, None, 128) │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ lstm (LSTM)         │ (None, 32)        │     20,608 │ input_layer[0][0… │
│                     │                   │            │ input_layer_1[0]… │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ concatenate         │ (None, 64)        │          0 │ lstm[0][0],       │
│ (Concatenate)       │                   │            │ lstm[1][0]        │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense (Dense)       │ (None, 1)         │         65 │ concatenate[0][0] │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 20,673 (80.75 KB)
 Trainable params: 20,673 (80.75 KB)
 Non-trainable params: 0 (0.00 B)
"""

EXPECTED_NESTED = """\
Model: "functional_1"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ input_layer_1       │ (None, 8)         │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ input_layer_2       │ (None, 8)         │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ inner (Sequential)  │ (None, 4)         │         52 │ input_layer_1[0]… │
│                     │                   │            │ input_layer_2[0]… │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ add (Add)           │ (None, 4)         │          0 │ inner[0][0],      │
│                     │                   │            │ inner[1][0]       │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 52 (208.00 B)
 Trainable params: 44 (176.00 B)
 Non-trainable params: 8 (32.00 B)
"""

EXPECTED_RESIDUAL_SAME = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━┳
┃                                       ┃                             ┃  Param ┃
┃ Layer (type)                          ┃ Output Shape                ┃      # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━╇
│ input_layer (InputLayer)              │ (None, 32, 32, 128)         │      0 │
├───────────────────────────────────────┼─────────────────────────────┼────────┼
│ conv2d (Conv2D)                       │ (None, 32, 32, 128)         │ 147,5… │
├───────────────────────────────────────┼─────────────────────────────┼────────┼
│ conv2d_1 (Conv2D)                     │ (None, 32, 32, 128)         │ 147,5… │
├───────────────────────────────────────┼─────────────────────────────┼────────┼
│ conv2d_2 (Conv2D)                     │ (None, 32, 32, 128)         │ 147,5… │
├───────────────────────────────────────┼─────────────────────────────┼────────┼
│ add (Add)                             │ (None, 32, 32, 128)         │      0 │
│                                       │                             │        │
└───────────────────────────────────────┴─────────────────────────────┴────────┴
 Total params: 442,752 (1.69 MB)
 Trainable params: 442,752 (1.69 MB)
 Non-trainable params: 0 (0.00 B)
"""

EXPECTED_UNBUILT = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ ?                      │   0 (unbuilt) │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ ?                      │   0 (unbuilt) │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 0 (0.00 B)
 Trainable params: 0 (0.00 B)
 Non-trainable params: 0 (0.00 B)
"""

EXPECTED_NESTED_SEQ = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ inner2 (Sequential)             │ (None, 4)              │            36 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 1)              │             5 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 41 (164.00 B)
 Trainable params: 41 (164.00 B)
 Non-trainable params: 0 (0.00 B)
"""

EXPECTED_NESTED_SEQ_EXPAND = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━┓
┃ Layer (type)                ┃ Output Shape          ┃    Param # ┃ Trai… ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━┩
│ inner2 (Sequential)         │ (None, 4)             │         36 │   Y   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│    └ dense (Dense)          │ (None, 4)             │         36 │   Y   │
├─────────────────────────────┼───────────────────────┼────────────┼───────┤
│ dense_1 (Dense)             │ (None, 1)             │          5 │   Y   │
└─────────────────────────────┴───────────────────────┴────────────┴───────┘
 Total params: 41 (164.00 B)
 Trainable params: 41 (164.00 B)
 Non-trainable params: 0 (0.00 B)
"""

EXPECTED_LSTM_STATE = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ input_layer (InputLayer)        │ (None, None, 2)        │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ lstm (LSTM)                     │ [(None, 3), (None, 3), │            72 │
│                                 │ (None, 3)]             │               │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 72 (288.00 B)
 Trainable params: 72 (288.00 B)
 Non-trainable params: 0 (0.00 B)
"""


def build_qa(seed_order=False):
    text_input = Input(shape=(None,), dtype="int32", name="text")
    emb = layers.Embedding(64, 10000) if seed_order else layers.Embedding(10000, 64)
    encoded_text = layers.LSTM(32)(emb(text_input))
    question_input = Input(shape=(None,), dtype="int32", name="question")
    emb = layers.Embedding(32, 10000) if seed_order else layers.Embedding(10000, 32)
    encoded_question = layers.LSTM(16)(emb(question_input))
    concatenated = layers.concatenate([encoded_text, encoded_question], axis=-1)
    answer = layers.Dense(500, activation="softmax")(concatenated)
    return Model([text_input, question_input], answer)


def build_shared():
    lstm = layers.LSTM(32)
    left_input = Input(shape=(None, 128))
    left_output = lstm(left_input)
    right_input = Input(shape=(None, 128))
    right_output = lstm(right_input)
    merged = layers.concatenate([left_output, right_output], axis=-1)
    predictions = layers.Dense(1, activation="sigmoid")(merged)
    return Model([left_input, right_input], predictions)


def build_nested():
    inner = Sequential([Input((8,)), layers.Dense(4), layers.BatchNormalization()], name="inner")
    a, b = Input((8,)), Input((8,))
    return Model([a, b], layers.add([inner(a), inner(b)]))


def build_residual_same():
    x = Input((32, 32, 128))
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(x)
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(y)
    y = layers.Conv2D(128, 3, activation="relu", padding="same")(y)
    return Model(x, layers.add([y, x]))


def test_cell1_sequential_and_functional_twin():
    seq_model, model = build_mlp_twins()
    assert capture(seq_model) == EXPECTED_CELL1_SEQ
    # Keras 3's Sequential builds a Functional per add(): the twin is "functional_3"
    assert capture(model) == EXPECTED_CELL1_FUN
    assert " Total params: 3,466 (13.54 KB)" in EXPECTED_CELL1_FUN.splitlines()


def test_qa_model_connected_to_column():
    assert capture(build_qa()) == EXPECTED_QA


def test_qa_seed_order_wide_line_is_cropped_at_console_width():
    assert capture(build_qa(seed_order=True), line_length=120) == EXPECTED_QA_SEED


def test_shared_lstm_second_call_is_node_1():
    text = capture(build_shared())
    assert text == EXPECTED_SHARED
    assert "lstm[1][0]" in text


def test_nested_model_one_row_params_once():
    assert capture(build_nested()) == EXPECTED_NESTED


def test_custom_positions_wrapped_header_and_truncated_numbers():
    assert capture(build_residual_same(), line_length=100,
                   positions=[0.4, 0.7, 0.8, 1.0]) == EXPECTED_RESIDUAL_SAME


def test_unbuilt_sequential():
    assert capture(Sequential([layers.Dense(4), layers.Dense(2)])) == EXPECTED_UNBUILT


def test_nested_sequential_expand_nested_show_trainable():
    inner = Sequential([Input((8,)), layers.Dense(4)], name="inner2")
    outer = Sequential([Input((8,)), inner, layers.Dense(1)])
    assert capture(outer) == EXPECTED_NESTED_SEQ
    assert capture(outer, expand_nested=True, show_trainable=True) == EXPECTED_NESTED_SEQ_EXPAND


def test_multi_output_layer_shape_list():
    lstm = layers.LSTM(3, return_state=True)
    i = Input((None, 2))
    assert capture(Model(i, lstm(i))) == EXPECTED_LSTM_STATE


def test_summary_prints_to_stdout_by_default(capsys):
    seq_model, _ = build_mlp_twins()
    seq_model.summary()
    assert capsys.readouterr().out == EXPECTED_CELL1_SEQ


def test_summary_text_function_and_errors():
    _, model = build_mlp_twins()
    assert summary_text(model) == EXPECTED_CELL1_FUN
    with pytest.raises(ValueError, match="Insufficient console width"):
        model.summary(line_length=10, print_fn=lambda s: None)
    with pytest.raises(ValueError, match="layer_range"):
        model.summary(layer_range=["dense_3"], print_fn=lambda s: None)
    rows = capture(model, layer_range=["dense_3", "dense_4"])
    assert "dense_3 (Dense)" in rows and "dense_4 (Dense)" in rows
    assert "dense_5" not in rows and "input_layer_1" not in rows


@pytest.mark.parametrize("size, text", [
    (0, "0.00 B"), (1023, "1023.00 B"), (1024, "1.00 KB"), (13864, "13.54 KB"),
    (4_000_208, "3.81 MB"), (5 * 1024 ** 3, "5.00 GB"),
])
def test_readable_memory_size(size, text):
    # Keras 3: base 1024, two decimals; 3,466 float32 params = 13,864 B = 13.54 KB
    assert readable_memory_size(size) == text
