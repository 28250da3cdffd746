"""Regenerate tests/references/tfkeras2_*.h5 with GENUINE Keras 2 (tf-keras on TensorFlow; not run
by the suite, and neither package is a test dependency). Run it in a throwaway venv that sees the
shared TensorFlow, so the shared interpreter's keras 3 / numpy stay untouched:

    python -m venv --system-site-packages /tmp/tfk && /tmp/tfk/bin/pip install --no-deps tf-keras
    /tmp/tfk/bin/python tests/references/gen_keras2_h5.py

Writes (each compiled and trained a few steps, so BatchNormalization statistics and the
optimizer's slots are not their initial values):

* tfkeras2_functional.h5: two inputs -- an 8x8x3 image through Conv2D / BatchNormalization /
  MaxPooling2D / Flatten / Dense, and 7 token ids through Embedding / LSTM -- concatenated, then
  Dropout and a softmax Dense; Adam (lr 0.01), categorical crossentropy, accuracy;
* tfkeras2_sequential.h5: Embedding(mask_zero) / LSTM(return_sequences) / GRU / Dense, RMSprop
  (momentum 0.5), sparse categorical crossentropy;
* tfkeras2_expected.npz: the inputs and tf.keras's predictions for both, the tf.keras version,
  and each file's optimizer iteration count.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as K  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
tf.keras.utils.set_random_seed(0) if hasattr(tf.keras.utils, "set_random_seed") else None
K.utils.set_random_seed(0)
rng = np.random.default_rng(0)

# ---- functional, two inputs ----------------------------------------------------------------------
img = K.Input((8, 8, 3), name="image")
tok = K.Input((7,), dtype="int32", name="tokens")
a = K.layers.Conv2D(4, 3, activation="relu", name="conv")(img)
a = K.layers.BatchNormalization(name="bn")(a)
a = K.layers.MaxPooling2D(2, name="pool")(a)
a = K.layers.Flatten(name="flat")(a)
a = K.layers.Dense(6, activation="relu", name="img_dense")(a)
b = K.layers.Embedding(20, 4, name="embed")(tok)
b = K.layers.LSTM(5, name="lstm")(b)
h = K.layers.Concatenate(name="concat")([a, b])
h = K.layers.Dropout(0.25, name="drop")(h)
out = K.layers.Dense(3, activation="softmax", name="probs")(h)
fm = K.Model([img, tok], out, name="two_inputs")
fm.compile(K.optimizers.Adam(0.01), "categorical_crossentropy", metrics=["accuracy"])
xi = rng.normal(size=(16, 8, 8, 3)).astype("float32")
xt = rng.integers(0, 20, size=(16, 7)).astype("int32")
y = np.eye(3, dtype="float32")[rng.integers(0, 3, 16)]
fm.fit([xi, xt], y, batch_size=8, epochs=2, verbose=0)
fm.save(os.path.join(HERE, "tfkeras2_functional.h5"))

# ---- sequential, masked recurrent stack ----------------------------------------------------------
sm = K.Sequential([
    K.layers.Embedding(15, 3, mask_zero=True, input_length=6, name="s_embed"),
    K.layers.LSTM(4, return_sequences=True, name="s_lstm"),
    K.layers.GRU(3, name="s_gru"),
    K.layers.Dense(2, activation="softmax", name="s_out")], name="seq")
sm.compile(K.optimizers.RMSprop(0.01, momentum=0.5), "sparse_categorical_crossentropy")
xs = rng.integers(1, 15, size=(12, 6)).astype("int32")
xs[::3, 4:] = 0  # padded tails: the mask matters
ys = rng.integers(0, 2, size=(12,)).astype("int32")
sm.fit(xs, ys, batch_size=4, epochs=2, verbose=0)
sm.save(os.path.join(HERE, "tfkeras2_sequential.h5"))

np.savez(os.path.join(HERE, "tfkeras2_expected.npz"), image=xi, tokens=xt, y=y,
         functional=fm.predict([xi, xt], verbose=0), seq_x=xs, seq_y=ys,
         sequential=sm.predict(xs, verbose=0), version=np.array(K.__version__),
         functional_iterations=int(fm.optimizer.iterations.numpy()),
         sequential_iterations=int(sm.optimizer.iterations.numpy()))
print("tf_keras", K.__version__, "wrote tfkeras2_functional.h5, tfkeras2_sequential.h5")
